"""The whole list page kept (docs/performance.md, ninth round): a hit renders no template,
holds the request's own CSRF token, follows every write and saved view at once, and is never
served to another workspace, user or role, nor with a flash message."""

import re

import pytest
from django.test import Client

from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.services import membership_add, user_create
from rapport.web.fragments import TOKEN_MARK
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
member_client = fixtures.member_client
viewer_client = fixtures.viewer_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
keep_pages = fixtures.keep_pages

pytestmark = pytest.mark.django_db

_FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def _token(page: str) -> str:
    """The page's one CSRF token: every form and the htmx header carry the same."""
    tokens = set(_FORM_TOKEN.findall(page))
    assert len(tokens) == 1, tokens
    token = tokens.pop()
    assert f'"X-CSRFToken": "{token}"' in page
    return token


def _without_token(page: str) -> str:
    return page.replace(_token(page), "TOKEN")


def test_a_kept_page_renders_no_template_and_is_the_rendered_page(
    owner_client, settings, workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_contact(workspace, first_name="Ann", last_name="<i>Lee", tags=["vip"])
    first = owner_client.get("/contacts/?q=ann")
    hit = owner_client.get("/contacts/?q=ann")
    assert first.templates and not hit.templates
    settings.RAPPORT_KEEP_PAGES = False
    plain = owner_client.get("/contacts/?q=ann")
    assert hit["Content-Type"] == plain["Content-Type"]
    assert hit["Vary"] == plain["Vary"]
    pages = [r.content.decode() for r in (first, hit, plain)]
    assert TOKEN_MARK not in "".join(pages)
    assert _token(pages[0]) != _token(pages[1])  # a fresh mask per request, as Django's
    assert _without_token(pages[0]) == _without_token(pages[1]) == _without_token(pages[2])
    assert "Ann &lt;i&gt;Lee" in pages[1]


def test_each_session_gets_its_own_token_and_the_forms_post_with_csrf_checks(owner, workspace):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(owner)
    second.force_login(owner)
    first_token = _token(first.get("/contacts/").content.decode())
    hit = second.get("/contacts/")
    assert not hit.templates  # the page the first session's request kept
    second_token = _token(hit.content.decode())
    save = {"name": "Leads", "lifecycle_stage": "lead"}
    refused = second.post("/contacts/views/", {**save, "csrfmiddlewaretoken": first_token})
    assert refused.status_code == 403
    saved = second.post("/contacts/views/", {**save, "csrfmiddlewaretoken": second_token})
    assert saved.status_code == 302
    assert b"Leads" in second.get("/contacts/").content


def test_a_flash_message_shows_and_is_not_kept(owner_client, workspace):
    make_contact(workspace, first_name="Ann")
    kept = owner_client.get("/contacts/").content.decode()
    assert "flash" not in kept
    owner_client.post("/contacts/views/", {"name": ""})  # refused: a message, no write
    flashed = owner_client.get("/contacts/")
    assert flashed.templates
    assert "Give the view a name to save it." in flashed.content.decode()
    after = owner_client.get("/contacts/")
    assert not after.templates
    assert "Give the view a name" not in after.content.decode()
    assert _without_token(after.content.decode()) == _without_token(kept)


def test_another_user_role_or_workspace_never_gets_the_kept_page(
    owner_client, member_client, viewer_client, outsider_client, workspace, member
):
    make_contact(workspace, first_name="Ann")
    other = user_create(username="max", password="correct horse battery staple", email="m@x.io")
    membership_add(workspace=workspace, user=other, role="member")
    other_client = fixtures.signed_in(other)
    owners = owner_client.get("/contacts/").content.decode()
    members = member_client.get("/contacts/").content.decode()
    others = other_client.get("/contacts/").content.decode()
    viewers = viewer_client.get("/contacts/").content.decode()
    outsiders = outsider_client.get("/contacts/").content.decode()
    assert '<p class="menu-heading">olivia<br>' in owners
    assert '<p class="menu-heading">mia<br>' in members
    assert '<p class="menu-heading">max<br>' in others
    assert "New contact" in owners and "New contact" in members
    assert "New contact" not in viewers and 'id="add-to-list"' not in viewers
    assert "Ann Lee" in viewers and "Ann Lee" not in outsiders
    assert "Acme Sales" not in outsiders


def test_writes_and_saved_views_show_at_once(
    owner_client, workspace, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact = make_contact(workspace, first_name="Ann")
    assert "Ann Lee" in owner_client.get("/contacts/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            f"/contacts/{contact.pk}/edit/",
            {"first_name": "Anna", "last_name": "Lee", "lifecycle_stage": "lead"},
        )
    owner_client.get("/contacts/")  # the message of the edit, rendered and not kept
    assert "Anna Lee" in owner_client.get("/contacts/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/contacts/views/", {"name": "Hot leads", "lifecycle_stage": "lead"})
    owner_client.get("/contacts/")  # the saved view's message
    assert "Hot leads" in owner_client.get("/contacts/").content.decode()
    newcomer = user_create(username="nora", password="correct horse battery staple")
    with django_capture_on_commit_callbacks(execute=True):
        membership_add(workspace=workspace, user=newcomer, role="member")
    assert ">nora</option>" in owner_client.get("/contacts/").content.decode()


def test_each_query_string_gets_its_own_page(owner_client, workspace):
    make_contact(workspace, first_name="Ann")
    make_contact(workspace, first_name="Bob")
    owner_client.get("/contacts/?q=ann")
    anns = owner_client.get("/contacts/?q=ann").content.decode()
    bobs = owner_client.get("/contacts/?q=bob").content.decode()
    assert "Ann Lee" in anns and "Bob Lee" not in anns
    assert "Bob Lee" in bobs and "Ann Lee" not in bobs
    assert 'value="bob"' in bobs
