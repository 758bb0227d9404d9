"""External ids: another system's id for a contact or company, unique within a workspace."""

import pytest

from rapport.api.testing import ApiClient, problem_fields
from rapport.contacts.services import company_create, contact_create, contact_update
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.tenancy.access import workspace_scope


def test_a_contact_keeps_its_external_id_stripped(scoped, owner):
    contact = contact_create(
        workspace=scoped, actor=owner, data={"first_name": "Ann", "external_id": " SF-001 "}
    )

    contact.refresh_from_db()
    assert contact.external_id == "SF-001"


def test_two_contacts_of_a_workspace_cannot_share_an_external_id(scoped, owner):
    first = make_contact(scoped, first_name="Ann", external_id="SF-001")

    with pytest.raises(ServiceValidationError) as exc:
        contact_create(
            workspace=scoped, actor=owner, data={"first_name": "Bob", "external_id": "SF-001"}
        )

    assert exc.value.as_dict() == {
        "external_id": [f"'SF-001' is already the external id of record #{first.pk}"]
    }


def test_a_record_may_be_saved_again_with_its_own_external_id_and_blanks_do_not_clash(
    scoped, owner
):
    ann = make_contact(scoped, first_name="Ann", external_id="SF-001")
    make_contact(scoped, first_name="Bob")
    make_contact(scoped, first_name="Cy", external_id="")

    contact_update(
        workspace=scoped, actor=owner, contact=ann, data={"external_id": "SF-001", "city": "Oslo"}
    )

    ann.refresh_from_db()
    assert (ann.external_id, ann.city) == ("SF-001", "Oslo")


def test_another_workspace_may_use_the_same_external_id(workspace, other_workspace, outsider):
    with workspace_scope(workspace):
        make_company(workspace, name="Acme", external_id="ACC-1")
    with workspace_scope(other_workspace):
        theirs = company_create(
            workspace=other_workspace,
            actor=outsider,
            data={"name": "Globex", "external_id": "ACC-1"},
        )
    assert theirs.external_id == "ACC-1"


def test_a_company_external_id_is_unique_in_the_workspace(scoped, owner):
    make_company(scoped, name="Acme", external_id="ACC-1")

    with pytest.raises(ServiceValidationError) as exc:
        company_create(workspace=scoped, actor=owner, data={"name": "Beta", "external_id": "ACC-1"})

    assert list(exc.value.as_dict()) == ["external_id"]


def test_the_api_writes_and_reads_external_ids(workspace, owner):
    api = ApiClient.with_token(owner, workspace)

    created = api.post("/contacts", {"first_name": "Ann", "external_id": "HS-7"})
    clash = api.post("/contacts", {"first_name": "Bob", "external_id": "HS-7"})
    company = api.post("/companies", {"name": "Acme", "external_id": "ACC-1"})

    assert created.status_code == 201, created.content
    assert created.json()["external_id"] == "HS-7"
    assert api.get(f"/contacts/{created.json()['id']}").json()["external_id"] == "HS-7"
    assert clash.status_code == 422
    assert "already the external id" in problem_fields(clash)["external_id"]
    assert company.json()["external_id"] == "ACC-1"
