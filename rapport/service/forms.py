"""Forms of the agent desk: the ticket list's query string, a new ticket, the ticket page's
side panel, the reply box and knowledge-base articles."""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse

from rapport.contacts.forms import MemberChoiceField, members_of
from rapport.contacts.normalise import email_normalise
from rapport.core.errors import ServiceValidationError
from rapport.knowledge.models import ArticleStatus, ArticleVisibility, Category
from rapport.service.attachments import MAX_BYTES
from rapport.service.desk_queries import team_list
from rapport.service.desk_services import Upload
from rapport.service.models import (
    Channel,
    MessageKind,
    Priority,
    Ticket,
    TicketStatus,
    TicketType,
)
from rapport.service.page_queries import category_list, products_named
from rapport.service.queries import SORTS, UNSOLVED, TicketFilter
from rapport.tenancy.models import Workspace
from rapport.web.forms import CommaListField, add_service_errors

MAX_FILES = 5
ANY_STATUS = "any"
STATUS_FILTER = [(ANY_STATUS, "Any status"), (UNSOLVED, "Unsolved"), *TicketStatus.choices]
# An agent's own and their team's queues are work to do: they open on the unsolved tickets
# (as Zendesk's "Your unsolved tickets"); "Any status" is an explicit choice, kept by a saved
# view, so a queue never silently drops to every ticket ever assigned.
UNSOLVED_BY_DEFAULT = ("mine", "team")


