"""The tickets exporter: the agent queue's filter form, view and sort (the service
`AppConfig.ready` imports this module to join the registry)."""

from typing import Any

from django.db.models import QuerySet

from rapport.core.errors import ServiceValidationError
from rapport.data.exports import (
    TAGS,
    ExportColumn,
    Exporter,
    ExportRequest,
    export_filter_names,
    exporter_register,
    form_cleaned,
    model_names,
    ordered,
)
from rapport.service.forms import TicketListForm
from rapport.service.models import Team, Ticket
from rapport.service.queries import SORTS, ticket_queryset


def _tickets(ask: ExportRequest) -> QuerySet[Any]:
    form = form_cleaned(TicketListForm(ask.params))
    f = form.ticket_filter(view=ask.params.get("view") or "all", user_id=ask.user_id)
    sort = form.cleaned_data.get("sort") or "-updated"
    if sort not in SORTS:
        raise ServiceValidationError.single("sort", f"must be one of {', '.join(SORTS)}")
    return ordered(ticket_queryset(f), SORTS[sort])


_COLUMNS = [
    ExportColumn("number", "number"),
    ExportColumn("subject", "subject"),
    ExportColumn("status", "status"),
    ExportColumn("priority", "priority"),
    ExportColumn("type", "ticket_type"),
    ExportColumn("channel", "channel"),
    ExportColumn("requester_email", "requester__email"),
    ExportColumn("company", "company__name"),
    ExportColumn("assignee", "assignee__username"),
    ExportColumn("team", "team__name"),
    ExportColumn("tags", TAGS),
    ExportColumn("created_at", "created_at"),
    ExportColumn("first_responded_at", "first_responded_at"),
    ExportColumn("resolution_due_at", "resolution_due_at"),
    ExportColumn("solved_at", "solved_at"),
]

exporter_register(
    Exporter(
        entity="tickets",
        label="Tickets",
        model=Ticket,
        columns=lambda: _COLUMNS,
        queryset=_tickets,
        form=TicketListForm,
        list_url="service:ticket_queue",
        list_args=lambda filters: [filters.get("view") or "all"],
        params=frozenset({"view"}),
    )
)
export_filter_names("team")(model_names(Team))
