"""A phone's kind (mobile, work, home, other) is set through the contact form and the API,
checked, and, like a change of its extension alone, shows in the audit trail."""

import pytest

from rapport.api.testing import ApiClient
from rapport.audit.models import AuditEntry
from rapport.contacts.models import ContactPhone
from rapport.contacts.services import contact_delete, contact_update, contacts_delete
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client


def phones(workspace, contact):
    with workspace_scope(workspace):
        return [(p.number, p.extension, p.kind) for p in contact.phones.all()]


def kind_set(workspace, kind, number=None):
    """Give the phone with this number (every phone, for None) this kind."""
    with workspace_scope(workspace):
        phones = ContactPhone.objects.all()
        if number:
            phones = phones.filter(number=number)
        phones.update(kind=kind)


def edit(workspace, contact, data):
    with workspace_scope(workspace):
        contact_update(workspace=workspace, actor=None, contact=contact, data=data)


def last_change(workspace, contact_id):
    with workspace_scope(workspace):
        entry = AuditEntry.objects.filter(entity="contacts.contact", object_id=contact_id)
        return entry.order_by("-id").first()


# --- the audit trail -----------------------------------------------------------------------


def test_an_edit_of_an_extension_alone_is_in_the_audit_entry(owner_client, workspace):
    ann = make_contact(workspace, phones=["+1 415 555 0100 x204"])
    pk = ann.pk

    saved = owner_client.post(f"/contacts/{ann.pk}/fields/phones/", {"phones": "+14155550100 x205"})

    assert saved.status_code == 200
    entry = last_change(workspace, pk)
    assert entry.action == "update"
    assert entry.changes == {
        "phones": [["+14155550100 ext. 204"], ["+14155550100 ext. 205"]],
    }


def test_the_record_page_s_timeline_shows_the_extension_before_and_after(owner_client, workspace):
    ann = make_contact(workspace, phones=["+1 415 555 0100 x204"])
    owner_client.post(f"/contacts/{ann.pk}/fields/phones/", {"phones": "+14155550100"})

    page = owner_client.get(f"/contacts/{ann.pk}/").content.decode()

    assert '<span class="change-before">+14155550100 ext. 204</span> →' in page
    assert '<span class="change-after">+14155550100</span>' in page


def test_the_api_s_edit_of_an_extension_alone_is_in_the_audit_entry(workspace, owner):
    ann = make_contact(workspace, phones=["+14155550100"])
    pk = ann.pk
    api = ApiClient.with_token(owner, workspace)

    response = api.patch(f"/contacts/{ann.pk}", {"phones": ["+14155550100 ext. 9"]})

    assert response.status_code == 200, response.content
    assert last_change(workspace, pk).changes == {
        "phones": [["+14155550100"], ["+14155550100 ext. 9"]],
    }


def test_a_change_of_kind_alone_is_in_the_audit_entry_and_the_work_kind_goes_unsaid(workspace):
    ann = make_contact(workspace, phones=["+14155550100 x2", "+14155550101"])
    pk = ann.pk
    edit(
        workspace,
        ann,
        {"phones": ["+14155550100 x2", "+14155550101"], "phone_kinds": ["mobile", ""]},
    )

    assert last_change(workspace, pk).changes == {
        "phones": [
            ["+14155550100 ext. 2", "+14155550101"],
            ["+14155550100 ext. 2 (mobile)", "+14155550101"],
        ],
    }


def test_an_edit_that_changes_nothing_writes_no_phone_change(workspace):
    ann = make_contact(workspace, phones=["+14155550100 x2"])
    pk = ann.pk
    kind_set(workspace, "home")
    edit(workspace, ann, {"phones": ["+1 415 555 0100 ext. 2"], "job_title": "CTO"})

    assert last_change(workspace, pk).changes == {"job_title": ["", "CTO"]}
    assert phones(workspace, ann) == [("+14155550100", "2", "home")]


@pytest.mark.parametrize("many", [False, True], ids=["one", "many"])
def test_a_deleted_contact_s_entry_lists_its_phones_extensions_and_kinds(workspace, many):
    ann = make_contact(workspace, phones=["+14155550100 x2", "+14155550101"])
    pk = ann.pk
    kind_set(workspace, "home", "+14155550101")
    with workspace_scope(workspace):
        if many:
            contacts_delete(workspace=workspace, actor=None, ids=[ann.pk])
        else:
            contact_delete(workspace=workspace, actor=None, contact=ann)

    entry = last_change(workspace, pk)
    assert entry.action == "delete"
    assert entry.changes["phones"] == [["+14155550100 ext. 2", "+14155550101 (home)"], None]


# --- setting kinds through the services and the API ----------------------------------------


