"""The demo's import history: a trade-show lead list in Salesforce's column names, brought in
through the real importer, with the few bad rows such a list always has, so the imports page
shows a finished batch, its per-row errors and its undo."""

import csv
import io
import random

from django.contrib.auth.models import AbstractUser
from django.core.files.base import ContentFile
from faker import Faker

from rapport.data.services import import_create, import_process, import_start
from rapport.demo.names import prospect
from rapport.tenancy.models import Workspace

HEADER = ["First Name", "Last Name", "Email", "Phone", "Title", "Company", "Lead Source"]
TITLES = ["Head of Sales", "Sales Manager", "CEO", "Operations Director", "Marketing Lead"]


def _rows(fake: Faker, rng: random.Random, count: int) -> list[list[str]]:
    taken: set[str] = set()
    rows = []
    for _ in range(count):
        first, last, email, company, _ = prospect(fake, rng, taken)
        phone = fake.numerify("+1 312 555 01##") if rng.random() < 0.6 else ""
        rows.append([first, last, email, phone, rng.choice(TITLES), company, "trade show"])
    # What a scanned badge list brings: a typo'd address, a phone too short, a note for an address.
    rows[3][2] = rows[3][2].replace("@", "@@")
    rows[7][3] = "555-01"
    rows[11][2] = "at the booth, no card"
    return rows


def imports_demo_fill(
    *, workspace: Workspace, user: AbstractUser, fake: Faker, rng: random.Random, count: int = 24
) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *_rows(fake, rng, count)])
    upload = ContentFile(out.getvalue().encode(), name="expo-2026-badge-scans.csv")
    batch = import_create(workspace=workspace, actor=user, entity="leads", file=upload)
    import_start(workspace=workspace, actor=user, batch=batch, enqueue=False)
    import_process(workspace=workspace, batch_id=batch.pk)