class TicketListForm(forms.Form):
    """The list's query string. Every field is optional; a bad value is reported and the rest
    still apply."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=STATUS_FILTER)
    priority = forms.ChoiceField(required=False, choices=[("", "Any priority"), *Priority.choices])
    ticket_type = forms.ChoiceField(
        required=False, choices=[("", "Any type"), *TicketType.choices], label="Type"
    )
    channel = forms.ChoiceField(required=False, choices=[("", "Any channel"), *Channel.choices])
    sla = forms.ChoiceField(
        required=False,
        label="SLA",
        choices=[("", "Any SLA outcome"), ("breached", "SLA breached"), ("kept", "SLA kept")],
    )
    assignee = forms.IntegerField(required=False, min_value=1)
    tag = forms.CharField(required=False, max_length=50)
    team = forms.IntegerField(required=False, min_value=1)
    # A customer's tickets, from the ticket page's customer card: the requester's, or all
    # of the company's.
    requester = forms.IntegerField(required=False, min_value=1)
    company = forms.IntegerField(required=False, min_value=1)
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])
    cursor = forms.CharField(required=False)

    @staticmethod
    def status_for(view: str, chosen: str | None) -> str:
        """The status filter in force: the one chosen, else the queue's default."""
        if chosen:
            return chosen
        return UNSOLVED if view in UNSOLVED_BY_DEFAULT else ANY_STATUS

    def ticket_filter(self, *, view: str, user_id: int) -> TicketFilter:
        data = self.cleaned_data
        status = self.status_for(view, data.get("status"))
        return TicketFilter(
            view=view,
            user_id=user_id,
            team_id=data.get("team"),
            status="" if status == ANY_STATUS else status,
            priority=data.get("priority") or "",
            ticket_type=data.get("ticket_type") or "",
            channel=data.get("channel") or "",
            assignee_id=data.get("assignee"),
            requester_id=data.get("requester"),
            company_id=data.get("company"),
            breached={"breached": True, "kept": False}.get(data.get("sla") or ""),
            tag=data.get("tag") or "",
            q=data.get("q") or "",
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        cleaned: list[UploadedFile] = []
        for f in files:
            cleaned.append(super().clean(f, initial))
        return cleaned


class AttachmentsForm(forms.Form):
    """Up to MAX_FILES files sent with a message; the service checks each file's size and type."""

    attachments = MultipleFileField(
        required=False,
        label="Attach files",
        help_text=f"PDF, images, text, CSV or ZIP; up to {MAX_FILES} files of "
        f"{MAX_BYTES // 2**20} MB each.",
    )

    def clean_attachments(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Attach at most {MAX_FILES} files to one message.")
        return files

    def uploads(self) -> list[Upload]:
        return [
            Upload(name=f.name or "", content=f.read(), content_type=f.content_type or "")
            for f in self.cleaned_data.get("attachments") or []
        ]

    # The services' names for what this form calls otherwise (a refused file is `file`).
    ERROR_FIELDS = {"file": "attachments"}

    def add_upload_errors(self, exc: ServiceValidationError) -> None:
        """Each service error under the field it concerns (the form's top when none)."""
        for error in exc.errors:
            name = self.ERROR_FIELDS.get(error.field, error.field)
            self.add_error(name if name in self.fields else None, error.message)


def _team_choices() -> list[tuple[Any, str]]:
    return [("", "No team"), *((t.pk, t.name) for t in team_list())]


class TicketFieldsForm(forms.Form):
    """Fields a ticket is created with and edited by; `service_data` speaks the services'
    names (`assignee_id`, `team_id`)."""

    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    ticket_type = forms.ChoiceField(
        choices=TicketType.choices, initial=TicketType.QUESTION, label="Type"
    )
    assignee = MemberChoiceField(queryset=None, required=False, empty_label="Unassigned")
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    tags = CommaListField(required=False, help_text="Separate tags with commas")

    SERVICE_NAMES = {"assignee": "assignee_id", "team": "team_id"}

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members_of(workspace)  # type: ignore[attr-defined]
        self.fields["team"].choices = _team_choices()  # type: ignore[attr-defined]

    def service_data(self, names: list[str] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in names if names is not None else list(self.fields):
            value = self.cleaned_data.get(name)
            if name == "assignee":
                value = value.pk if value else None
            out[self.SERVICE_NAMES.get(name, name)] = value
        return out

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        add_service_errors(self, exc, {v: k for k, v in self.SERVICE_NAMES.items()})


class TicketCreateForm(TicketFieldsForm, AttachmentsForm):
    """An agent's new ticket. The requester's address is checked by the service, which finds
    their contact or makes one."""

    requester_email = forms.CharField(
        max_length=254,
        label="Requester's email",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text="An address no contact has yet makes a new contact",
    )
    subject = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Request")

    field_order = ["requester_email", "subject", "body", "priority", "ticket_type", "team"]

    def clean_requester_email(self) -> str:
        """Checked here too, by the contacts' normaliser, so a bad address is named along with
        the other fields' errors."""
        try:
            return email_normalise(self.cleaned_data["requester_email"])
        except ServiceValidationError as exc:
            raise forms.ValidationError(exc.errors[0].message) from exc

    def service_data(self, names: list[str] | None = None) -> dict[str, Any]:
        data = super().service_data(
            ["priority", "ticket_type", "assignee", "team", "tags", "subject", "body"]
        )
        data["channel"] = "phone"
        return data

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        add_service_errors(
            self,
            exc,
            {
                "requester_id": "requester_email",
                "file": "attachments",
                **{v: k for k, v in self.SERVICE_NAMES.items()},
            },
        )


def _root_cause_field(**attrs: str) -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=100,
        label="Root cause",
        widget=forms.TextInput(attrs={"list": "root-causes", "autocomplete": "off", **attrs}),
        help_text="For complaints: pick a cause used before, or name a new one",
    )


def _resolution_field(**attrs: str) -> forms.CharField:
    return forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3, **attrs})
    )


