"""Time the undo of an update-mode company import, in bulk and one company at a time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> \
        .venv/bin/python bench/company_undo.py --companies 5000

N companies are stored (plainly, in bulk), a file renaming each, changing its industry and
adding a tag is imported in update mode (the row path: companies have no bulk writer), and
the import is undone: by `CompanyImporter.restore_many` (`companies_update_many`), then, the
file imported again, by the base `Importer.restore_many` (`company_update` for each). With
`--values` the file also gives each company an owner, an annual revenue with its currency
and a custom field (which until dq26 sent the bulk undo back to one by one). The database is
dropped and created afresh (`import_contacts._fresh_database`). Figures are wall seconds on
a shared machine, printed with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from import_contacts import DATA, _django, _fresh_database, _workspace

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rapport_company_undo_bench"


def _store(workspace, n: int) -> None:  # type: ignore[no-untyped-def]
    from rapport.contacts.models import Company, Tag

    companies = []
    for i in range(n):
        company = Company(
            workspace=workspace,
            name=f"Company {i}",
            external_id=f"co-{i}",
            domain=f"c{i}.example",
            industry="Retail",
        )
        company.set_derived_fields()
        companies.append(company)
    Company.objects.bulk_create(companies, batch_size=1000)
    old = Tag.objects.create(workspace=workspace, name="old")
    links = [Company.tags.through(company_id=c.pk, tag_id=old.pk) for c in companies]
    Company.tags.through.objects.bulk_create(links, batch_size=1000)


def _file(n: int, values: str) -> Path:
    """The update file; `values`: an owner's username, for the owner, revenue and custom
    field columns ("" for none)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"companies-{n}{'-values' if values else ''}.csv"
    header = "Account ID,Name,Website,Industry,Tags"
    rows = [f"co-{i},Company {i} Ltd,c{i}.example,Manufacturing,new" for i in range(n)]
    if values:
        header += ",Owner,Annual revenue,Currency,Seats"
        rows = [f"{row},{values},{i}000.50,EUR,{i % 500}" for i, row in enumerate(rows)]
    path.write_text(header + "\n" + "".join(f"{row}\n" for row in rows))
    return path


def _seats_defined(workspace, owner) -> None:  # type: ignore[no-untyped-def]
    from rapport.contacts.services import custom_field_create

    data = {"key": "seats", "label": "Seats", "field_type": "number", "entity": "company"}
    custom_field_create(workspace=workspace, actor=owner, data=data)


def _import_and_undo(workspace, owner, path: Path) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from django.core.files import File

    from rapport.data.services import import_create, import_process, import_start, import_undo

    with path.open("rb") as fh:
        batch = import_create(
            workspace=workspace, actor=owner, entity="companies", file=File(fh, name=path.name)
        )
    start = time.perf_counter()
    import_start(workspace=workspace, actor=owner, batch=batch, mode="update", enqueue=False)
    batch = import_process(workspace=workspace, batch_id=batch.pk)
    imported = time.perf_counter()
    assert batch.updated == batch.rows, (batch.updated, batch.rows)
    import_undo(workspace=workspace, actor=owner, batch=batch)
    return {
        "import_s": round(imported - start, 1),
        "undo_s": round(time.perf_counter() - imported, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=5000)
    parser.add_argument(
        "--values", action="store_true", help="owners, revenues and a custom field too"
    )
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    _fresh_database(args.url)
    _django(args.url)
    from rapport.data.contact_importers import CompanyImporter
    from rapport.data.importers import Importer
    from rapport.tenancy.access import workspace_scope

    owner, workspace = _workspace()
    path = _file(args.companies, owner.username if args.values else "")
    with workspace_scope(workspace):
        _store(workspace, args.companies)
        if args.values:
            _seats_defined(workspace, owner)
        bulk = _import_and_undo(workspace, owner, path)
        bulk_restore = CompanyImporter.restore_many
        CompanyImporter.restore_many = Importer.restore_many  # type: ignore[method-assign]
        try:
            one_by_one = _import_and_undo(workspace, owner, path)
        finally:
            CompanyImporter.restore_many = bulk_restore  # type: ignore[method-assign]
    print(
        json.dumps(
            {
                "companies": args.companies,
                "values": args.values,
                "bulk": bulk,
                "one_by_one": one_by_one,
                "load": [round(v, 1) for v in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
