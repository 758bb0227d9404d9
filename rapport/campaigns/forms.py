from typing import Any

from django import forms

from rapport.campaigns.models import Campaign, EmailTemplate
from rapport.campaigns.queries import template_list
from rapport.core.errors import ServiceValidationError
from rapport.marketing.queries import segment_list, static_list_list
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
    segment = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Send to segment"
    )
    static_list = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="…or to list"
    )
    scheduled_at = forms.DateTimeField(
        required=False,
        label="Send at",
        help_text="empty: when you press Send",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    currency = forms.CharField(max_length=3, required=False, help_text="of budget and cost")
    budget = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0)
    cost = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: dict[str, list[tuple[Any, str]]] = {
            # No template picked for you: the first by name is rarely the one meant.
            "template": [("", "Choose a template"), *((t.pk, t.name) for t in template_list())],
            "segment": [("", "—"), *((x.pk, x.name) for x in segment_list())],
            "static_list": [("", "—"), *((x.pk, x.name) for x in static_list_list())],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options

    @classmethod
    def of(cls, campaign: Campaign) -> "CampaignForm":
        links = ("template", "segment", "static_list")
        initial = {n: getattr(campaign, n) for n in cls.base_fields if n not in links}
        return cls(initial={**initial, **{n: getattr(campaign, f"{n}_id") for n in links}})

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for link in ("template", "segment", "static_list"):
            data[f"{link}_id"] = data.pop(link)
        if not data["currency"]:
            del data["currency"]
        return data

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        names = {"template_id": "template", "segment_id": "segment"}
        add_service_errors(self, exc, {**names, "static_list_id": "static_list"})
