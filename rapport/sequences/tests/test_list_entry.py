"""Entry by an event: a contact joining a sequence's entry list enters it, once, and only while
the sequence is active; a web form's confirmed sign-up is such a join."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields
from rapport.campaigns.tests.factories import make_template
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.marketing.services import static_list_add, static_list_create, static_list_remove
from rapport.sales.leads import web_form_create
from rapport.sequences.models import Enrollment, Sequence
from rapport.sequences.services import sequence_create, sequence_set_status
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(workspace, owner):
    with workspace_scope(workspace):
        return [
            static_list_create(workspace=workspace, actor=owner, data={"name": name})
            for name in ("Newsletter", "Fair")
        ]


@pytest.fixture
def welcome(workspace, owner, lists):
    template = make_template(workspace, owner, name="Welcome")
    with workspace_scope(workspace):
        sequence = sequence_create(
            workspace=workspace,
            actor=owner,
            data={
                "name": "Welcome series",
                "steps": [{"type": "email", "template_id": template.pk}],
                "enter_list_id": lists[0].pk,
            },
        )
        return sequence_set_status(
            workspace=workspace, actor=owner, sequence=sequence, status="active"
        )


def _enrolled(workspace):
    with workspace_scope(workspace):
        return list(Enrollment.objects.values_list("sequence__name", "contact__first_name"))


def test_joining_the_entry_list_enrolls_once_and_another_list_does_not(
    workspace, owner, lists, welcome, django_capture_on_commit_callbacks
):
    newsletter, fair = lists
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"])
    bob = make_contact(workspace, first_name="Bob", emails=["bob@x.example"])

    with workspace_scope(workspace):
        for change, static_list, contact in (
            (static_list_add, fair, bob),
            (static_list_add, newsletter, ann),
            (static_list_remove, newsletter, ann),
            (static_list_add, newsletter, ann),  # back on the list: not a second enrollment
        ):
            with django_capture_on_commit_callbacks(execute=True):
                change(
                    workspace=workspace,
                    actor=owner,
                    static_list=static_list,
                    contact_ids=[contact.pk],
                )

    assert _enrolled(workspace) == [("Welcome series", "Ann")]


@pytest.mark.parametrize("status", ["draft", "paused"])
def test_a_sequence_that_is_not_active_takes_nobody_from_its_list(
    workspace, owner, lists, welcome, status, django_capture_on_commit_callbacks
):
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"])
    with workspace_scope(workspace):
        sequence_set_status(workspace=workspace, actor=owner, sequence=welcome, status=status)
        with django_capture_on_commit_callbacks(execute=True):
            static_list_add(
                workspace=workspace, actor=owner, static_list=lists[0], contact_ids=[ann.pk]
            )

    assert _enrolled(workspace) == []


def test_a_confirmed_web_form_sign_up_enters_the_sequence(
    workspace, owner, lists, welcome, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace):
        form = web_form_create(
            workspace=workspace, actor=owner, name="Signup", static_list_id=lists[0].pk
        )
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(f"/forms/{form.key}/", {"first_name": "Tom", "email": "tom@x.example"})
    assert _enrolled(workspace) == []  # asked, not yet confirmed

    [link] = re.findall(r"https?://\S+/subscribe/confirm/\S+/", str(mail.outbox[0].body))
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(urlsplit(link).path)

    assert _enrolled(workspace) == [("Welcome series", "Tom")]


def test_the_entry_list_must_be_one_of_the_workspace(workspace, owner, other_workspace, outsider):
    with workspace_scope(other_workspace):
        theirs = static_list_create(workspace=other_workspace, actor=outsider, data={"name": "X"})
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as exc:
        sequence_create(
            workspace=workspace, actor=owner, data={"name": "S", "enter_list_id": theirs.pk}
        )

    assert exc.value.as_dict() == {"enter_list_id": ["is not a static list of this workspace"]}


def test_the_api_sets_and_clears_the_entry_list(workspace, owner, lists, welcome):
    api = ApiClient.with_token(owner, workspace)

    read = api.get(f"/sequences/{welcome.pk}").json()
    moved = api.patch(f"/sequences/{welcome.pk}", {"enter_list_id": lists[1].pk}).json()
    bad = api.patch(f"/sequences/{welcome.pk}", {"enter_list_id": 10**9})
    cleared = api.patch(f"/sequences/{welcome.pk}", {"enter_list_id": None}).json()

    assert (read["enter_list_id"], moved["enter_list_id"]) == (lists[0].pk, lists[1].pk)
    assert bad.status_code == 422 and list(problem_fields(bad)) == ["enter_list_id"]
    assert cleared["enter_list_id"] is None


def test_the_builder_page_offers_the_lists_and_saves_the_chosen(owner_client, workspace, lists):
    page = owner_client.get("/sequences/new/").content.decode()
    assert f'<option value="{lists[1].pk}">Fair</option>' in page

    saved = owner_client.post(
        "/sequences/new/", {"name": "Fair follow-up", "enter_list": lists[1].pk}
    )

    with workspace_scope(workspace):
        assert saved.status_code == 302 and Sequence.objects.get().enter_list == lists[1]
