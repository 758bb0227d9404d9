"""The contact page's Django CPU, queries and profile, in-process (no HTTP server).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_mine \\
        .venv/bin/python bench/record_page.py --requests 120
    ... bench/record_page.py --profile 30        # the 30 costliest functions (own time)
    ... bench/record_page.py --misses contact-detail-page   # as a first visit, not kept

`bench/request_cpu.py` for the contact page (`--only ui_contact_page --queries`): signs in
as bench-owner, asks the pages of `--samples` contacts (the ones `bench/http.py` picks)
round-robin, prints the median CPU time of a request in this thread and the page's queries.
"""

from __future__ import annotations

import sys

import request_cpu  # beside this file (the script's directory is on sys.path)

if __name__ == "__main__":
    request_cpu.main(["--only", "ui_contact_page", "--queries", *sys.argv[1:]])
