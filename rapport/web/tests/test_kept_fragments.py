"""The navigation kept per process (`keptfragment` in web/base.html): the active link follows
the page, the role's links follow the role, and nothing per request is ever kept."""

import pytest
from django.template import Context, Template, TemplateSyntaxError

from rapport.tenancy.models import Membership
from rapport.web import fragments
from rapport.web.templatetags.rapport_ui import path_shape
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
viewer_client = fixtures.viewer_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_kept_fragments():
    fragments.clear()
    yield
    fragments.clear()


def _nav(content: bytes) -> str:
    page = content.decode()
    return page[page.index('<nav class="sidenav"') : page.index("</nav>", page.index("sidenav"))]


def test_the_kept_navigation_marks_the_page_it_is_on(owner_client, workspace):
    contacts = _nav(owner_client.get("/contacts/").content)
    companies = _nav(owner_client.get("/companies/").content)
    tasks = _nav(owner_client.get("/tasks/").content)
    again = _nav(owner_client.get("/contacts/").content)
    assert 'href="/contacts/" class="active"' in contacts
    assert 'href="/companies/" class=""' in contacts
    assert 'href="/companies/" class="active"' in companies
    assert 'href="/contacts/" class=""' in companies
    assert 'href="/tasks/" class="active"' in tasks
    assert again == contacts


def test_a_record_page_keeps_one_navigation_for_every_record(owner_client, workspace):
    from rapport.contacts.tests.factories import make_contact

    first, second = make_contact(workspace, first_name="Ann"), make_contact(workspace)
    one = _nav(owner_client.get(f"/contacts/{first.pk}/").content)
    entries = len(fragments._cache)
    two = _nav(owner_client.get(f"/contacts/{second.pk}/").content)
    assert one == two
    assert 'href="/contacts/" class="active"' in one
    assert len(fragments._cache) == entries  # the same shape: no new entry


def test_each_role_gets_its_own_navigation(owner_client, viewer_client, workspace, viewer):
    owner_nav = _nav(owner_client.get("/contacts/").content)
    viewer_nav = _nav(viewer_client.get("/contacts/").content)
    assert 'href="/settings/fields/"' in owner_nav  # settings and the audit log: admins
    assert 'href="/settings/audit/"' in owner_nav
    assert 'href="/settings/fields/"' not in viewer_nav
    assert 'href="/settings/audit/"' not in viewer_nav
    # The role changes (in the admin, say): the next page is rendered for the new role.
    Membership.objects.filter(user=viewer, workspace=workspace).update(role="owner")
    assert 'href="/settings/fields/"' in _nav(viewer_client.get("/contacts/").content)
    Membership.objects.filter(user=viewer, workspace=workspace).update(role="viewer")
    assert 'href="/settings/fields/"' not in _nav(viewer_client.get("/contacts/").content)


def test_another_workspace_gets_its_own_entry_and_the_page_its_own_token(
    owner_client, outsider_client, workspace, other_workspace
):
    mine = owner_client.get("/contacts/")
    theirs = outsider_client.get("/contacts/")
    keys = {key[1] for key in fragments._cache if key[0] == "fragment"}
    assert {k for k in keys if k == "sidenav"} == {"sidenav"}
    workspaces = {key[2][0] for key in fragments._cache if key[0] == "fragment"}
    assert workspaces == {workspace.pk, other_workspace.pk}
    assert other_workspace.name.encode() not in mine.content
    assert workspace.name.encode() not in theirs.content
    # The CSRF token outside the kept navigation is each session's own.
    token = b'"X-CSRFToken": "'
    assert mine.content.split(token)[1][:40] != theirs.content.split(token)[1][:40]


def test_a_kept_fragment_refuses_a_form_token_and_vague_keys():
    with pytest.raises(TemplateSyntaxError, match="CSRF"):
        Template("{% load rapport_ui %}{% keptfragment 'x' %}{% csrf_token %}{% endkeptfragment %}")
    kept = Template("{% load rapport_ui %}{% keptfragment 'x' obj %}{{ obj }}{% endkeptfragment %}")
    with pytest.raises(TemplateSyntaxError, match="strings, numbers or booleans"):
        kept.render(Context({"obj": object()}))
    assert kept.render(Context({"obj": 1})) == "1"
    assert kept.render(Context({"obj": 2})) == "2"


def test_paths_of_one_shape_differ_only_by_their_digits():
    assert path_shape("/contacts/12/") == path_shape("/contacts/345/") == "/contacts/#/"
    assert path_shape("/contacts/") != path_shape("/companies/")
