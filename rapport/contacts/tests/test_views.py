"""Contacts and companies pages: lists, exports, forms, detail pages, inline edit, saved views."""

import csv
import io
import re

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact, SavedView
from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import membership_add, user_create
from rapport.web.tests import fixtures
from rapport.web.tests.fixtures import signed_in

# The UI fixtures this module uses (shared with the other UI test modules).
member_client = fixtures.member_client
outsider_client = fixtures.outsider_client
owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


def rows_of(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def contacts_in(workspace):
    with workspace_scope(workspace):
        return list(Contact.objects.order_by("pk"))


def ui_audit(workspace, **lookup):
    with workspace_scope(workspace):
        return list(AuditEntry.objects.filter(source="ui", **lookup))


@pytest.fixture
def theirs(other_workspace):
    return make_contact(
        other_workspace, first_name="Secret", last_name="Outsider", emails=["secret@globex.io"]
    )


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])


# --- lists ----------------------------------------------------------------------------------


def test_the_list_shows_this_workspaces_contacts_only(owner_client, ann, theirs):
    response = owner_client.get("/contacts/")
    assert response.status_code == 200
    assert b"Ann Lee" in response.content
    assert b"Secret" not in response.content


def test_the_list_costs_a_bounded_number_of_queries(
    owner_client, workspace, owner, django_assert_max_num_queries
):
    company = make_company(workspace, name="Initech")
    for i in range(30):
        make_contact(
            workspace,
            first_name=f"P{i}",
            company_ids=[company.pk],
            tags=["vip", "new"],
            owner_id=owner.pk,
        )
    # session, user, membership, memberships menu, filter options (2), saved views, page, tags
    with django_assert_max_num_queries(10):
        response = owner_client.get("/contacts/")
    assert response.content.count(b"Initech") >= 30


def test_the_list_filters_by_stage_owner_tag_and_company(owner_client, workspace, owner):
    initech = make_company(workspace, name="Initech")
    make_contact(workspace, first_name="Cara", lifecycle_stage="customer")
    make_contact(workspace, first_name="Otto", owner_id=owner.pk)
    make_contact(workspace, first_name="Tina", tags=["vip"])
    make_contact(workspace, first_name="Ivan", company_ids=[initech.pk])
    cases = {
        "lifecycle_stage=customer": b"Cara",
        f"owner={owner.pk}": b"Otto",
        "tag=vip": b"Tina",
        "company=initech": b"Ivan",
    }
    for query, expected in cases.items():
        content = owner_client.get(f"/contacts/?{query}").content
        names = [n for n in (b"Cara", b"Otto", b"Tina", b"Ivan") if n in content]
        assert names == [expected], query


def test_an_unknown_company_in_the_filter_matches_nothing(owner_client, ann):
    response = owner_client.get("/contacts/?company=Nobody+Inc")
    assert b"Ann Lee" not in response.content


def test_the_search_box_finds_by_email_and_phone(owner_client, workspace):
    make_contact(workspace, first_name="Mail", emails=["findme@acme.io"])
    make_contact(workspace, first_name="Phone", phones=["+1 415 555 0199"])
    assert b"Mail" in owner_client.get("/contacts/?q=findme@").content
    content = owner_client.get("/contacts/?q=%2B1415555").content
    assert b"Phone" in content and b"Mail" not in content


def test_an_htmx_filter_request_answers_with_the_table_alone(owner_client, ann):
    response = owner_client.get(
        "/contacts/?q=ann", headers={"HX-Request": "true", "HX-Target": "record-table"}
    )
    assert b'id="record-table"' in response.content
    assert b"<html" not in response.content
    assert b"Ann Lee" in response.content
    assert "HX-Request" in response["Vary"]


def test_the_list_pages_forward_and_back_with_cursors(owner_client, workspace):
    for i in range(55):
        make_contact(workspace, first_name="N", last_name=f"Person{i:02d}")
    first = owner_client.get("/contacts/").context
    assert len(first["page"].items) == 50 and first["page"].prev_cursor is None
    second = owner_client.get(f"/contacts/?cursor={first['page'].next_cursor}").context
    assert [c.last_name for c in second["page"].items] == [f"Person{i}" for i in range(50, 55)]
    back = owner_client.get(f"/contacts/?cursor={second['page'].prev_cursor}").context
    assert [c.pk for c in back["page"].items] == [c.pk for c in first["page"].items]


