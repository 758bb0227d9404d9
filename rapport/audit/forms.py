"""The audit log's filters: who, what kind of record, which action, which door, which days."""

from typing import Any, cast

from django import forms

from rapport.audit.context import SOURCES
from rapport.audit.models import AuditAction
from rapport.audit.queries import AuditFilter, audited_entities
from rapport.core.days import utc_day_range

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class AuditFilterForm(forms.Form):
    actor = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Who")
    entity = forms.ChoiceField(required=False, label="Record type")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditAction.choices], label="Action"
    )
    source = forms.ChoiceField(
        required=False, choices=[("", "Any door"), *((s, s) for s in SOURCES)], label="Via"
    )
    at_from = forms.DateField(required=False, widget=DATE_INPUT, label="From")
    at_to = forms.DateField(required=False, widget=DATE_INPUT, label="To")
    cursor = forms.CharField(required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["actor"]).choices = [("", "Anyone"), *members]
        entities = [("", "Any record"), *audited_entities()]
        cast(forms.ChoiceField, self.fields["entity"]).choices = entities

    def audit_filter(self) -> AuditFilter:
        data = self.cleaned_data
        after, before = utc_day_range(data.get("at_from"), data.get("at_to"))
        return AuditFilter(
            actor_id=data.get("actor"),
            entity=data.get("entity") or "",
            action=data.get("action") or "",
            source=data.get("source") or "",
            at_after=after,
            at_before=before,
        )
