"""Small template helpers for the UI: scope checks, query strings, phone display."""

from typing import Any

from django import template
from django.http import QueryDict

from rapport.contacts.normalise import phone_display
from rapport.tenancy.models import Membership

register = template.Library()


@register.filter
def has_scope(membership: Membership | None, scope_name: str) -> bool:
    return membership is not None and membership.has_scope(scope_name)


@register.filter
def phone(e164: str) -> str:
    return phone_display(e164)


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
    """An audit value as a short text: lists joined, objects as key: value, nothing as —."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(change_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {change_value(v)}" for k, v in value.items())
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


@register.filter
def is_past(value: Any) -> bool:
    from django.utils import timezone

    return value is not None and value < timezone.now()


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
