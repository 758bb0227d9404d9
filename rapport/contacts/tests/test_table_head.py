"""The list table's header (`views.table_head`) is what the template's loop wrote, to the byte:
each sortable column's link keeps the query (escaped, `<i>"'&` and non-ASCII included) and
drops the cursor; the sorted column is marked with its arrow."""

import pytest
from django.http import QueryDict
from django.template import Context, Template

from rapport.contacts.views import COMPANIES, CONTACTS, table_head

# contacts/_table.html's header loop before `table_head` wrote it.
_TEMPLATE = Template(
    "{% load rapport_ui %}{% for col in kind.columns %}"
    '<th class="{{ col.css }}" scope="col">{% if col.sort %}'
    "{% sort_url params col.sort sort as url %}"
    "<a class=\"sort{% if sort|cut:'-' == col.sort|cut:'-' %} is-sorted{% endif %}\" "
    'href="{{ url }}" hx-get="{{ url }}" hx-target="#record-table" hx-swap="outerHTML" '
    'hx-push-url="true">{{ col.label }} <span class="arrow">{% sort_arrow col.sort sort %}'
    "</span></a>{% else %}{{ col.label }}{% endif %}</th>{% endfor %}"
)

QUERIES = [
    "",
    "q=gross",
    "q=%3Ci%3E%22%27%26",  # <i>"'&
    "q=M%C3%BCller&tag=vip",
    "sort=-name&q=a",
    "q=a&sort=-updated",
    "cursor=abc&q=a",
    "tag=a&tag=b&owner=3",
]


@pytest.mark.parametrize("kind", [CONTACTS, COMPANIES], ids=["contacts", "companies"])
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("sort", ["name", "-name", "updated", "-updated"])
def test_the_head_is_the_templates(kind, query, sort):
    params = QueryDict(query)
    reference = _TEMPLATE.render(Context({"kind": kind, "params": params, "sort": sort}))
    assert table_head(kind, params, sort) == reference


def test_the_sorted_column_links_to_the_other_direction():
    head = table_head(CONTACTS, QueryDict("q=%3Ci%3E&cursor=x"), "name")
    assert 'href="?q=%3Ci%3E&amp;sort=-name"' in head and "is-sorted" in head and "↑" in head
    assert "cursor" not in head and "<i>" not in head
