"""Write a fixed set of contact pages and API answers to a directory, or compare two such dumps.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench RAPPORT_KEEP_PAGES=false
    .venv/bin/python bench/pages_dump.py /tmp/pages_after              # this tree
    (cd /tmp/before && .venv/bin/python bench/pages_dump.py /tmp/pages_before)  # another tree
    .venv/bin/python bench/pages_dump.py --compare /tmp/pages_before /tmp/pages_after

How a change to the pages' reads is shown to render the same pages: the same URLs as
`bench/http.py` asks (its sampled names, emails, phones, deep cursors and contacts, the same
on every run over the same data), through Django's test client in this process, signed in as
bench-owner. Besides those, from each API answer its next and previous pages are followed
(the cursors the code hands out, both directions, both sorts). Each answer's body is written
as `NNN.html` or `NNN.json` with its status and URL in `index.tsv`. `--compare` reports the
files that differ once what changes from request to request is masked: the CSRF token, and
relative times ("3 hours ago"). Reads only (a session row and an API token are written and
removed).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_http", ROOT / "bench" / "http.py")
assert _spec is not None and _spec.loader is not None
bench_http = sys.modules["bench_http"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_http)

_SPAN = r"\d+(?:\xa0|&nbsp;| )(?:minute|hour|day|week|month|year)s?"
_MASKS = [
    (re.compile(r'(csrfmiddlewaretoken" value=")[^"]+'), r"\1TOKEN"),
    (re.compile(r'("X-CSRFToken": ")[^"]+'), r"\1TOKEN"),
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1TOKEN"),
    (re.compile(rf"{_SPAN}(?:, {_SPAN})*"), "N units"),
]


def masked(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def urls_pick(samples: int) -> list[tuple[str, bool, dict[str, str]]]:
    """(url, is the API, headers) of every endpoint of `bench/http.py`, `samples` each."""
    endpoints = bench_http.endpoints_build(bench_http.samples_pick(samples, 100))
    out = []
    for e in endpoints:
        out += [(url, e.api, dict(e.headers)) for url in e.urls[:samples]]
    # The list in the other order, forward and back, in the page and the table.
    for params in ({"sort": "-name"}, {"sort": "-name", "q": "mül"}):
        out.append((f"/contacts/?{urlencode(params)}", False, {}))
        out.append((f"/api/v1/contacts?{urlencode({**params, 'limit': 20})}", True, {}))
    return out


def dump(directory: Path, samples: int) -> None:
    from django.test import Client

    directory.mkdir(parents=True, exist_ok=True)
    auth = bench_http.auth_create()
    index = []
    try:
        todo = urls_pick(samples)
        api_seen = set()
        api_followed = 0
        while todo:
            url, api, headers = todo.pop(0)
            if api:
                headers["Authorization"] = f"Bearer {auth.token}"
            client = Client(headers=headers)
            if not api:
                client.cookies["sessionid"] = auth.session_cookie
            response = client.get(url)
            name = f"{len(index):03d}.{'json' if api else 'html'}"
            (directory / name).write_bytes(response.content)
            index.append(f"{name}\t{response.status_code}\t{headers.get('HX-Request', '')}\t{url}")
            if api and response.status_code == 200 and api_followed < 4 * samples:
                body = json.loads(response.content)
                for key in ("next_cursor", "prev_cursor"):
                    cursor = body.get(key)
                    if cursor and cursor not in api_seen:
                        api_seen.add(cursor)
                        api_followed += 1
                        query = {k: v for k, v in parse_qsl(urlsplit(url).query) if k != "cursor"}
                        query["cursor"] = cursor
                        todo.append((f"/api/v1/contacts?{urlencode(query)}", True, {}))
                        query.pop("limit", None)  # the same cursor on the page
                        todo.append((f"/contacts/?{urlencode(query)}", False, {}))
    finally:
        bench_http.auth_remove(auth)
    (directory / "index.tsv").write_text("\n".join(index) + "\n")
    print(f"{len(index)} answers written to {directory}")


def compare(before: Path, after: Path) -> int:
    a = (before / "index.tsv").read_text().splitlines()
    b = (after / "index.tsv").read_text().splitlines()
    if [line.split("\t", 1)[1] for line in a] != [line.split("\t", 1)[1] for line in b]:
        print("the two dumps asked other URLs or got other statuses")
        return 1
    differ = []
    for line in a:
        name = line.split("\t", 1)[0]
        first = masked((before / name).read_text())
        second = masked((after / name).read_text())
        if first != second:
            differ.append(line)
    for line in differ:
        print("differs:", line)
    print(f"{len(a)} answers compared, {len(differ)} differ (CSRF tokens, relative times masked)")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="+", help="where to write; with --compare, two dumps")
    parser.add_argument("--samples", type=int, default=10, help="URLs per endpoint")
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args(argv)
    if args.compare:
        before, after = (Path(d) for d in args.directory)
        sys.exit(compare(before, after))
    url = os.environ.get("DATABASE_URL", bench_http.DEFAULT_URL)
    data_dir = tempfile.mkdtemp(prefix="rapport-bench-")
    bench_http.django_setup(url, data_dir)
    bench_http.collectstatic(data_dir)
    dump(Path(args.directory[0]), args.samples)


if __name__ == "__main__":
    main()
