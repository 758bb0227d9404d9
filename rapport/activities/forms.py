"""UI forms for activities: the quick-add forms of the timeline and the in-place edit form."""

from typing import Any, ClassVar

from django import forms
from django.db.models import Model

from rapport.activities.links import link_type_for
from rapport.activities.models import Activity, ActivityKind, CallOutcome, Direction
from rapport.contacts.forms import MemberChoiceField, members_of
from rapport.core.errors import ServiceValidationError
from rapport.tenancy.models import Workspace
from rapport.web.forms import add_service_errors

QUICK_ADD_KINDS = [
    ActivityKind.NOTE,
    ActivityKind.CALL,
    ActivityKind.EMAIL,
    ActivityKind.MEETING,
    ActivityKind.TASK,
]


class ActivityForm(forms.Form):
    """The fields a kind of activity has; `service_data` gives what the services take."""

    KIND_FIELDS: ClassVar[dict[str, list[str]]] = {
        ActivityKind.NOTE: ["body"],
        ActivityKind.CALL: ["direction", "outcome", "duration_minutes", "body"],
        ActivityKind.TASK: ["subject", "due_at", "assignee", "body"],
        ActivityKind.EMAIL: ["subject", "direction", "body"],
        ActivityKind.MEETING: ["subject", "starts_at", "ends_at", "attendees", "body"],
    }
    LABELS: ClassVar[dict[str, str]] = {
        ActivityKind.NOTE: "Add note",
        ActivityKind.CALL: "Log call",
        ActivityKind.EMAIL: "Log email",
        ActivityKind.MEETING: "Add meeting",
        ActivityKind.TASK: "Add task",
    }
    # The subject's label and prompt where the kind calls it something else.
    SUBJECTS: ClassVar[dict[str, tuple[str, str]]] = {
        ActivityKind.TASK: ("Task", "What needs doing?"),
        ActivityKind.EMAIL: ("Subject", "What the email was about"),
        ActivityKind.MEETING: ("Title", "What the meeting is about"),
    }

    subject = forms.CharField(required=False, max_length=200)
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Notes")
    direction = forms.ChoiceField(choices=Direction.choices, required=False)
    outcome = forms.ChoiceField(choices=CallOutcome.choices, required=False)
    duration_minutes = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1440,
        label="Minutes",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    due_at = forms.DateTimeField(
        required=False, label="Due", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    starts_at = forms.DateTimeField(
        required=False, label="Starts", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        required=False, label="Ends", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    # Names or emails, typed comma-separated; a contact's email also links the meeting to it
    # (`activities.attendees`), which the help says in the rep's words.
    attendees = forms.CharField(
        required=False,
        max_length=2000,
        help_text=(
            "Names or emails, separated by commas. Attendees who are contacts (by email) get "
            "the meeting on their timeline."
        ),
    )
    assignee = MemberChoiceField(queryset=None, required=False, empty_label="Me")

    def __init__(
        self,
        data: Any = None,
        *,
        kind: str,
        workspace: Workspace,
        instance: Activity | None = None,
        user: Any = None,
    ) -> None:
        """`user`, on a new task, is the one "Me" stands for: their name is not offered again.
        On an edit the empty choice is no one, not the editor."""
        self.kind = kind
        self.instance = instance
        super().__init__(
            data, initial=self._initial(instance), prefix=kind if not instance else None
        )
        members = members_of(workspace)
        assignee = self.fields["assignee"]
        if instance is not None:
            assignee.empty_label = "Unassigned"  # type: ignore[attr-defined]
        elif user is not None:
            members = members.exclude(pk=user.pk)
        assignee.queryset = members  # type: ignore[attr-defined]
        self.fields = {n: self.fields[n] for n in self.KIND_FIELDS[kind]}
        if kind == ActivityKind.NOTE:
            self.fields["body"].label = "Note"
            self.fields["body"].widget.attrs["placeholder"] = "Write a note…"
        if kind in self.SUBJECTS:
            label, placeholder = self.SUBJECTS[kind]
            self.fields["subject"].label = label
            self.fields["subject"].widget.attrs["placeholder"] = placeholder
        if kind == ActivityKind.EMAIL:
            self.fields["subject"].required = True  # a logged email is found by its subject
        if kind == ActivityKind.MEETING:
            self.fields["starts_at"].required = True

    @staticmethod
    def _initial(instance: Activity | None) -> dict[str, Any] | None:
        if instance is None:
            return None
        initial = {
            n: getattr(instance, n)
            for n in ("subject", "body", "direction", "outcome", "due_at", "starts_at", "ends_at")
        }
        initial["assignee"] = instance.assignee_id
        initial["attendees"] = ", ".join(instance.attendees)
        if instance.duration_seconds is not None:
            initial["duration_minutes"] = instance.duration_seconds // 60
        return initial

    @property
    def label(self) -> str:
        return self.LABELS.get(self.kind, "Save")

    def service_data(self, *, record: Model | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if name == "duration_minutes":
                data["duration_seconds"] = None if value is None else value * 60
            elif name == "attendees":
                data["attendees"] = [a.strip() for a in (value or "").split(",") if a.strip()]
            elif name == "assignee":
                if value is not None or self.instance is not None:
                    data["assignee_id"] = value.pk if value else None
            else:
                data[name] = value
        if self.instance is None:
            data["kind"] = self.kind
            if record is not None:
                data[link_type_for(record).key] = [record.pk]
        return data

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        add_service_errors(
            self, exc, {"duration_seconds": "duration_minutes", "assignee_id": "assignee"}
        )


def quick_add_forms(*, workspace: Workspace, record: Model, user: Any = None) -> list[ActivityForm]:
    return [ActivityForm(kind=k, workspace=workspace, user=user) for k in QUICK_ADD_KINDS]
