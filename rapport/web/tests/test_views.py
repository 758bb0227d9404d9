"""Workspace-wide pages: sign-in, switcher, global search, tasks, audit log, tokens, fields."""

import pytest
from django.test import Client

from rapport.contacts.models import CustomFieldDefinition
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.tenancy.access import SESSION_WORKSPACE_KEY, workspace_scope
from rapport.tenancy.models import ApiToken, Membership
from rapport.tenancy.services import api_token_authenticate, membership_add, user_create
from rapport.web.tests.fixtures import signed_in

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/contacts/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_an_htmx_request_without_a_session_sends_the_window_to_the_login_page(client):
    """Not a 302 htmx would follow and swap into the search box: the page it came from is
    where the user returns after signing in."""
    response = client.get(
        "/search/?q=ann",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/contacts/?stage=lead"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/contacts/%3Fstage%3Dlead"


def test_logging_in_and_out(client, workspace):
    response = client.post(
        "/login/", {"username": "olivia", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/", follow=True).status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/contacts/").status_code == 302


def test_a_wrong_password_is_refused(client, workspace):
    response = client.post("/login/", {"username": "olivia", "password": "nope"})
    assert response.status_code == 200 and b"alert" in response.content


def test_a_user_without_a_workspace_is_told_so(db):
    loner = user_create(username="lone", password="correct horse battery staple")
    response = signed_in(loner).get("/contacts/")
    assert response.status_code == 403 and b"No workspace yet" in response.content


def test_pages_send_the_csrf_token_to_htmx(owner_client):
    content = owner_client.get("/tasks/").content
    assert b'hx-headers=\'{"X-CSRFToken": "' in content
    assert b"htmx" in content


def test_htmx_posts_without_the_token_are_refused(workspace, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    contact = make_contact(workspace)
    response = client.post(f"/contacts/{contact.pk}/fields/first_name/", {"first_name": "X"})
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.first_name == "Ann"


# --- workspace switcher ---------------------------------------------------------------------


def test_the_switcher_moves_to_another_of_the_users_workspaces(
    owner_client, owner, other_workspace
):
    membership_add(workspace=other_workspace, user=owner, role="viewer")
    make_contact(other_workspace, first_name="Globex", last_name="Person")
    response = owner_client.post("/workspace/switch/", {"workspace": other_workspace.pk})
    assert response.status_code == 302
    assert owner_client.session[SESSION_WORKSPACE_KEY] == other_workspace.pk
    assert b"Globex Person" in owner_client.get("/contacts/").content


def test_the_switcher_refuses_a_workspace_the_user_is_not_in(owner_client, other_workspace):
    response = owner_client.post("/workspace/switch/", {"workspace": other_workspace.pk})
    assert response.status_code == 404
    assert SESSION_WORKSPACE_KEY not in owner_client.session


def test_the_switcher_lists_only_the_users_workspaces(owner_client, other_workspace):
    content = owner_client.get("/tasks/").content
    assert b"Acme Sales" in content and b"Globex" not in content


# --- global search --------------------------------------------------------------------------


@pytest.fixture
def people(workspace, other_workspace):
    initech = make_company(workspace, name="Initech", domain="initech.io")
    make_contact(
        workspace,
        first_name="Peter",
        last_name="Gibbons",
        emails=["peter@initech.io"],
        phones=["+1 415 555 0123"],
        company_ids=[initech.pk],
    )
    make_contact(
        other_workspace,
        first_name="Peter",
        last_name="Secret",
        emails=["peter@globex.io"],
        phones=["+44 20 7946 0018"],
    )
    make_company(other_workspace, name="Initech Shadow")


@pytest.mark.parametrize("q", ["peter", "gibb", "peter@init", "+1 415 555 01", "initech"])
def test_global_search_finds_contacts_by_name_email_phone_or_company(owner_client, people, q):
    response = owner_client.get("/search/", {"q": q})
    assert b"Peter Gibbons" in response.content
    assert b"Secret" not in response.content and b"Shadow" not in response.content


def test_global_search_finds_companies(owner_client, people):
    content = owner_client.get("/search/", {"q": "init"}).content
    assert b"initech.io" in content and b"Shadow" not in content


def test_the_search_box_gets_a_dropdown_fragment_over_htmx(owner_client, people):
    response = owner_client.get(
        "/search/", {"q": "pet"}, headers={"HX-Request": "true", "HX-Target": "search-results"}
    )
    assert b"Peter Gibbons" in response.content and b"<html" not in response.content
    assert b"See all results" in response.content


# --- my tasks -------------------------------------------------------------------------------


def test_my_tasks_lists_my_open_tasks_only(
    owner_client, workspace, owner, member, other_workspace, outsider
):
    ann = make_contact(workspace)
    make_activity(workspace, owner, kind="task", subject="Mine", contact_ids=[ann.pk])
    make_activity(workspace, member, kind="task", subject="Colleague's", contact_ids=[ann.pk])
    done = make_activity(workspace, owner, kind="task", subject="Finished", contact_ids=[ann.pk])
    owner_client.post(f"/activities/{done.pk}/done/", {"done": "true"})
    theirs = make_contact(other_workspace)
    make_activity(
        other_workspace, outsider, kind="task", subject="Outsider's", contact_ids=[theirs.pk]
    )
    content = owner_client.get("/tasks/").content
    assert b"Mine" in content
    for other in (b"Colleague", b"Finished", b"Outsider"):
        assert other not in content


def test_home_leads_to_my_tasks(owner_client):
    assert owner_client.get("/")["Location"] == "/tasks/"


# --- audit log ------------------------------------------------------------------------------


def test_the_audit_log_is_for_admins(
    owner_client, member_client, viewer_client, workspace, other_workspace
):
    make_contact(workspace, first_name="Visible")
    make_contact(other_workspace, first_name="Hidden")
    content = owner_client.get("/settings/audit/").content
    assert b"Visible" in content and b"Hidden" not in content
    assert member_client.get("/settings/audit/").status_code == 403
    assert viewer_client.get("/settings/audit/").status_code == 403
    assert b"Audit log" not in member_client.get("/tasks/").content


def test_the_audit_log_pages_with_cursors(owner_client, workspace):
    for i in range(55):
        make_contact(workspace, first_name=f"P{i}")
    first = owner_client.get("/settings/audit/").context["page"]
    assert len(first.items) == 50 and first.next_cursor
    second = owner_client.get("/settings/audit/", {"cursor": first.next_cursor}).context["page"]
    assert len(second.items) == 5


# --- API tokens -----------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_works(member_client, member):
    response = member_client.post("/settings/tokens/", {"name": "Zapier"}, follow=True)
    assert response.redirect_chain == [("/settings/tokens/", 302)]  # a refresh posts nothing
    secret = response.context["secret"]
    assert secret.startswith("rpt_") and secret.encode() in response.content
    assert b'<label for="new-token-secret"' in response.content  # the box says what it holds
    membership = api_token_authenticate(secret)
    assert membership is not None and membership.user == member
    listing = member_client.get("/settings/tokens/").content
    assert b"Zapier" in listing and secret.encode() not in listing
    assert b"Never" not in listing  # just used above: its last-used time shows


def test_a_token_needs_a_name(member_client):
    response = member_client.post("/settings/tokens/", {"name": ""})
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_revoking_a_token(member_client, member):
    member_client.post("/settings/tokens/", {"name": "Old"})
    token = ApiToken.objects.get()
    assert member_client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_users_token_cannot_be_revoked(owner_client, member):
    membership = Membership.objects.get(user=member)
    token = ApiToken.objects.create(
        membership=membership, name="theirs", prefix="rpt_x", key_hash="h" * 64
    )
    assert owner_client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 404
    assert b"theirs" not in owner_client.get("/settings/tokens/").content
    token.refresh_from_db()
    assert token.revoked_at is None


# --- custom fields settings -----------------------------------------------------------------


def definitions(workspace):
    with workspace_scope(workspace):
        return list(CustomFieldDefinition.objects.values_list("key", flat=True))


def test_an_admin_adds_and_removes_a_custom_field(owner_client, workspace):
    response = owner_client.post(
        "/settings/fields/",
        {
            "entity": "contact",
            "label": "Shoe size",
            "field_type": "number",
        },
    )
    assert response.status_code == 302
    assert definitions(workspace) == ["shoe_size"]
    assert b"Shoe size" in owner_client.get("/contacts/new/").content
    with workspace_scope(workspace):
        pk = CustomFieldDefinition.objects.get().pk
    owner_client.post(f"/settings/fields/{pk}/delete/")
    assert definitions(workspace) == []


def test_a_choice_field_without_choices_is_refused_on_its_field(owner_client, workspace):
    response = owner_client.post(
        "/settings/fields/",
        {
            "entity": "contact",
            "label": "Tier",
            "field_type": "choice",
            "choices": "",
        },
    )
    assert "at least one choice" in response.context["form"].errors["choices"][0]
    assert definitions(workspace) == []


def test_a_label_whose_key_is_taken_is_refused_on_the_label(owner_client, workspace):
    typed = {"entity": "contact", "label": "Tier", "field_type": "text"}
    owner_client.post("/settings/fields/", typed)
    response = owner_client.post("/settings/fields/", {**typed, "label": "tier!"})
    assert response.context["form"].errors["label"] == ["'tier' exists already"]
    assert definitions(workspace) == ["tier"]


def test_an_admin_edits_a_fields_label_choices_and_order_and_it_is_audited(
    owner_client, workspace, owner
):
    from rapport.audit.models import AuditEntry
    from rapport.contacts.services import custom_field_create

    with workspace_scope(workspace):
        tier = custom_field_create(
            workspace=workspace,
            actor=owner,
            data={"entity": "contact", "label": "Tier", "field_type": "choice", "choices": ["A"]},
        )
    url = f"/settings/fields/{tier.pk}/edit/"
    page = owner_client.get(url).content.decode()
    assert 'value="Tier"' in page and "<code>tier</code>" in page
    bad = owner_client.post(url, {"label": "Tier", "choices": "", "position": "0"})
    assert "at least one choice" in bad.context["form"].errors["choices"][0]
    response = owner_client.post(
        url,
        {"label": "Customer tier", "choices": "Gold, Silver", "required": "on", "position": "2"},
    )
    assert response.status_code == 302
    with workspace_scope(workspace):
        tier.refresh_from_db()
        change = AuditEntry.objects.filter(entity="contacts.customfielddefinition").latest("id")
    assert (tier.key, tier.label, tier.choices) == ("tier", "Customer tier", ["Gold", "Silver"])
    assert (tier.required, tier.position) == (True, 2)
    assert change.action == "update" and change.changes["label"] == ["Tier", "Customer tier"]


def test_only_admins_manage_custom_fields(member_client, workspace):
    assert member_client.get("/settings/fields/").status_code == 403
    assert (
        member_client.post(
            "/settings/fields/", {"entity": "contact", "label": "X", "field_type": "text"}
        ).status_code
        == 403
    )
    assert member_client.get("/settings/fields/1/edit/").status_code == 403
    assert definitions(workspace) == []


def test_another_workspaces_field_cannot_be_removed(owner_client, other_workspace, outsider):
    from rapport.contacts.services import custom_field_create

    with workspace_scope(other_workspace):
        theirs = custom_field_create(
            workspace=other_workspace,
            actor=outsider,
            data={"entity": "contact", "label": "Secret", "field_type": "text"},
        )
    assert owner_client.post(f"/settings/fields/{theirs.pk}/delete/").status_code == 404
    edit = f"/settings/fields/{theirs.pk}/edit/"
    assert owner_client.get(edit).status_code == 404
    assert owner_client.post(edit, {"label": "Mine now", "position": "0"}).status_code == 404
    assert definitions(other_workspace) == ["secret"]


def test_a_server_error_page_looks_like_rapport_and_says_what_to_do(rf):
    """Rendered without a request context (Django's server_error), so it needs none."""
    from django.views.defaults import server_error

    response = server_error(rf.get("/contacts/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "<title>Something went wrong · Rapport</title>" in html
    assert "web/rapport.css" in html and "try again" in html