def test_a_broken_cursor_is_reported_not_a_server_error(owner_client, ann):
    response = owner_client.get("/contacts/?cursor=garbage")
    assert response.status_code == 200
    assert b"not a valid cursor" in response.content


def test_sorting_by_a_header_reverses_the_order(owner_client, workspace):
    make_contact(workspace, first_name="A", last_name="Alpha")
    make_contact(workspace, first_name="Z", last_name="Zulu")
    names = [c.last_name for c in owner_client.get("/contacts/?sort=-name").context["page"].items]
    assert names == ["Zulu", "Alpha"]


def test_the_companies_list_hides_other_workspaces(owner_client, workspace, other_workspace):
    make_company(workspace, name="Initech")
    make_company(other_workspace, name="Globex Secret")
    content = owner_client.get("/companies/").content
    assert b"Initech" in content and b"Globex Secret" not in content


# --- another workspace's records: 404 -------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/contacts/{pk}/",
        "/contacts/{pk}/edit/",
        "/contacts/{pk}/timeline/",
        "/contacts/{pk}/fields/first_name/",
        "/contacts/{pk}/delete/",
    ],
)
def test_another_workspaces_contact_is_not_found(owner_client, theirs, path):
    assert owner_client.get(path.format(pk=theirs.pk)).status_code == 404


def test_posting_to_another_workspaces_contact_is_not_found_and_changes_nothing(
    owner_client, theirs, other_workspace
):
    pk = theirs.pk
    assert (
        owner_client.post(
            f"/contacts/{pk}/fields/first_name/", {"first_name": "Hacked"}
        ).status_code
        == 404
    )
    assert owner_client.post(f"/contacts/{pk}/delete/").status_code == 404
    assert [c.first_name for c in contacts_in(other_workspace)] == ["Secret"]


def test_another_workspaces_company_is_not_found(owner_client, other_workspace):
    company = make_company(other_workspace, name="Globex")
    assert owner_client.get(f"/companies/{company.pk}/").status_code == 404
    assert owner_client.get(f"/companies/{company.pk}/edit/").status_code == 404


# --- roles ----------------------------------------------------------------------------------


def test_a_viewer_sees_no_write_buttons(viewer_client, ann):
    list_page = viewer_client.get("/contacts/").content
    assert b"New contact" not in list_page
    detail = viewer_client.get(f"/contacts/{ann.pk}/").content
    assert b"Edit</a>" not in detail and b"Add note" not in detail and b"editable" not in detail


def test_a_viewer_cannot_write_and_nothing_changes(viewer_client, workspace, ann):
    assert viewer_client.get("/contacts/new/").status_code == 403
    assert (
        viewer_client.post(
            "/contacts/new/", {"first_name": "X", "lifecycle_stage": "lead"}
        ).status_code
        == 403
    )
    assert viewer_client.post(f"/contacts/{ann.pk}/edit/", {"first_name": "X"}).status_code == 403
    assert (
        viewer_client.post(
            f"/contacts/{ann.pk}/fields/first_name/", {"first_name": "X"}
        ).status_code
        == 403
    )
    assert viewer_client.get(f"/contacts/{ann.pk}/fields/first_name/?edit=1").status_code == 403
    assert viewer_client.post(f"/contacts/{ann.pk}/delete/").status_code == 403
    assert [c.first_name for c in contacts_in(workspace)] == ["Ann"]


def test_a_member_may_edit_but_not_delete(member_client, workspace, ann):
    assert member_client.post(f"/contacts/{ann.pk}/delete/").status_code == 403
    assert len(contacts_in(workspace)) == 1


# --- create and edit forms ------------------------------------------------------------------


