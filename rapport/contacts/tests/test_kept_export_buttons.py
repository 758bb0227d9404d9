"""The list page's export buttons (and those the filtered table re-sends out of band),
rendered once per process with a mark for the query and the request's put in
(`views._export_html`), are the template rendered with the query: byte for byte, for queries
that need escaping and encoding, repeated keys, none, and those holding a key the links drop
or set; a viewer gets none."""

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string

from rapport.web import fragments
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "q=gross",
    "q=%3Ci%3E%22%27%26+x",  # <i>"'& x
    "q=M%C3%BCller+%E2%82%AC&sort=-updated&tag=b&tag=a",
    "owner=3&lifecycle_stage=lead&q=",
    "cursor=abc&q=x",  # the links drop the cursor
    "view=3&q=x",
    "team=2",
    "background=1&q=y",  # the third link sets it
]


def _expected(path: str, query: str, can_export: bool, oob: bool = False) -> str:
    entity, vcard = ("contacts", True) if path == "/contacts/" else ("companies", None)
    context = {
        "entity": entity,
        "vcard": vcard,
        "params": QueryDict(query),
        "can_export": can_export,
        "oob": oob,
    }
    return render_to_string("data/_export_buttons.html", context)


@pytest.mark.parametrize("path", ["/contacts/", "/companies/"])
def test_the_buttons_are_the_templates_for_any_query(owner_client, path):
    fragments.clear()
    for _ in range(2):  # built, then from the process's kept copy
        for query in QUERIES:
            html = owner_client.get(f"{path}?{query}").content.decode()
            expected = _expected(path, query, True)
            assert 'id="export-csv"' in expected
            assert expected in html, query


@pytest.mark.parametrize("path", ["/contacts/", "/companies/"])
def test_the_filtered_table_resends_the_templates_buttons(owner_client, path):
    fragments.clear()
    headers = {"HX-Request": "true", "HX-Target": "record-table"}
    for _ in range(2):
        for query in QUERIES:
            html = owner_client.get(f"{path}?{query}", headers=headers).content.decode()
            expected = _expected(path, query, True, oob=True)
            assert 'hx-swap-oob="true"' in expected
            assert html.startswith('<div id="record-table"') and expected in html, query


def test_a_viewer_gets_no_buttons(viewer_client):
    fragments.clear()
    for query in QUERIES[:3]:
        html = viewer_client.get(f"/contacts/?{query}").content.decode()
        assert 'id="export-buttons"' not in html
        headers = {"HX-Request": "true", "HX-Target": "record-table"}
        table = viewer_client.get(f"/contacts/?{query}", headers=headers).content.decode()
        assert 'id="export-buttons"' not in table
        assert _expected("/contacts/", query, False).strip() == ""
