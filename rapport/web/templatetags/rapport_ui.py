"""Small template helpers for the UI: scope checks, query strings, phone display."""

import re
from functools import lru_cache
from typing import Any

import phonenumbers
from django import template
from django.http import QueryDict
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.translation import get_language
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumber, PhoneNumberFormat
from phonenumbers.phonenumberutil import ValidationResult
from phonenumbers.phonenumberutil import (
    _maybe_strip_national_prefix_carrier_code as _strip_national_prefix,
)
from phonenumbers.phonenumberutil import _test_number_length as _number_length

from rapport.contacts.detail_html import field_rows_html
from rapport.contacts.normalise import phone_display
from rapport.core.pagination import Page
from rapport.tenancy.models import Membership
from rapport.web.fragments import TOKEN_MARK, kept_html, put_token
from rapport.web.kept_urls import fixed_url as url_for
from rapport.web.kept_urls import url_pattern
from rapport.web.timeline_html import items_html, relative_text

register = template.Library()

_KEEP_PREFIX = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)


@register.filter
def has_scope(membership: Membership | None, scope_name: str) -> bool:
    return membership is not None and membership.has_scope(scope_name)


@register.filter
def phone(e164: str) -> str:
    return phone_format(e164)


@lru_cache(maxsize=8192)
def phone_format(e164: str) -> str:
    """`phone_display` of a stored E.164 number, without parsing it again.

    Kept per process (the last 8,192 numbers, about 1 MB): a page of 50 rows formats up to
    50 numbers at about 15 µs each, and the same pages are asked again and again; the answer
    depends on the number and `phonenumbers`' metadata only.

    Stored numbers are E.164 (`+` and digits): the country code is the one prefix of 1 to 3
    digits that `phonenumbers` knows, the rest is the national number, with the leading-zero
    flags and national-prefix handling `phonenumbers.parse` applies; only the formatting
    runs, about half the cost of parse + format (26 against 57 µs), which counts at 50 rows.
    Anything else (not `+` and ASCII digits, no known country code) takes the slow path.
    """
    digits = e164[1:]
    if len(e164) < 4 or e164[0] != "+" or not (digits.isascii() and digits.isdigit()):
        return phone_display(e164)
    if digits[0] == "0":  # no country code starts with 0
        return phone_display(e164)
    for size in (1, 2, 3):
        code = int(e164[1 : 1 + size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            national = e164[1 + size :]
            break
    else:
        return phone_display(e164)
    if len(national) < 2 or len(national) > 17:
        return phone_display(e164)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(
        code, phonenumbers.region_code_for_country_code(code)
    )
    if metadata is not None:  # as parse does: a national prefix left in the number goes
        _, stripped, _ = _strip_national_prefix(national, metadata)
        if _number_length(stripped, metadata) not in _KEEP_PREFIX:
            national = stripped
    number = PhoneNumber(country_code=code, national_number=int(national))
    if len(national) > 1 and national[0] == "0":
        number.italian_leading_zero = True
        zeros = 1
        while zeros < len(national) - 1 and national[zeros] == "0":
            zeros += 1
        if zeros != 1:
            number.number_of_leading_zeros = zeros
    return str(phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL))


@register.filter
def pk_url(pk: int, name: str) -> str:
    """`{% url name pk %}` for a URL whose one argument is an integer, at a tenth of the cost
    (`web.kept_urls`), which counts in loops."""
    return url_pattern(name)(pk)


@register.simple_tag
def fixed_url(name: str) -> str:
    """`{% url name %}` for a URL without arguments, reversed once per process."""
    return escape(url_for(name))


@register.simple_tag
def query_with(params: QueryDict, **changes: Any) -> str:
    """The current query string with some parameters replaced; None or "" removes one."""
    query = params.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def page_range(page: Page) -> str:
    """Which rows of the list a page shows, "51–100" ("51" for one row): every paginated
    list's pager and the contacts' and companies' count line. The number of rows alone
    where the page does not know its place (`Page.start`)."""
    count, start = len(page.items), page.start
    if start is None:
        return f"{count:,}"
    return f"{start + 1:,}" if count == 1 else f"{start + 1:,}–{start + count:,}"


@register.filter
def initials(name: str) -> str:
    parts = [p for p in str(name).replace("@", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def humanize_field(name: str) -> str:
    return str(name).removesuffix("_id").replace("custom_fields", "custom fields").replace("_", " ")


@register.filter
def change_value(value: Any) -> str:
    """An audit value as text, whole (a long one is the template's to fold): lists joined,
    objects as key: value, nothing as —."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(change_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {change_value(v)}" for k, v in value.items())
    return str(value)


@register.filter
def change_labels(rows: Any) -> str:
    """The labels of an entry's change rows (`audit.labels.ChangeRow`), comma-separated."""
    return ", ".join(row.label for row in rows)


@register.filter
def is_past(value: Any) -> bool:
    from django.utils import timezone

    return value is not None and value < timezone.now()


@register.filter
def relative(value: Any) -> str:
    """ "3 days ago", or "in 2 days" for a time still to come (a deal's last activity can be a
    meeting booked ahead), where `timesince` would say "0 minutes ago"."""
    return relative_text(value) if value is not None else ""


@register.filter
def model_name(record: Any) -> str:
    return str(record._meta.model_name)


@register.simple_tag
def sort_url(params: QueryDict, column_sort: str, current: str) -> str:
    """The list URL sorted by this column: its first direction, or flipped if already on."""
    base = column_sort.lstrip("-")
    if current.lstrip("-") == base:
        target = base if current.startswith("-") else f"-{base}"
    else:
        target = column_sort
    return query_with(params, sort=target, cursor=None)


@register.simple_tag
def sort_arrow(column_sort: str, current: str) -> str:
    if current.lstrip("-") != column_sort.lstrip("-"):
        return ""
    return "↓" if current.startswith("-") else "↑"


@register.filter
def user_name(user: Any, fallback: str = "") -> str:
    """A user's full name, else username; `fallback` for none (a deleted user, the system)."""
    if user is None:
        return fallback
    return str(user.get_full_name() or user.get_username())


# --- fragments kept per process ------------------------------------------------------------

_DIGITS = re.compile(r"\d+")
_KEY_TYPES = (str, int, bool, type(None))


@register.filter
def path_shape(path: str) -> str:
    """The path with each run of digits as `#`: `/contacts/12/` and `/contacts/345/` share a
    shape. A test of the path against digit-free text (equality, `in`, a prefix) gives the
    same answer for every path of one shape, so a fragment whose output depends on the path
    only through such tests (the navigation's active link) can be kept per shape."""
    return _DIGITS.sub("#", path)


class KeptFragmentNode(template.Node):
    # Django walks a parent template's nodes for its blocks on every render of a page that
    # extends it; a kept block holds none (Django's `{% block %}` would not be kept), so the
    # walk need not enter it.
    child_nodelists = ()

    def __init__(
        self,
        name: str,
        vary: list[template.base.FilterExpression],
        nodelist: template.NodeList,
        with_token: bool = False,
    ) -> None:
        self.name = name
        self.vary = vary
        self.nodelist = nodelist
        self.with_token = with_token

    def render(self, context: template.Context) -> str:
        values = tuple(v.resolve(context) for v in self.vary)
        for value in values:
            if not isinstance(value, _KEY_TYPES):
                # A model or a list would key by its repr: say exactly what varies instead.
                raise template.TemplateSyntaxError(
                    f"keptfragment {self.name!r}: vary on strings, numbers or booleans, "
                    f"not {type(value).__name__}"
                )
        key = (self.name, values, get_script_prefix(), get_language())
        if not self.with_token:
            return kept_html(key, lambda: self.nodelist.render(context))
        token = context.get("csrf_token")
        if token is None or str(token) == "NOTPROVIDED":  # rendered without a request
            return self.nodelist.render(context)

        def build() -> str:
            with context.push(csrf_token=TOKEN_MARK):
                return self.nodelist.render(context)

        return put_token(kept_html((*key, "with-token"), build), str(token))


def _kept_node(
    parser: template.base.Parser, token: template.base.Token, *, with_token: bool
) -> KeptFragmentNode:
    bits = token.split_contents()
    tag = bits[0]
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError(f"{tag} needs a quoted name first")
    vary = [parser.compile_filter(b) for b in bits[2:]]
    nodelist = parser.parse((f"end{tag}",))
    parser.delete_first_token()
    if not with_token and nodelist.get_nodes_by_type(CsrfTokenNode):
        raise template.TemplateSyntaxError(f"{tag}: a CSRF token is per request")
    return KeptFragmentNode(bits[1][1:-1], vary, nodelist, with_token=with_token)


@register.tag("keptfragment")
def keptfragment(parser: template.base.Parser, token: template.base.Token) -> KeptFragmentNode:
    """`{% keptfragment "name" v1 v2 ... %}...{% endkeptfragment %}`: the block rendered once
    per process for each (name, v1, v2, ..., script prefix, language, time zone) and kept in
    a small LRU.

    For markup that is the same for everyone sharing those values (links, labels): the values
    must hold everything the block reads that can differ between requests. Never put a CSRF
    token, a user's or a workspace's data, or anything read from the database inside unless
    it is among the values.
    """
    return _kept_node(parser, token, with_token=False)


@register.tag("keptforms")
def keptforms(parser: template.base.Parser, token: template.base.Token) -> KeptFragmentNode:
    """`{% keptforms "name" v1 v2 ... %}...{% endkeptforms %}`: `keptfragment` for a block with
    forms. The block is rendered once per key with a mark for the CSRF token
    (`{% csrf_token %}` and `{{ csrf_token }}`), and each request puts its own token in place
    of the mark; everything else follows `keptfragment`'s rule.
    """
    return _kept_node(parser, token, with_token=True)


@register.filter
def memberships_key(memberships: Any) -> str:
    """The workspace switcher's inputs as one key value: each membership's workspace id,
    name and role (read fresh on every request), so a rename, a new or removed membership
    or a role change gives another key."""
    return repr([(m.workspace_id, m.workspace.name, m.role) for m in memberships])


@register.simple_tag(takes_context=True)
def field_rows(context: template.Context, rows: list[dict[str, Any]]) -> str:
    """`{% field_rows rows %}`: a detail page's field rows (see `contacts.detail_html`)."""
    return field_rows_html(rows, can_write=bool(context.get("can_write")))


@register.simple_tag(takes_context=True)
def timeline_items(context: template.Context, items: list[Any]) -> str:
    """`{% timeline_items timeline.items %}`: each item's `<li>` (see `web.timeline_html`)."""
    return items_html(items, context)


@register.simple_tag(takes_context=True)
def timeline_item(context: template.Context, item: Any) -> str:
    """`{% timeline_item item %}`: one item's `<li>` (after a quick-add or an edit)."""
    return items_html([item], context)
