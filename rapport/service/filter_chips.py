"""The ticket list's active filters as chips ("Status: Open ×") over the table.

Each chip's × is a link to the same list without that one filter (and without the cursor:
a page of another result is meaningless), so it works as a plain link and, through htmx, as
the list's own swap. Only filters that apply are shown: a value the form refused is left out
of the query (and reported there), and a queue's default (a team queue's own team, "Unsolved"
in an agent's queue, which the filter form sends with every change) is no filter of the
agent's making, so it gets no chip either.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from rapport.contacts.forms import members_of, user_label
from rapport.contacts.models import Company, Contact
from rapport.service.models import Team

# Query parameters that are no filter: the order and the page.
NOT_FILTERS = ("sort", "cursor")


@dataclass(frozen=True)
class FilterChip:
    name: str  # the query parameter it removes
    label: str
    value: str
    remove_url: str


def _url(list_url: str, query: QueryDict, *, without: tuple[str, ...]) -> str:
    kept = QueryDict(mutable=True)
    for name, values in query.lists():
        if name not in (*without, "cursor"):
            kept.setlist(name, [v for v in values if v])  # the form's empty fields say nothing
    encoded = kept.urlencode()
    return f"{list_url}?{encoded}" if encoded else list_url


def _member_name(workspace: Any, user_id: int) -> str:
    user = members_of(workspace).filter(pk=user_id).first()
    return user_label(user) if user else f"unknown member #{user_id}"


def _record_name(model: Any, pk: int) -> str:
    # Scoped managers: another workspace's id reads as unknown, never by its name.
    record = model.objects.filter(pk=pk).first()
    return str(record) if record else f"unknown #{pk}"


def _value_label(form: Any, name: str, value: Any, workspace: Any) -> str:
    names: dict[str, Callable[[], str]] = {
        "assignee": lambda: _member_name(workspace, value),
        "team": lambda: _record_name(Team, value),
        "requester": lambda: _record_name(Contact, value),
        "company": lambda: _record_name(Company, value),
    }
    if name in names:
        return names[name]()
    choices = getattr(form.fields[name], "choices", None)
    label = str(dict(choices).get(value, value)) if choices else str(value)
    return label.removeprefix("SLA ") if name == "sla" else label


def filter_chips(
    *,
    form: Any,
    query: QueryDict,
    list_url: str,
    workspace: Any,
    defaults: dict[str, Any],
    ignored: tuple[str, ...] = (),
) -> list[FilterChip]:
    """A chip per filter of `query` that `form` (a validated `TicketListForm`) accepted and
    that differs from the queue's `defaults` (parameter -> its value when not given);
    `ignored` names parameters this queue does not filter by (a team outside team queues)."""
    chips = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name in (*NOT_FILTERS, *ignored) or name not in query or value in (None, ""):
            continue
        if name in defaults and value == defaults[name]:
            continue
        chips.append(
            FilterChip(
                name=name,
                label=field.label or name.replace("_", " ").capitalize(),
                value=_value_label(form, name, value, workspace),
                remove_url=_url(list_url, query, without=(name,)),
            )
        )
    return chips


def clear_filters_url(*, query: QueryDict, list_url: str, chips: list[FilterChip]) -> str:
    """The list without any of its chips' filters, in the same order."""
    return _url(list_url, query, without=tuple(chip.name for chip in chips))
