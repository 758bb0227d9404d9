"""The detail page's field rows written in Python: the read-only branch of
`contacts/_field.html` (which stays the inline-edit fragment and the one-row answer).

Through an include each, the eleven or so rows of a contact page cost a template context,
its `if` nodes and filters per row; written here in one pass, a fraction of that
(docs/performance.md, "Seventh round"). Every value goes through `html.escape`, which is what
the template's autoescaping runs; the markup is the template's, byte for byte
(rapport/contacts/tests/test_detail_html.py renders both and compares).
"""

from collections.abc import Iterable
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe


def field_rows_html(rows: Iterable[dict[str, Any]], *, can_write: bool) -> SafeString:
    """The rows (`name`, `label`, `value`, `url`) as shown: a button that opens the inline
    editor for a reader who may write, the plain value otherwise."""
    out = []
    for row in rows:
        name = escape(str(row["name"]))
        label = str(row["label"])
        value = str(row["value"])
        empty = "" if value else " is-empty"
        if can_write:
            shown = (
                f'<button type="button" class="kv-value editable{empty}"'
                f' hx-get="{escape(str(row["url"]))}?edit=1" hx-target="#f-{name}"'
                f' hx-swap="outerHTML" title="Click to edit {escape(label.lower())}">'
                f"{escape(value) if value else 'Add…'}</button>\n  "
            )
        else:
            shown = f'<span class="kv-value{empty}">{escape(value) if value else "—"}</span>'
        out.append(
            f'\n<div class="kv" id="f-{name}">\n  <span class="kv-label">{escape(label)}</span>'
            f"\n  {shown}\n</div>\n\n\n"
        )
    return mark_safe("".join(out))  # every value above is escaped
