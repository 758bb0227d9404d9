from typing import Any

from django import forms

from rapport.campaigns.models import Campaign, EmailTemplate
from rapport.campaigns.queries import template_list
from rapport.core.errors import ServiceValidationError
from rapport.web.forms import add_service_errors


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=120)
    subject = forms.CharField(
        max_length=250, help_text="e.g. News for {{ contact.company or 'you' }}"
    )
    body_html = forms.CharField(
        required=False,
        label="HTML body",
        widget=forms.Textarea(attrs={"rows": 14, "class": "mono"}),
    )
    body_text = forms.CharField(
        required=False, label="Text body", widget=forms.Textarea(attrs={"rows": 6, "class": "mono"})
    )

    @classmethod
    def of(cls, template: EmailTemplate) -> "TemplateForm":
        return cls(initial={n: getattr(template, n) for n in cls.base_fields})

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        add_service_errors(self, exc)


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=150)
    template = forms.TypedChoiceField(coerce=int)
    from_email = forms.EmailField(required=False, label="From address")
    currency = forms.CharField(max_length=3, required=False, help_text="of budget and cost")
    budget = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0)
    cost = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t.pk, t.name) for t in template_list()]  # type: ignore[attr-defined]

    @classmethod
    def of(cls, campaign: Campaign) -> "CampaignForm":
        initial = {n: getattr(campaign, n) for n in cls.base_fields if n != "template"}
        return cls(initial={**initial, "template": campaign.template_id})

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["template_id"] = data.pop("template")
        if not data["currency"]:
            del data["currency"]
        return data

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        add_service_errors(self, exc, {"template_id": "template"})
