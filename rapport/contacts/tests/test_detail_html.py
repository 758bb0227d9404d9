"""The detail page's field rows written in Python (`contacts.detail_html`) are the markup
`contacts/_field.html` writes, included once per row as the page did: both rendered on varied
rows (empty values, values and labels that need escaping, a lazy label) for a reader who may
write and one who may not, and compared."""

import pytest
from django.template import engines
from django.utils.translation import gettext_lazy

from rapport.contacts.detail_html import field_rows_html

EVIL = "<script>alert('x')</script> & \"quotes\""
INCLUDED = engines["django"].from_string(
    '{% for row in rows %}{% include "contacts/_field.html" with editing=False %}{% endfor %}'
)
ROWS = [
    {"name": name, "label": label, "value": value, "url": url}
    for name, label, value, url in [
        ("first_name", "First name", "Ann", "/contacts/7/fields/first_name/"),
        ("last_name", "Last name", "", "/contacts/7/fields/last_name/"),
        ("emails", "Emails", f"a@x.io, {EVIL}", "/c/7/f/emails/?a=1&b=2"),
        ("tags", gettext_lazy("Tags"), "0", "/c/7/f/tags/"),
        ("cf_size", f"Size {EVIL}", "Yes", "/c/7/f/cf_size/"),
        ("cf_note", "NOTE Ä", "line\nbreak", "/c/7/f/cf_note/"),
    ]
]


@pytest.mark.parametrize("can_write", [True, False])
def test_the_rows_are_the_templates_markup(can_write):
    old = INCLUDED.render({"rows": ROWS, "can_write": can_write})
    assert field_rows_html(ROWS, can_write=can_write) == old
    assert "&lt;script&gt;" in old and "<script>" not in old


def test_no_rows_write_nothing():
    assert field_rows_html([], can_write=True) == INCLUDED.render({"rows": [], "can_write": True})