def test_the_services_set_the_kinds_stated_and_keep_the_others(workspace):
    ann = make_contact(workspace, phones=["+14155550100", "+14155550101"])
    kind_set(workspace, "home", "+14155550101")
    edit(
        workspace,
        ann,
        {
            "phones": ["+14155550100", "+14155550101", "+14155550102", "4155550100"],
            "phone_kinds": ["Mobile", "", "", "other"],
        },
    )

    assert phones(workspace, ann) == [
        ("+14155550100", "", "mobile"),
        ("+14155550101", "", "home"),
        ("+14155550102", "", "work"),
    ]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"phones": ["+14155550100"], "phone_kinds": ["cell"]},
            {"phone_kinds.0": "'cell' is not one of: mobile, work, home, other"},
        ),
        (
            {"phones": ["+14155550100"], "phone_kinds": ["mobile", "home"]},
            {"phone_kinds": "gives 2 kinds for 1 phones: one for each, in the same order"},
        ),
        (
            {"phone_kinds": ["mobile"]},
            {"phone_kinds": "is given with phones: one kind for each, in the same order"},
        ),
        (
            {"phones": ["+14155550100"], "phone_kinds": "mobile"},
            {"phone_kinds": "must be a list of text values"},
        ),
    ],
)
def test_a_bad_kind_is_refused_naming_the_field(workspace, data, errors):
    ann = make_contact(workspace, phones=["+14155550100"])
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as raised:
        contact_update(workspace=workspace, actor=None, contact=ann, data=data)

    assert {e.field: e.message for e in raised.value.errors} == errors
    assert phones(workspace, ann) == [("+14155550100", "", "work")]


def test_the_api_takes_and_gives_the_kinds(workspace, owner):
    api = ApiClient.with_token(owner, workspace)

    created = api.post(
        "/contacts",
        {
            "first_name": "Ann",
            "phones": ["4155550100", "4155550101"],
            "phone_kinds": ["mobile", ""],
        },
    )
    pk = created.json()["id"]
    updated = api.patch(
        f"/contacts/{pk}",
        {"phones": ["4155550101", "4155550100"], "phone_kinds": ["home", ""]},
    )
    read = api.get(f"/contacts/{pk}")

    assert created.status_code == 201, created.content
    assert created.json()["phone_kinds"] == ["mobile", "work"]
    assert updated.json()["phones"] == ["+14155550101", "+14155550100"]
    assert updated.json()["phone_kinds"] == ["home", "mobile"]
    assert read.json()["phone_kinds"] == ["home", "mobile"]
    assert last_change(workspace, pk).changes["phones"] == [
        ["+14155550100 (mobile)", "+14155550101"],
        ["+14155550101 (home)", "+14155550100 (mobile)"],
    ]


def test_the_api_refuses_a_bad_kind_naming_it(workspace, owner):
    ann = make_contact(workspace, phones=["+14155550100"])
    api = ApiClient.with_token(owner, workspace)

    response = api.patch(
        f"/contacts/{ann.pk}", {"phones": ["+14155550100"], "phone_kinds": ["pager"]}
    )

    assert response.status_code == 422
    assert "phone_kinds.0" in response.content.decode()
    assert "'pager' is not one of" in response.content.decode()
    assert phones(workspace, ann) == [("+14155550100", "", "work")]


# --- the form --------------------------------------------------------------------------------


def test_the_form_shows_a_kind_before_its_number_and_takes_it_back(owner_client, workspace):
    ann = make_contact(workspace, phones=["+14155550100 x7", "+14155550101"])
    kind_set(workspace, "mobile", "+14155550100")

    editing = owner_client.get(f"/contacts/{ann.pk}/fields/phones/?edit=1").content.decode()
    page = owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    saved = owner_client.post(
        f"/contacts/{ann.pk}/fields/phones/",
        {"phones": "mobile: +14155550100 ext. 7\nHome: +14155550101\n+14155550102"},
    )

    assert "mobile: +14155550100 ext. 7\n+14155550101" in editing
    assert "+1 415-555-0100 ext. 7 (mobile), +1 415-555-0101" in page
    assert saved.status_code == 200
    assert phones(workspace, ann) == [
        ("+14155550100", "7", "mobile"),
        ("+14155550101", "", "home"),
        ("+14155550102", "", "work"),
    ]


def test_a_line_without_a_kind_is_a_work_phone_on_the_form(owner_client, workspace):
    ann = make_contact(workspace, phones=["+14155550100"])
    kind_set(workspace, "mobile")

    owner_client.post(f"/contacts/{ann.pk}/fields/phones/", {"phones": "+14155550100"})

    assert phones(workspace, ann) == [("+14155550100", "", "work")]


def test_the_form_names_a_kind_it_does_not_know_on_the_phones_field(owner_client, workspace):
    ann = make_contact(workspace, phones=["+14155550100"])

    saved = owner_client.post(
        f"/contacts/{ann.pk}/fields/phones/", {"phones": "pager: +14155550100"}
    )

    assert "&#x27;pager&#x27; is not one of: mobile, work, home, other" in saved.content.decode()
    assert phones(workspace, ann) == [("+14155550100", "", "work")]


def test_the_new_contact_form_takes_kinds(owner_client, workspace):
    response = owner_client.post(
        "/contacts/new/",
        {"first_name": "Ann", "phones": "mobile: 4155550100", "lifecycle_stage": "lead"},
    )

    assert response.status_code in (200, 302), response.content
    with workspace_scope(workspace):
        [phone] = ContactPhone.objects.all()
        assert (phone.number, phone.kind) == ("+14155550100", "mobile")