def test_a_bad_email_is_shown_next_to_its_field_and_nothing_is_saved(owner_client, workspace):
    response = owner_client.post(
        "/contacts/new/",
        {
            "first_name": "Grace",
            "emails": "grace-at-navy",
            "lifecycle_stage": "lead",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "not a valid email" in form.errors["emails"][0]
    assert b'value="Grace"' in response.content  # what the user typed is kept
    assert contacts_in(workspace) == []


def test_creating_a_contact_through_the_form_is_audited_as_ui(owner_client, workspace, owner):
    initech = make_company(workspace, name="Initech")
    response = owner_client.post(
        "/contacts/new/",
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "emails": "Grace@Navy.mil\ng2@navy.mil",
            "phones": "+1 415 555 0100",
            "companies": "initech",
            "lifecycle_stage": "customer",
            "owner": owner.pk,
            "tags": "vip, navy",
            "do_not_call": "on",
        },
    )
    [grace] = contacts_in(workspace)
    assert response.status_code == 302 and response["Location"] == f"/contacts/{grace.pk}/"
    assert (grace.email, grace.phone, grace.primary_company_id) == (
        "grace@navy.mil",
        "+14155550100",
        initech.pk,
    )
    assert grace.do_not_call and not grace.do_not_email
    [entry] = ui_audit(workspace, object_id=grace.pk, entity="contacts.contact")
    assert entry.action == "create" and entry.actor_id == owner.pk


def test_an_unknown_company_name_is_an_error_on_its_field(owner_client, workspace):
    response = owner_client.post(
        "/contacts/new/",
        {
            "first_name": "Ann",
            "companies": "Nowhere Ltd",
            "lifecycle_stage": "lead",
        },
    )
    assert "No company named" in response.context["form"].errors["companies"][0]
    assert contacts_in(workspace) == []


def test_the_owner_choices_are_this_workspaces_members(owner_client, outsider, ann):
    response = owner_client.post(
        f"/contacts/{ann.pk}/edit/",
        {
            "first_name": "Ann",
            "lifecycle_stage": "lead",
            "owner": outsider.pk,
        },
    )
    assert "owner" in response.context["form"].errors
    assert b"oscar" not in owner_client.get("/contacts/new/").content


def test_the_edit_form_saves_changes(owner_client, workspace, ann):
    response = owner_client.post(
        f"/contacts/{ann.pk}/edit/",
        {
            "first_name": "Anna",
            "last_name": "Lee",
            "emails": "ann@acme.io",
            "lifecycle_stage": "customer",
        },
    )
    assert response.status_code == 302
    ann.refresh_from_db()
    assert (ann.first_name, ann.lifecycle_stage) == ("Anna", "customer")
    [entry] = ui_audit(workspace, object_id=ann.pk, action="update")
    assert entry.changes["first_name"] == ["Ann", "Anna"]


def test_the_company_form_shows_service_errors_on_fields(owner_client, workspace):
    response = owner_client.post(
        "/companies/new/",
        {
            "name": "",
            "domain": "not a domain",
            "annual_revenue": "12.345",
        },
    )
    errors = response.context["form"].errors
    assert {"name", "domain", "annual_revenue"} <= set(errors)
    with workspace_scope(workspace):
        assert not Company.objects.exists()


def test_a_bad_email_is_named_before_any_duplicate_warning(owner_client, workspace, ann):
    """ "Save anyway" would not save a bad email: the warning waits until the form is right."""
    typed = {"first_name": "Ann", "last_name": "Lee", "emails": "ann@", "lifecycle_stage": "lead"}
    response = owner_client.post("/contacts/new/", typed)
    assert "not a valid email" in response.context["form"].errors["emails"][0]
    assert response.context["duplicates"] == []
    assert contacts_in(workspace) == [ann]
    typed["emails"] = "ann.lee@example.com"
    assert owner_client.post("/contacts/new/", typed).context["duplicates"] == [ann]


def test_a_form_error_and_the_services_errors_show_at_once(owner_client, workspace):
    response = owner_client.post(
        "/companies/new/", {"name": "", "domain": "not a domain", "parent": "Nowhere Ltd"}
    )
    errors = response.context["form"].errors
    assert "No company named" in errors["parent"][0]
    assert errors["name"] == ["is required"]
    assert "not a valid domain" in errors["domain"][0]
    with workspace_scope(workspace):
        assert not Company.objects.exists()


def test_a_company_is_created_with_its_parent(owner_client, workspace):
    parent = make_company(workspace, name="Globodyne")
    owner_client.post(
        "/companies/new/",
        {
            "name": "Globodyne Labs",
            "domain": "https://www.Labs.example/x",
            "parent": "globodyne",
        },
    )
    with workspace_scope(workspace):
        labs = Company.objects.get(name="Globodyne Labs")
    assert (labs.domain, labs.parent_id) == ("labs.example", parent.pk)


# --- custom fields --------------------------------------------------------------------------


@pytest.fixture
def budget_field(workspace, owner):
    with workspace_scope(workspace):
        return custom_field_create(
            workspace=workspace,
            actor=owner,
            data={
                "entity": "contact",
                "label": "Budget",
                "field_type": "number",
            },
        )


def test_custom_fields_are_on_the_form_and_validated(owner_client, workspace, budget_field):
    assert b'name="cf_budget"' in owner_client.get("/contacts/new/").content
    response = owner_client.post(
        "/contacts/new/",
        {
            "first_name": "Ann",
            "lifecycle_stage": "lead",
            "cf_budget": "lots",
        },
    )
    assert "whole number" in response.context["form"].errors["cf_budget"][0]
    assert contacts_in(workspace) == []
    owner_client.post(
        "/contacts/new/", {"first_name": "Ann", "lifecycle_stage": "lead", "cf_budget": "5000"}
    )
    [ann] = contacts_in(workspace)
    assert ann.custom_fields == {"budget": 5000}
    assert b"5000" in owner_client.get(f"/contacts/{ann.pk}/").content


# --- detail page and inline edit ------------------------------------------------------------


def test_the_detail_page_shows_fields_and_the_timeline(
    owner_client, workspace, owner, ann, django_assert_max_num_queries
):
    make_activity(workspace, owner, contact_ids=[ann.pk], body="Met at the fair")
    # Keeping is off in tests: each optional timeline source's "any rows?" check is a query
    # here (tickets, merges, campaigns, sequences), kept per data version in production.
    with django_assert_max_num_queries(17):
        response = owner_client.get(f"/contacts/{ann.pk}/")
    assert b"ann@acme.io" in response.content
    assert b"Met at the fair" in response.content
    assert b"created this record" in response.content


def test_inline_edit_swaps_in_an_input_then_saves_the_field(owner_client, workspace, ann):
    editing = owner_client.get(f"/contacts/{ann.pk}/fields/job_title/?edit=1")
    assert b'name="job_title"' in editing.content and b"<html" not in editing.content
    response = owner_client.post(f"/contacts/{ann.pk}/fields/job_title/", {"job_title": "CTO"})
    assert b"CTO" in response.content and b'name="job_title"' not in response.content
    assert "timeline-changed" in response["HX-Trigger"]
    ann.refresh_from_db()
    assert ann.job_title == "CTO" and ann.first_name == "Ann"
    [entry] = ui_audit(workspace, object_id=ann.pk, action="update")
    assert entry.changes == {"job_title": ["", "CTO"]}


def test_inline_edit_shows_the_services_error_and_keeps_the_old_value(owner_client, ann):
    response = owner_client.post(f"/contacts/{ann.pk}/fields/emails/", {"emails": "nope"})
    assert b"not a valid email" in response.content
    assert b'name="emails"' in response.content
    ann.refresh_from_db()
    assert ann.email == "ann@acme.io"


def test_inline_edit_of_a_custom_field_is_validated(owner_client, budget_field, ann):
    bad = owner_client.post(f"/contacts/{ann.pk}/fields/cf_budget/", {"cf_budget": "x"})
    assert b"whole number" in bad.content
    owner_client.post(f"/contacts/{ann.pk}/fields/cf_budget/", {"cf_budget": "12"})
    ann.refresh_from_db()
    assert ann.custom_fields == {"budget": 12}


def test_inline_edit_shows_the_fields_help_it_is_described_by(owner_client, ann):
    editing = owner_client.get(f"/contacts/{ann.pk}/fields/phones/?edit=1").content.decode()
    [described_by] = re.findall(r'aria-describedby="([^"]+)"', editing)
    help_text = re.search(rf'<small class="help" id="{described_by}">([^<]*)</small>', editing)
    assert help_text is not None and "the first is primary" in help_text[1]


def test_inline_edit_names_an_empty_required_custom_field_by_its_label(
    owner_client, workspace, owner, budget_field, ann
):
    with workspace_scope(workspace):
        custom_field_create(
            workspace=workspace,
            actor=owner,
            data={
                "entity": "contact",
                "label": "Renewal date",
                "field_type": "date",
                "required": True,
            },
        )
    response = owner_client.post(f"/contacts/{ann.pk}/fields/cf_budget/", {"cf_budget": "12"})
    assert response.context["form"].non_field_errors() == ["Renewal date: is required"]
    ann.refresh_from_db()
    assert ann.custom_fields == {}


def test_an_unknown_field_name_is_not_found(owner_client, ann):
    assert owner_client.get(f"/contacts/{ann.pk}/fields/workspace/?edit=1").status_code == 404


def test_the_timeline_loads_more_older_items(owner_client, workspace, owner, ann):
    for i in range(25):
        make_activity(workspace, owner, contact_ids=[ann.pk], body=f"note {i}")
    page = owner_client.get(f"/contacts/{ann.pk}/").context["timeline"]
    assert len(page.items) <= 20 and page.next_before is not None
    keys = [i.key for i in page.items]
    while page.next_before is not None:
        response = owner_client.get(
            f"/contacts/{ann.pk}/timeline/", {"before": page.next_before.text}
        )
        assert b"<html" not in response.content
        page = response.context["timeline"]
        keys += [i.key for i in page.items]
    # 25 notes and the contact's creation, each once.
    assert len(keys) == len(set(keys)) == 26


def test_deleting_asks_first_then_deletes_with_an_audit_entry(owner_client, workspace, ann):
    assert b"Delete Ann Lee?" in owner_client.get(f"/contacts/{ann.pk}/delete/").content
    assert len(contacts_in(workspace)) == 1
    response = owner_client.post(f"/contacts/{ann.pk}/delete/")
    assert response.status_code == 302
    assert contacts_in(workspace) == []
    assert [e.action for e in ui_audit(workspace, object_id=ann.pk)] == ["delete"]


# --- saved views ----------------------------------------------------------------------------


def test_a_saved_view_keeps_the_filters_and_is_the_users_own(owner_client, workspace, ann):
    response = owner_client.post(
        "/contacts/views/",
        {
            "name": "Customers",
            "lifecycle_stage": "customer",
            "q": "a",
            "cursor": "x",
        },
    )
    assert response.status_code == 302
    assert "lifecycle_stage=customer" in response["Location"]
    with workspace_scope(workspace):
        view = SavedView.objects.get()
    assert view.params == {"q": "a", "lifecycle_stage": "customer"}
    assert b"Customers" in owner_client.get("/contacts/").content
    assert b"Customers" not in owner_client.get("/companies/").content

    colleague = user_create(username="carl", password="correct horse battery staple")
    membership_add(workspace=workspace, user=colleague, role="admin")
    other = signed_in(colleague)
    assert b"Customers" not in other.get("/contacts/").content
    assert other.post(f"/contacts/views/{view.pk}/delete/").status_code == 404

    owner_client.post(f"/contacts/views/{view.pk}/delete/")
    with workspace_scope(workspace):
        assert not SavedView.objects.exists()


def test_saving_a_view_over_htmx_redirects_the_page(owner_client):
    response = owner_client.post(
        "/contacts/views/",
        {"name": "Leads", "lifecycle_stage": "lead"},
        headers={"HX-Request": "true"},
    )
    assert "lifecycle_stage=lead" in response["HX-Redirect"]


@pytest.mark.parametrize("path", ["/contacts/", "/companies/"])
def test_each_cell_hides_on_the_same_screens_as_its_header(owner_client, workspace, path):
    make_contact(workspace, company_ids=[make_company(workspace, name="Initech").pk])
    content = owner_client.get(path).content.decode()
    table = content[content.index('id="record-table"') :]
    widths = re.compile(r"hide-(?:sm|md|lg)")

    def hides(cells):
        return [widths.findall(cell) for cell in cells]

    header = re.findall(r"<th(?=[\s>])([^>]*)>", table)
    match = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table, re.S)
    assert match is not None
    first_row = match.group(1)
    cells = re.findall(r"<td([^>]*)>", first_row)
    assert hides(cells) == hides(header)


def test_company_names_are_suggested_from_this_workspace_only(
    owner_client, workspace, other_workspace
):
    for name in ("Acme Corp", "Acme Labs", "Ácmé Tools", "Globex"):
        make_company(workspace, name=name)
    make_company(other_workspace, name="Acme Secret")
    names = owner_client.get("/companies/names/?q=acm").json()["names"]
    assert names == ["Acme Corp", "Acme Labs", "Ácmé Tools"]
    assert owner_client.get("/companies/names/?q=").json()["names"] == []
    assert owner_client.get("/companies/names/?q=zzz").json()["names"] == []


def test_company_suggestions_need_a_signed_in_member(client, outsider_client, workspace):
    make_company(workspace, name="Acme Corp")
    assert client.get("/companies/names/?q=acme").status_code == 302
    assert outsider_client.get("/companies/names/?q=acme").json()["names"] == []
