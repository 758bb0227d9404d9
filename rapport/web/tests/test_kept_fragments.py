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


# --- the top bar: kept with the forms' CSRF token put in per request (`keptforms`) -------------


def _topbar(content: bytes) -> str:
    page = content.decode()
    return page[page.index('<div class="topbar-right">') : page.index("</header>")]


def _page_token(content: bytes) -> str:
    return content.decode().split('"X-CSRFToken": "')[1].split('"')[0]


def test_a_kept_form_block_is_the_blocks_own_rendering_with_each_requests_token(rf):
    from django.template import RequestContext

    body = (
        "<form>{% csrf_token %}<b>{{ name }}</b></form>"
        '<i data-token="{{ csrf_token }}">{% if admin %}admin{% endif %}</i>'
    )
    kept = "{% load rapport_ui %}{% keptforms 'x' name admin %}" + body + "{% endkeptforms %}"
    both = Template(kept + "|" + body)  # one page: one token for both halves
    plain = Template(body)
    tokens = set()
    for admin in (True, True, False):  # the second request gets the first one's entry
        request = rf.get("/")
        context = RequestContext(request, {"name": "<script>&'\"", "admin": admin})
        first, second = both.render(context).split("|")
        assert first == second
        assert "&lt;script&gt;&amp;&#x27;&quot;" in first
        assert first.count('value="') == 1
        tokens.add(first.split('value="')[1][:64])
    assert len(tokens) == 3  # each request its own masked token, never the kept one
    assert any(key[1] == "x" for key in fragments._cache)
    # Rendered without a request (no token), the block is rendered as it is, never kept.
    alone = Template(kept).render(Context({"name": "n", "admin": False}))
    assert alone == plain.render(Context({"name": "n", "admin": False}))


def test_the_kept_top_bar_carries_the_pages_token_and_the_switch_works(
    owner, workspace, other_workspace, outsider
):
    from django.test import Client

    from rapport.tenancy.services import membership_add

    membership_add(workspace=other_workspace, user=owner, role="viewer")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    first = client.get("/contacts/")
    page = client.get("/contacts/")  # the top bar from the kept entry
    assert _topbar(first.content) != "" and page.status_code == 200
    token = _page_token(page.content)
    bar = _topbar(page.content)
    assert bar.count(f'name="csrfmiddlewaretoken" value="{token}"') == 3  # two workspaces, log out
    assert "Globex" in bar and "Acme Sales" in bar
    switched = client.post(
        "/workspace/switch/", {"workspace": other_workspace.pk, "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302
    current = f'class="menu-item is-current" name="workspace" value="{other_workspace.pk}"'
    assert current in _topbar(client.get("/contacts/").content)


def test_the_top_bar_follows_a_rename_a_removed_membership_and_a_role_at_the_next_page(
    owner_client, owner, workspace, other_workspace, outsider
):
    from rapport.tenancy.models import Workspace
    from rapport.tenancy.services import membership_add

    membership = membership_add(workspace=other_workspace, user=owner, role="viewer")
    assert "Globex" in _topbar(owner_client.get("/contacts/").content)
    Workspace.objects.filter(pk=other_workspace.pk).update(name="Globex <Renamed>")
    bar = _topbar(owner_client.get("/contacts/").content)
    assert "Globex &lt;Renamed&gt;" in bar and ">Globex <" not in bar
    Membership.objects.filter(pk=membership.pk).delete()
    assert "Globex" not in _topbar(owner_client.get("/contacts/").content)
    assert 'href="/settings/audit/"' in _topbar(owner_client.get("/contacts/").content)
    Membership.objects.filter(user=owner, workspace=workspace).update(role="member")
    bar = _topbar(owner_client.get("/contacts/").content)
    assert 'href="/settings/audit/"' not in bar and "Member in Acme Sales" in bar
    owner.first_name, owner.last_name = "Olivia", "<Owens>"
    owner.save()
    assert "Olivia &lt;Owens&gt;" in _topbar(owner_client.get("/contacts/").content)
