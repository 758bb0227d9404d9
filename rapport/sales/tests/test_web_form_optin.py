"""A web form's list and double opt-in, set through the service, the API and the settings page."""

import pytest

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.core.errors import ServiceValidationError
from rapport.marketing.services import static_list_create
from rapport.sales.leads import web_form_create, web_form_update
from rapport.sales.models import WebForm
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
outsider_client = fixtures.outsider_client


def make_list(workspace, name):
    with workspace_scope(workspace):
        return static_list_create(workspace=workspace, actor=None, data={"name": name})


@pytest.fixture
def newsletter(workspace):
    return make_list(workspace, "Newsletter")


@pytest.fixture
def their_list(other_workspace):
    return make_list(other_workspace, "Globex news")


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


def fresh(workspace, pk):
    with workspace_scope(workspace):
        return WebForm.objects.get(pk=pk)


def test_a_form_names_a_list_of_its_workspace_with_double_opt_in_by_default(
    workspace, owner, newsletter
):
    with workspace_scope(workspace):
        form = web_form_create(
            workspace=workspace, actor=owner, name="Signup", static_list_id=newsletter.pk
        )
        entry = AuditEntry.objects.get(entity="sales.webform", object_id=form.pk)

    assert (form.static_list, form.double_opt_in) == (newsletter, True)
    assert entry.changes["static_list"] == [None, newsletter.pk]


def test_another_workspaces_list_is_refused_on_create_and_update(
    workspace, owner, newsletter, their_list
):
    with workspace_scope(workspace):
        with pytest.raises(ServiceValidationError) as created:
            web_form_create(
                workspace=workspace, actor=owner, name="Signup", static_list_id=their_list.pk
            )
        form = web_form_create(workspace=workspace, actor=owner, name="Signup")
        with pytest.raises(ServiceValidationError) as updated:
            web_form_update(
                workspace=workspace, actor=owner, form=form, data={"static_list_id": their_list.pk}
            )
        assert WebForm.objects.count() == 1

    for exc in (created, updated):
        assert exc.value.as_dict() == {"static_list_id": ["is not a static list of this workspace"]}
    assert fresh(workspace, form.pk).static_list is None


def test_the_api_sets_and_changes_the_list_and_names_a_bad_one(
    api, workspace, newsletter, their_list
):
    created = api.post("/sales/web-forms", {"name": "Signup", "static_list_id": newsletter.pk})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["static_list_id"], body["double_opt_in"]) == (newsletter.pk, True)

    single = api.patch(f"/sales/web-forms/{body['id']}", {"double_opt_in": False})
    assert single.json()["double_opt_in"] is False
    refused = api.patch(f"/sales/web-forms/{body['id']}", {"static_list_id": their_list.pk})
    assert refused.status_code == 422
    assert problem_fields(refused) == {"static_list_id": "is not a static list of this workspace"}
    cleared = api.patch(f"/sales/web-forms/{body['id']}", {"static_list_id": None})
    assert cleared.json()["static_list_id"] is None
    assert fresh(workspace, body["id"]).static_list is None


def test_the_settings_page_creates_a_form_with_a_list_and_changes_it(
    admin_user, workspace, newsletter
):
    other = make_list(workspace, "Events")
    client = fixtures.signed_in(admin_user)
    response = client.post(
        "/settings/web-forms/",
        {"name": "Signup", "static_list": newsletter.pk, "double_opt_in": "on"},
    )
    assert response.status_code == 302
    with workspace_scope(workspace):
        form = WebForm.objects.get()
    assert (form.static_list, form.double_opt_in) == (newsletter, True)
    page = client.get("/settings/web-forms/").content.decode()
    assert "Newsletter (double opt-in)" in page
    assert f'action="/settings/web-forms/{form.pk}/subscription/"' in page

    changed = client.post(
        f"/settings/web-forms/{form.pk}/subscription/", {f"f{form.pk}-static_list": other.pk}
    )

    assert changed.status_code == 302
    form = fresh(workspace, form.pk)
    assert (form.static_list, form.double_opt_in) == (other, False)
    assert "Events (single opt-in)" in client.get("/settings/web-forms/").content.decode()


def test_the_settings_page_offers_only_this_workspaces_lists(
    admin_user, workspace, newsletter, their_list
):
    with workspace_scope(workspace):
        form = web_form_create(workspace=workspace, actor=None, name="Signup")
    client = fixtures.signed_in(admin_user)
    page = client.get("/settings/web-forms/").content.decode()
    assert "Newsletter" in page and "Globex news" not in page

    client.post(
        f"/settings/web-forms/{form.pk}/subscription/", {f"f{form.pk}-static_list": their_list.pk}
    )

    assert fresh(workspace, form.pk).static_list is None


def test_a_member_may_not_change_the_list_and_an_outsider_finds_no_form(
    member_client, outsider_client, workspace, newsletter
):
    with workspace_scope(workspace):
        form = web_form_create(workspace=workspace, actor=None, name="Signup")
    data = {f"f{form.pk}-static_list": newsletter.pk}

    assert (
        member_client.post(f"/settings/web-forms/{form.pk}/subscription/", data).status_code == 403
    )
    assert (
        outsider_client.post(f"/settings/web-forms/{form.pk}/subscription/", data).status_code
        == 404
    )
    assert fresh(workspace, form.pk).static_list is None
