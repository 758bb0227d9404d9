"""A row with several bad cells names each of them at once, whichever importer it is for:
what its cells hold wrong (an owner who is no member, a custom field, a date) and what the
services refuse of the rest (an email, a stage, a country) were reported one kind at a time,
the first kind hiding the second. The row is still not written, and the error report has a
line per row and column."""

import csv
import io

import pytest

from rapport.contacts.models import Company, Contact
from rapport.contacts.services import custom_field_create
from rapport.data.models import ImportRowError
from rapport.data.services import import_dry_run
from rapport.sales.models import Deal, Lead, Order, Product
from rapport.sales.tests.factories import make_pipeline
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage


@pytest.fixture
def defined(workspace, owner):
    """A date and a number custom field on contacts and companies, and a pipeline."""
    with workspace_scope(workspace):
        for entity in ("contact", "company"):
            for key, label, kind in (("renewal", "Renewal", "date"), ("seats", "Seats", "number")):
                custom_field_create(
                    workspace=workspace,
                    actor=owner,
                    data={"key": key, "label": label, "field_type": kind, "entity": entity},
                )
        make_pipeline(workspace, owner)
    return workspace


def _errors(batch):
    with workspace_scope(batch.workspace):
        return [(e.row, e.column) for e in ImportRowError.objects.filter(batch=batch)]


CONTACTS = (
    "Email,First Name,Lifecycle stage,Owner,Renewal,Seats,Country\n"
    "ann@x.io,Ann,lead,,2025-01-31,3,GB\n"
    "not-an-email,Bo,weird,nobody,2025-02-30,lots,Narnia\n"
)
# the cells found wrong before the services are called, then what the services refuse
CONTACT_ERRORS = [
    (3, "Owner"),
    (3, "Renewal"),
    (3, "Seats"),
    (3, "Country"),
    (3, "Email"),
    (3, "Lifecycle stage"),
]


@pytest.mark.parametrize("import_bulk", [True, False], ids=["bulk", "row path"])
def test_a_contact_rows_every_bad_cell_is_named_down_either_path(
    defined, upload, run_import, import_bulk
):
    batch = run_import(upload(defined, CONTACTS))

    assert (batch.created, batch.failed) == (1, 1)
    assert _errors(batch) == CONTACT_ERRORS
    with workspace_scope(defined):
        assert list(Contact.objects.values_list("first_name", flat=True)) == ["Ann"]


@pytest.mark.parametrize("import_bulk", [True, False], ids=["bulk", "row path"])
def test_a_company_the_row_cannot_create_is_named_beside_its_other_bad_cells(
    defined, upload, run_import, import_bulk
):
    text = f"Email,First Name,Company,Owner\nbo@,Bo,{'A' * 300},nobody\n"

    batch = run_import(upload(defined, text))

    assert _errors(batch) == [(2, "Company"), (2, "Owner"), (2, "Email")]
    with workspace_scope(defined):
        assert not Company.objects.exists()
        assert not Contact.objects.exists()


def test_a_company_rows_every_bad_cell_is_named(defined, upload, run_import):
    text = (
        "Name,Domain,Country,Owner,Annual revenue,Renewal\n"
        "Acme,acme.io,Narnia,nobody,abc,2025-02-30\n"
    )

    batch = run_import(upload(defined, text, entity="companies"))

    assert _errors(batch) == [(2, "Annual revenue"), (2, "Owner"), (2, "Renewal"), (2, "Country")]
    with workspace_scope(defined):
        assert not Company.objects.exists()


@pytest.mark.parametrize(
    "entity, text, expected, model",
    [
        (
            "leads",
            "Email,Lead Status,Lead owner\nbob@,Nope,nobody@x.io\n",
            ["Lead Status", "Lead owner", "Email"],
            Lead,
        ),
        (
            "deals",
            "Deal ID,Deal Name,Amount,Close Date,Deal owner\nD-1,,abc,31/31/2024,nobody@x.io\n",
            ["Amount", "Close Date", "Deal owner", "Name"],  # its label: the cell is empty
            Deal,
        ),
        (
            "products",
            "SKU,Name,Unit price,Active\nP-1,,abc,maybe\n",
            ["Active", "Unit price", "Name"],
            Product,
        ),
        (
            "orders",
            "Order ID,Order Date,Customer Email,Quantity,Unit Price,Currency\n"
            "SO-9,31/31/2024,nobody@x.io,abc,5,XXXX\n",
            ["Order Date", "Customer Email", "Quantity", "Currency"],
            Order,
        ),
    ],
)
def test_the_other_importers_rows_name_every_bad_cell(
    defined, upload, run_import, entity, text, expected, model
):
    batch = run_import(upload(defined, text, entity=entity))

    assert _errors(batch) == [(2, column) for column in expected]
    with workspace_scope(defined):
        assert not model.objects.exists()


def test_the_preview_and_the_error_report_name_them_all(defined, upload, run_import, owner_client):
    batch = upload(defined, CONTACTS)
    with workspace_scope(defined):
        preview = import_dry_run(workspace=defined, actor=None, batch=batch)
    run_import(batch)

    report = owner_client.get(f"/imports/{batch.pk}/errors.csv").getvalue().decode()

    assert [p.action for p in preview] == ["created", "failed"]
    assert [(3, e.field) for e in preview[1].errors] == CONTACT_ERRORS
    lines = list(csv.reader(io.StringIO(report.lstrip("\ufeff"))))
    assert [tuple(line[:2]) for line in lines[1:]] == [(str(r), c) for r, c in CONTACT_ERRORS]
    assert all(line[3:] == lines[1][3:] for line in lines[1:])  # each with the row as read