class TicketEditForm(TicketFieldsForm):
    """The ticket page's side panel."""

    status = forms.ChoiceField(choices=TicketStatus.choices)
    # Search as you type: the box asks for matching products (htmx) and offers them in a
    # datalist; without scripts it is a plain box taking a name or SKU.
    product = forms.CharField(
        required=False,
        max_length=300,
        widget=forms.TextInput(
            attrs={
                "list": "product-options",
                "autocomplete": "off",
                "placeholder": "Type a name or SKU",
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#product-options",
                "hx-sync": "this:replace",
            }
        ),
    )
    root_cause = _root_cause_field()
    resolution = _resolution_field()

    field_order = ["status", "priority", "assignee", "team", "ticket_type", "tags", "product"]
    SERVICE_NAMES = {**TicketFieldsForm.SERVICE_NAMES, "product": "product_id"}

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, workspace=workspace, **kwargs)
        self.fields["product"].widget.attrs["hx-get"] = reverse("service:product_options")

    def clean_product(self) -> int | None:
        text = self.cleaned_data["product"]
        if not text:
            return None
        found = products_named(text=text, keep_id=self.initial.get("product_id"))
        if not found:
            raise forms.ValidationError(
                f"No active product is called “{text}”: type part of its name or SKU and "
                "pick one of those offered."
            )
        if len(found) > 1:
            raise forms.ValidationError(
                f"Several products are called “{text}”: pick one of those offered (with its SKU)."
            )
        return found[0].pk

    @staticmethod
    def initial_for(ticket: Ticket) -> dict[str, Any]:
        return {
            "product_id": ticket.product_id,  # not a field: the one product kept though retired
            "status": ticket.status,
            "priority": ticket.priority,
            "ticket_type": ticket.ticket_type,
            "assignee": ticket.assignee_id,
            "team": ticket.team_id,
            "tags": [t.name for t in ticket.tags.all()],
            "product": str(ticket.product) if ticket.product else "",
            "root_cause": ticket.root_cause,
            "resolution": ticket.resolution,
        }

    def changed_service_data(self) -> dict[str, Any]:
        """Only what the agent changed, so an untouched field is neither re-validated nor
        audited again."""
        names = [n for n in self.changed_data if n != "status"]
        return self.service_data(names)


# What an agent may move a ticket to as they send: the statuses a conversation leads to.
STATUS_AFTER_REPLY = [("", "Keep the status")] + [
    (s.value, f"Set to {s.label}")
    for s in (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED)
]


class ReplyForm(AttachmentsForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Message")
    kind = forms.ChoiceField(
        choices=MessageKind.choices, initial=MessageKind.PUBLIC, widget=forms.RadioSelect
    )
    set_status = forms.ChoiceField(
        required=False, choices=STATUS_AFTER_REPLY, label="After sending"
    )
    # Shown for a complaint that still lacks them, so it can be solved with the answer (ids
    # apart from the side panel's fields of the same names).
    root_cause = _root_cause_field(id="reply_root_cause")
    resolution = _resolution_field(id="reply_resolution")
    field_order = ["body", "kind", "set_status", "attachments"]
    ERROR_FIELDS = {**AttachmentsForm.ERROR_FIELDS, "status": "set_status"}

    @staticmethod
    def initial_for(ticket: Ticket) -> dict[str, Any]:
        return {"root_cause": ticket.root_cause, "resolution": ticket.resolution}

    def outcome_fields(self) -> list[forms.BoundField]:
        return [self["root_cause"], self["resolution"]]

    def outcome_changes(self, ticket: Ticket) -> dict[str, Any]:
        """The complaint's root cause and resolution as typed here, where they say something
        new (an empty box never clears what the side panel saved)."""
        return {
            name: value
            for name in ("root_cause", "resolution")
            if (value := self.cleaned_data.get(name)) and value != getattr(ticket, name)
        }


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=200)
    body_markdown = forms.CharField(
        required=False,
        label="Text (Markdown)",
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
    )
    status = forms.ChoiceField(choices=ArticleStatus.choices, initial=ArticleStatus.DRAFT)
    visibility = forms.ChoiceField(
        choices=ArticleVisibility.choices, initial=ArticleVisibility.INTERNAL
    )
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", "No category"),
            *((c.pk, c.name) for c in category_list()),
        ]

    def service_data(self) -> dict[str, Any]:
        data = {k: self.cleaned_data[k] for k in ("title", "body_markdown", "status", "visibility")}
        data["category_id"] = self.cleaned_data["category"]
        return data

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        add_service_errors(self, exc, {"category_id": "category"})


class ArticleListForm(forms.Form):
    """The knowledge base list's query string; a bad value is reported and the rest apply."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ArticleStatus.choices])
    visibility = forms.ChoiceField(
        required=False, choices=[("", "Any visibility"), *ArticleVisibility.choices]
    )
    category: forms.ModelChoiceField[Category] = forms.ModelChoiceField(
        required=False, queryset=None, empty_label="Any category"
    )
    cursor = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = category_list()  # type: ignore[attr-defined]
