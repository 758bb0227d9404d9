"""An update-mode import in bulk checks a stored contact's required custom fields as the row
path (`contact_update`) does: a row that sets custom fields on a contact whose required one
is empty fails with the same error, whichever path wrote it."""

import pytest

from rapport.contacts.models import Contact, CustomFieldDefinition
from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_contact
from rapport.data.models import ImportRowError
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import workspace_create

FILE = (
    "Email,Tier,Code\n"
    "ann@x.io,Gold,\n"  # Ann has no code: refused
    "bo@x.io,Gold,\n"  # Bo has his: updated
    "cy@x.io,,\n"  # no custom field: not checked, as on the row path
    "di@x.io,Silver,D1\n"  # Di's code given: updated
    "di@x.io,Gold,\n"  # Di again: her code is the one the row before gave
)


def _workspace(owner, name):
    workspace = workspace_create(name=name, owner=owner, default_region="US")
    with workspace_scope(workspace):
        for label in ("Tier", "Code"):
            custom_field_create(
                workspace=workspace,
                actor=owner,
                data={"entity": "contact", "label": label, "field_type": "text"},
            )
        make_contact(workspace, owner, first_name="Ann", emails=["ann@x.io"])
        make_contact(
            workspace, owner, first_name="Bo", emails=["bo@x.io"], custom_fields={"code": "B"}
        )
        make_contact(workspace, owner, first_name="Cy", emails=["cy@x.io"])
        make_contact(workspace, owner, first_name="Di", emails=["di@x.io"])
        # required once the contacts are stored without it
        CustomFieldDefinition.objects.filter(key="code").update(required=True)
    return workspace


@pytest.mark.parametrize("chunk_rows", [2, 500])
def test_bulk_and_row_path_refuse_the_same_rows_with_the_same_error(
    owner, upload, run_import, chunk_rows
):
    results = []
    for bulk in (False, True):
        workspace = _workspace(owner, f"ws {bulk}")
        batch = run_import(upload(workspace, FILE), mode="update", chunk_rows=chunk_rows, bulk=bulk)
        with workspace_scope(workspace):
            errors = list(
                ImportRowError.objects.filter(batch=batch)
                .order_by("row")
                .values_list("row", "column", "message")
            )
            stored = list(Contact.objects.order_by("email").values_list("email", "custom_fields"))
        results.append(((batch.updated, batch.failed), errors, stored))

    assert results[0] == results[1]
    assert results[1][0] == (4, 1)
    assert results[1][1] == [(2, "", "is required")]
    assert results[1][2] == [
        ("ann@x.io", {}),
        ("bo@x.io", {"code": "B", "tier": "Gold"}),
        ("cy@x.io", {}),
        ("di@x.io", {"code": "D1", "tier": "Gold"}),
    ]
