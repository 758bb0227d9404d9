"""Rendered fragments kept per process, keyed by everything they are made of.

A key always holds the workspace and the data the fragment shows, so an entry can neither
leak into another workspace nor go stale: when that data changes, the key changes and the
fragment is rendered again (old entries fall out of the small LRU).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

from rapport.contacts.queries import member_names
from rapport.tenancy.data_version import kept as kept_per_version
from rapport.tenancy.models import Workspace

# The navigation takes an entry per (workspace, role, path shape), the top bar one per user
# and workspace (a few kB each): room for a few hundred users a process.
_MAX_ENTRIES = 1024
_RECORD = "\x00record\x00"
_cache: "OrderedDict[tuple[Any, ...], Any]" = OrderedDict()
_lock = threading.Lock()


def _get(key: tuple[Any, ...]) -> Any:
    with _lock:
        value = _cache.get(key)
        if value is not None:
            _cache.move_to_end(key)
        return value


def _put(key: tuple[Any, ...], value: Any) -> None:
    with _lock:
        _cache[key] = value
        _cache.move_to_end(key)
        while len(_cache) > _MAX_ENTRIES:
            _cache.popitem(last=False)


# Stands for the request's CSRF token in kept HTML (`keptforms`, the kept list page): derived
# from SECRET_KEY, so no user can know it to put it in their text, and the same in every
# worker, so a page kept in Redis by one serves all; left unchanged by autoescaping (hex).
TOKEN_MARK = "csrf" + salted_hmac("rapport.web.fragments", "token-mark").hexdigest()[:32]


def put_token(html: str, token: str) -> SafeString:
    """`html`, rendered with `TOKEN_MARK` as its `csrf_token`, with the request's token in
    place of the mark. The token is letters and digits (what `{% csrf_token %}` and
    autoescaping print unchanged); a fresh mask of the request's secret each time, as Django's.
    """
    return mark_safe(html.replace(TOKEN_MARK, str(token)))


def clear() -> None:
    with _lock:
        _cache.clear()


def quick_add_panels(
    *,
    workspace: Workspace,
    record: Model,
    kinds: Sequence[str],
    make_forms: Callable[[], list[Any]],
    user_id: int | None,
) -> tuple[list[dict[str, str]], SafeString]:
    """The timeline's quick-add forms (note, call, email, meeting, task) for `record`: their
    tabs (kind and label) and their rendered HTML, each form in its tab panel (the first shown).

    Unbound, they differ from one record to the next only by the record's hidden input, and
    from one workspace to the next by the assignee choices (its members). Building and
    rendering them costs about 6 ms a page; reading the members costs one small query. So the
    HTML is kept per workspace, record type, kinds and exact member list (ids and names, in
    order), user (a task's assignees leave out the one "Me" stands for) and time zone (the
    date-time fields name it), with the record's input put in on the way out; `make_forms`
    runs on a miss only.
    """
    # The member list changes only through services that raise the data version.
    members = kept_per_version(
        workspace=workspace,
        name="quick-add-members",
        inputs=(),
        build=lambda: member_names(workspace),
    )
    model_name = record._meta.model_name
    zone = timezone.get_current_timezone_name()
    key = (workspace.pk, record._meta.label_lower, tuple(kinds), members, user_id, zone)
    record_input = f'name="{model_name}" value="{record.pk}"'
    kept = _get(key)
    if kept is None:
        forms = make_forms()
        tabs = [{"kind": f.kind, "label": f.label} for f in forms]
        rendered = "".join(
            render_to_string(
                "activities/_quick_add_panel.html", {"form": f, "record": record, "first": i == 0}
            )
            for i, f in enumerate(forms)
        )
        if rendered.count(record_input) != len(forms):
            # Not the markup this expects (the template changed): render every time.
            return tabs, mark_safe(rendered)
        kept = (tabs, rendered.replace(record_input, _RECORD))
        _put(key, kept)
    tabs, html = kept
    return [dict(t) for t in tabs], mark_safe(html.replace(_RECORD, record_input))


def kept_html(key: tuple[Any, ...], build: Callable[[], str]) -> str:
    """`build()`, kept under `key` and the active time zone in this process's small LRU (see
    `keptfragment`): the zone, since a fragment may show it or a time in it."""
    full_key = ("fragment", *key, timezone.get_current_timezone_name())
    html: str | None = _get(full_key)
    if html is None:
        html = build()
        _put(full_key, html)
    return str(html)
