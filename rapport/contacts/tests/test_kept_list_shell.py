"""The list page's shell kept without the query, its filter form without the search text
(docs/performance.md, twelfth round): a new search renders its table only, and is byte for
byte the page rendered without keeping (but the CSRF token), for each user, role and
workspace, and after every write."""

import pytest
from django.test import Client

from rapport.contacts.tests.factories import make_contact
from rapport.web.fragments import TOKEN_MARK
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
member_client = fixtures.member_client
viewer_client = fixtures.viewer_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
keep_pages = fixtures.keep_pages

pytestmark = pytest.mark.django_db


def _rendered(response) -> set[str]:
    return {t.name for t in response.templates}


def _plain(client: Client, url: str, settings) -> str:
    settings.RAPPORT_KEEP_PAGES = False
    try:
        return client.get(url).content.decode()
    finally:
        settings.RAPPORT_KEEP_PAGES = True


def _same_page(kept: str, plain: str) -> None:
    """Equal but for the tokens (a fresh mask per request)."""
    from rapport.contacts.tests.test_kept_list_page import _without_token

    assert TOKEN_MARK not in kept
    assert _without_token(kept) == _without_token(plain)


@pytest.mark.parametrize(
    "first,url",
    [
        ("/contacts/?q=zed", "/contacts/?q=ann"),
        ("/contacts/?q=zed", '/contacts/?q=<i>"Ann\'s"%20%26'),
        ("/contacts/?q=zed", "/contacts/?q=ann&sort=-updated&tag=vip"),
        ("/contacts/?q=zed", "/contacts/?sort=-updated"),
        ("/companies/?q=zed", "/companies/?q=acme"),
    ],
)
def test_a_new_search_renders_only_its_table_and_filters_and_is_the_rendered_page(
    owner_client, settings, workspace, django_capture_on_commit_callbacks, first, url
):
    with django_capture_on_commit_callbacks(execute=True):
        make_contact(workspace, first_name="Ann", last_name="<i>Lee", tags=["vip"])
    owner_client.get(first)  # keeps the shell (and that query's page)
    response = owner_client.get(url)
    rendered = _rendered(response)
    assert "contacts/_table.html" in rendered
    assert not rendered & {"contacts/list.html", "web/base.html"}
    # The filter form is kept for the query but its search text, which is put in each time.
    assert ("contacts/_filters.html" in rendered) == ("&" in url or "?q" not in url)
    _same_page(response.content.decode(), _plain(owner_client, url, settings))


def test_the_page_without_a_query_has_its_own_shell(owner_client, settings, workspace):
    make_contact(workspace, first_name="Ann")
    owner_client.get("/contacts/?q=zed")
    page = owner_client.get("/contacts/").content.decode()
    assert 'chip chip-active" href="/contacts/"' in page
    _same_page(page, _plain(owner_client, "/contacts/", settings))


def test_each_user_role_and_workspace_gets_its_own_shell(
    owner_client, member_client, viewer_client, outsider_client, settings, workspace
):
    make_contact(workspace, first_name="Ann")
    owner_client.get("/contacts/?q=zed")
    for client, shows in [
        (member_client, '<p class="menu-heading">mia<br>'),
        (viewer_client, "Ann Lee"),
        (outsider_client, "No contacts"),
    ]:
        page = client.get("/contacts/?q=ann").content.decode()
        assert '<p class="menu-heading">olivia<br>' not in page
        _same_page(page, _plain(client, "/contacts/?q=ann", settings))
    viewers = viewer_client.get("/contacts/?q=lee").content.decode()
    assert "New contact" not in viewers and 'id="add-to-list"' not in viewers
    assert "Ann Lee" not in outsider_client.get("/contacts/?q=lee").content.decode()


def test_a_saved_view_and_an_edit_show_at_the_next_search(
    owner_client, settings, workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact = make_contact(workspace, first_name="Ann")
    owner_client.get("/contacts/?q=zed")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/contacts/views/", {"name": "Hot leads", "lifecycle_stage": "lead"})
        owner_client.post(
            f"/contacts/{contact.pk}/edit/",
            {"first_name": "Anna", "last_name": "Lee", "lifecycle_stage": "lead"},
        )
    owner_client.get("/contacts/?q=zed")  # the messages, rendered and not kept
    page = owner_client.get("/contacts/?q=ann").content.decode()
    assert "Hot leads" in page and "Anna Lee" in page
    _same_page(page, _plain(owner_client, "/contacts/?q=ann", settings))


@pytest.mark.parametrize(
    "url,table_kept",
    [
        ("/contacts/?q=ann", False),
        ("/contacts/?q=ann&sort=-updated", False),
        ("/companies/?q=acme", False),
        ("/contacts/", True),
        ("/contacts/?q=%20%20", True),  # no text: the whole list
        ("/contacts/?sort=-updated&tag=vip", True),
    ],
)
def test_a_searchs_table_is_kept_only_within_its_page(
    owner_client, member_client, settings, workspace, url, table_kept
):
    """A search's page is kept whole, its table not apart (fifteenth round): another member's
    first visit renders it again; the list's own table, every member's, stays kept."""
    make_contact(workspace, first_name="Ann", tags=["vip"])
    owner_client.get(url)
    response = member_client.get(url)
    assert ("contacts/_table.html" in _rendered(response)) != table_kept
    _same_page(response.content.decode(), _plain(member_client, url, settings))
    # The table asked alone (htmx, as typed) is kept as before.
    headers = {"HX-Request": "true", "HX-Target": "record-table"}
    member_client.get(url, headers=headers)
    again = owner_client.get(url, headers=headers)
    assert "contacts/_table.html" not in _rendered(again)
