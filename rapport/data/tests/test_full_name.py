"""A name written whole (a "Name" or "Full Name" column) gives the first and last names, down
both the bulk path and the row path; a row that has its own first or last name keeps them."""

import pytest

from rapport.contacts.models import Contact
from rapport.contacts.normalise import name_split
from rapport.data.importers import importer_get, mapping_suggest
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("full", "split"),
    [
        ("Dr. Jane Q. Smith Jr.", ("Jane Q.", "Smith Jr.")),
        ("Smith, John", ("John", "Smith")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
        ("García Márquez, Gabriel José", ("Gabriel José", "García Márquez")),
        ("Cher", ("Cher", "")),
    ],
)
def test_a_whole_name_is_split_into_first_and_last(full, split):
    assert name_split(full) == split


@pytest.fixture(params=[True, False], ids=["bulk", "rows"])
def import_bulk(request):
    return request.param


def test_an_import_splits_a_full_name_column_and_keeps_a_rows_own_names(
    workspace, upload, run_import
):
    content = (
        "Full Name,First Name,Email\n"
        '"Smith, John",,john@x.io\n'
        "Dr. Jane Q. Doe,,jane@x.io\n"
        "Ann Lee,Annie,ann@x.io\n"  # her own first name: the whole name is not used
        "Cher,,cher@x.io\n"
    )
    batch = run_import(upload(workspace, content))

    assert (batch.created, batch.failed) == (4, 0)
    with workspace_scope(workspace):
        names = Contact.objects.order_by("email").values_list("email", "first_name", "last_name")
        assert list(names) == [
            ("ann@x.io", "Annie", ""),
            ("cher@x.io", "Cher", ""),
            ("jane@x.io", "Jane Q.", "Doe"),
            ("john@x.io", "John", "Smith"),
        ]


def test_a_name_column_is_suggested_as_the_full_name():
    importer = importer_get("contacts")
    mapping = mapping_suggest(importer, ["Name", "E-mail"])
    assert mapping["Name"] == "full_name"
