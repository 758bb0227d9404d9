"""UI forms for deals, leads, web forms and the forecast page.

As with contacts, the forms only translate between HTML inputs and the services' `data`
dicts; the services validate values, and the views put their errors back on these fields.
"""

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.db.models import Model

from rapport.activities.models import ActivityKind
from rapport.campaigns.models import Campaign
from rapport.contacts.forms import MemberChoiceField, companies_named, members_of, user_label
from rapport.core.days import utc_day_range
from rapport.core.errors import ServiceValidationError
from rapport.marketing.models import StaticList
from rapport.sales.leads import SETTABLE_STATUSES
from rapport.sales.models import (
    ContactRole,
    Deal,
    ForecastCategory,
    Lead,
    LeadStatus,
    OrderChannel,
    OrderStatus,
    Pipeline,
    Product,
    ScoringOperator,
    ScoringTarget,
    Stage,
    StageOutcome,
)
from rapport.sales.queries import DEAL_SORTS, DealFilter, LeadFilter, OrderFilter
from rapport.sales.scoring import FIT_FIELDS
from rapport.tenancy.models import Workspace
from rapport.web.forms import LinesField, add_service_errors

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
DECIMAL_INPUT = forms.TextInput(attrs={"inputmode": "decimal"})


def stage_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Stages grouped by pipeline, for a select with one optgroup per pipeline."""
    groups: dict[Pipeline, list[tuple[int, str]]] = {}
    for stage in Stage.objects.select_related("pipeline").order_by(
        "pipeline__position", "pipeline_id", "position", "id"
    ):
        groups.setdefault(stage.pipeline, []).append((stage.pk, stage.name))
    return [(p.name, stages) for p, stages in groups.items()]


def campaign_choice(help_text: str) -> forms.ModelChoiceField:
    """A campaign of the form's workspace (ServiceForm sets the choices), or none."""
    return forms.ModelChoiceField(
        queryset=Campaign.objects.none(),
        required=False,
        empty_label="No campaign",
        help_text=help_text,
    )


class ServiceForm(forms.Form):
    """A form whose fields map onto a service's `data` keys, shown whole or one field at a
    time (`only=[name]`, the inline edit of a detail page)."""

    service_names: ClassVar[dict[str, str]] = {}
    inline_fields: ClassVar[list[str]] = []

    def __init__(
        self,
        data: Any = None,
        *,
        workspace: Workspace,
        instance: Model | None = None,
        only: list[str] | None = None,
    ) -> None:
        self.workspace = workspace
        self.instance = instance
        super().__init__(data, initial=self.initial_from(instance) if instance else None)
        if "owner" in self.fields:
            self.fields["owner"].queryset = members_of(workspace)  # type: ignore[attr-defined]
        if "campaign" in self.fields:
            campaigns = Campaign.objects.filter(workspace=workspace).order_by("-created_at", "-id")
            self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
        self.setup()
        if only is not None:
            self.fields = {name: self.fields[name] for name in only if name in self.fields}

    def setup(self) -> None:
        """Choices that come from the database, set per instance."""

    def initial_from(self, instance: Any) -> dict[str, Any]:
        initial = {n: getattr(instance, n) for n in self.base_fields if hasattr(instance, n)}
        if "owner" in self.base_fields:
            initial["owner"] = instance.owner_id
        return initial

    def service_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if isinstance(value, Model):
                value = value.pk
            data[self.service_names.get(name, name)] = value
        return data

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        add_service_errors(self, exc, {v: k for k, v in self.service_names.items()})

    def display(self, name: str) -> str:
        custom = getattr(self, f"display_{name}", None)
        if custom is not None:
            return str(custom())
        field, value = self.fields[name], self.initial.get(name)
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            return str(dict(field.choices).get(value, value) or "")  # type: ignore[arg-type]
        if isinstance(value, dt.date):
            return value.strftime("%b %-d, %Y")
        return "" if value is None else str(value)

    def display_owner(self) -> str:
        return user_label(getattr(self.instance, "owner", None))

    def detail_rows(self) -> list[dict[str, Any]]:
        return [
            {"name": n, "label": self[n].label, "value": self.display(n)}
            for n in self.inline_fields
            if n in self.fields
        ]


class DealForm(ServiceForm):
    service_names = {
        "owner": "owner_id",
        "company": "company_id",
        "stage": "stage_id",
        "campaign": "campaign_id",
    }
    inline_fields = [
        "name",
        "amount",
        "currency",
        "stage",
        "expected_close_date",
        "owner",
        "company",
        "forecast_category",
        "next_step",
        "lost_reason",
        "campaign",
    ]

    name = forms.CharField(required=False, max_length=200)
    amount = forms.CharField(required=False, widget=DECIMAL_INPUT)
    currency = forms.CharField(required=False, max_length=3, help_text="ISO code, e.g. USD")
    stage = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Pipeline stage"
    )
    expected_close_date = forms.DateField(required=False, label="Expected close", widget=DATE_INPUT)
    owner = MemberChoiceField(queryset=None, required=False, empty_label="No owner")
    company = forms.CharField(required=False, help_text="Company name")
    forecast_category = forms.ChoiceField(
        choices=ForecastCategory.choices, initial=ForecastCategory.PIPELINE, label="Forecast"
    )
    next_step = forms.CharField(required=False, max_length=200)
    lost_reason = forms.CharField(required=False, max_length=200)
    campaign = campaign_choice("The campaign that sourced or touched the deal")

    def setup(self) -> None:
        self.fields["stage"].choices = stage_choices()  # type: ignore[attr-defined]
        if self.instance is None:
            self.fields["currency"].initial = self.workspace.base_currency

    def initial_from(self, instance: Any) -> dict[str, Any]:
        initial = super().initial_from(instance)
        initial["stage"] = instance.stage_id
        initial["company"] = instance.company.name if instance.company else ""
        initial["amount"] = f"{instance.amount:.2f}"
        return initial

    def clean_company(self) -> int | None:
        name = self.cleaned_data["company"].strip()
        if not name:
            return None
        ids, _ = companies_named([name])
        if not ids:
            raise forms.ValidationError(f"No company named {name!r}: create it first.")
        return ids[0]

    def clean_amount(self) -> str | None:
        return self.cleaned_data["amount"].strip().replace(",", "") or None

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        if data.get("amount") is None:
            data.pop("amount", None)
        stage_id = data.get("stage_id")
        if stage_id is None:
            data.pop("stage_id", None)
        else:
            pipeline_id = Stage.objects.filter(pk=stage_id).values_list("pipeline_id", flat=True)
            data["pipeline_id"] = pipeline_id.first()
        return data

    def display_amount(self) -> str:
        return f"{self.instance.amount:,.2f}"  # type: ignore[union-attr]

    def display_stage(self) -> str:
        deal: Deal = self.instance  # type: ignore[assignment]
        return f"{deal.pipeline.name} · {deal.stage.name}"

    def display_company(self) -> str:
        return str(self.initial.get("company") or "")


class LeadForm(ServiceForm):
    service_names = {"owner": "owner_id", "campaign": "campaign_id"}
    inline_fields = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "company_name",
        "domain",
        "source",
        "campaign",
        "status",
        "owner",
        "message",
    ]

    first_name = forms.CharField(required=False)
    last_name = forms.CharField(required=False)
    email = forms.CharField(required=False, widget=forms.EmailInput)
    phone = forms.CharField(required=False)
    job_title = forms.CharField(required=False)
    company_name = forms.CharField(required=False, label="Company")
    domain = forms.CharField(required=False, help_text="e.g. example.com")
    source = forms.CharField(required=False, help_text="e.g. web form, referral, event")
    campaign = campaign_choice("The campaign that brought the lead in")
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in SETTABLE_STATUSES], initial=LeadStatus.NEW
    )
    owner = MemberChoiceField(queryset=None, required=False, empty_label="No owner")
    message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def display_status(self) -> str:
        """Converted and disqualified are not offered as choices, yet must read as words."""
        lead: Lead = self.instance  # type: ignore[assignment]
        return lead.get_status_display()

    def display_campaign(self) -> str:
        lead: Lead = self.instance  # type: ignore[assignment]
        if lead.campaign is None and lead.campaign_name:
            return f"{lead.campaign_name} (not linked: no campaign of that name)"
        return lead.campaign_label

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        if self.instance is not None and data.get("status") == self.instance.status:  # type: ignore[attr-defined]
            data.pop("status")  # unchanged; a converted lead keeps a status not settable by hand
        return data


class DisqualifyForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why is this lead disqualified?")


class ConvertForm(forms.Form):
    with_deal = forms.BooleanField(required=False, initial=True, label="Create a deal")
    deal_name = forms.CharField(required=False, max_length=200, label="Deal name")
    amount = forms.CharField(required=False, widget=DECIMAL_INPUT)
    currency = forms.CharField(required=False, max_length=3)
    pipeline = forms.ModelChoiceField(queryset=Pipeline.objects.none(), required=False)
    expected_close_date = forms.DateField(required=False, label="Expected close", widget=DATE_INPUT)

    def __init__(self, data: Any = None, *, workspace: Workspace) -> None:
        super().__init__(data, initial={"currency": workspace.base_currency})
        self.fields["pipeline"].queryset = Pipeline.objects.order_by("position", "id")  # type: ignore[attr-defined]
        self.fields["pipeline"].empty_label = None  # type: ignore[attr-defined]

    def deal_data(self) -> dict[str, Any] | None:
        """The deal part of `lead_convert`, or None for a conversion without a deal."""
        data = self.cleaned_data
        if not data.get("with_deal"):
            return None
        deal: dict[str, Any] = {}
        if data.get("deal_name"):
            deal["name"] = data["deal_name"]
        if data.get("amount"):
            deal["amount"] = data["amount"].strip().replace(",", "")
        if data.get("currency"):
            deal["currency"] = data["currency"]
        if data.get("pipeline"):
            deal["pipeline_id"] = data["pipeline"].pk
        if data.get("expected_close_date"):
            deal["expected_close_date"] = data["expected_close_date"]
        return deal

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        add_service_errors(self, exc, {"pipeline_id": "pipeline", "name": "deal_name"})


class DealContactForm(forms.Form):
    email = forms.EmailField(label="Contact's email")
    role = forms.ChoiceField(choices=[("", "No role"), *ContactRole.choices], required=False)


class DealLineForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), empty_label=None)
    quantity = forms.DecimalField(min_value=0, decimal_places=3, initial=1)

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        self.fields["product"].queryset = Product.objects.filter(active=True)  # type: ignore[attr-defined]


class WebFormSubscriptionForm(forms.Form):
    """Which list a web form's submissions ask to join, and whether the address confirms."""

    static_list = forms.ModelChoiceField(
        queryset=StaticList.objects.none(),
        required=False,
        label="Subscribe to list",
        empty_label="No list",
        help_text="A submission with an email asks to join this list",
    )
    double_opt_in = forms.BooleanField(
        required=False,
        initial=True,
        label="Double opt-in: join only after confirming from the email we send",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["static_list"].queryset = StaticList.objects.order_by("name", "id")  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        chosen = self.cleaned_data["static_list"]
        return {
            "static_list_id": chosen.pk if chosen else None,
            "double_opt_in": self.cleaned_data["double_opt_in"],
        }


class WebFormForm(WebFormSubscriptionForm):
    name = forms.CharField(max_length=100, required=False)
    allowed_origins = LinesField(
        required=False,
        label="Allowed sites",
        help_text="Origins that may post the form, one per line, e.g. https://example.com",
    )
    field_order = ["name", "allowed_origins", "static_list", "double_opt_in"]


# --- list filters ---------------------------------------------------------------------------


class DealFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Deal name")
    pipeline = forms.IntegerField(required=False)
    stage = forms.IntegerField(required=False)
    owner = forms.IntegerField(required=False)
    campaign = forms.IntegerField(required=False)
    outcome = forms.ChoiceField(
        required=False, choices=[("", "Any outcome"), *StageOutcome.choices]
    )
    close_from = forms.DateField(required=False, widget=DATE_INPUT)
    close_to = forms.DateField(required=False, widget=DATE_INPUT)
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in DEAL_SORTS])
    cursor = forms.CharField(required=False)

    def deal_filter(self) -> DealFilter:
        data = self.cleaned_data
        to = data.get("close_to")
        return DealFilter(
            q=data.get("q") or "",
            pipeline_id=data.get("pipeline"),
            stage_id=data.get("stage"),
            owner_id=data.get("owner"),
            campaign_id=data.get("campaign"),
            outcome=data.get("outcome") or "",
            expected_close_after=data.get("close_from"),
            # The form's range includes its last day; the query's excludes it.
            expected_close_before=to + dt.timedelta(days=1) if to else None,
        )


class OrderFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=255, label="Order number")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *OrderStatus.choices])
    channel = forms.ChoiceField(
        required=False, choices=[("", "Any channel"), *OrderChannel.choices]
    )
    ordered_from = forms.DateField(required=False, widget=DATE_INPUT, label="Ordered from")
    ordered_to = forms.DateField(required=False, widget=DATE_INPUT, label="Ordered to")
    # Not on the page: the API list's own filters, which exports of orders also take.
    contact_id = forms.IntegerField(required=False)
    company_id = forms.IntegerField(required=False)
    external_id = forms.CharField(required=False, max_length=255)
    cursor = forms.CharField(required=False)

    def order_filter(self) -> OrderFilter:
        data = self.cleaned_data
        after, before = utc_day_range(data.get("ordered_from"), data.get("ordered_to"))
        return OrderFilter(
            q=data.get("q") or "",
            contact_id=data.get("contact_id"),
            company_id=data.get("company_id"),
            external_id=data.get("external_id") or "",
            status=data.get("status") or "",
            channel=data.get("channel") or "",
            ordered_after=after,
            ordered_before=before,
        )


class LeadFilterForm(forms.Form):
    q = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *LeadStatus.choices])
    source = forms.CharField(required=False)
    owner = forms.IntegerField(required=False)
    cursor = forms.CharField(required=False)

    def lead_filter(self) -> LeadFilter:
        data = self.cleaned_data
        return LeadFilter(
            status=data.get("status") or "",
            owner_id=data.get("owner"),
            source=data.get("source") or "",
            q=data.get("q") or "",
        )


class ForecastForm(forms.Form):
    granularity = forms.ChoiceField(
        required=False, choices=[("month", "Months"), ("quarter", "Quarters")]
    )
    owner = forms.IntegerField(required=False)

    def value(self, name: str, default: Any = None) -> Any:
        return (self.cleaned_data.get(name) if self.is_valid() else None) or default


# --- catalogue and settings -----------------------------------------------------------------


def _parse_stage(line: str) -> dict[str, Any]:
    """`Proposal, 50` or `Closed won, won` or `Closed lost, lost`."""
    name, _, rest = (part.strip() for part in line.partition(","))
    rest = rest.lower()
    if rest in ("won", "lost"):
        return {"name": name, "outcome": rest}
    return {"name": name, "probability": rest or "0"}


class PipelineForm(forms.Form):
    name = forms.CharField(max_length=100, required=False)
    stages = LinesField(
        required=False,
        label="Stages",
        help_text="One per line, in order: “Name, probability %” for open stages, "
        "“Name, won” and “Name, lost” for the closing ones",
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def stage_data(self) -> list[dict[str, Any]]:
        return [_parse_stage(line) for line in self.cleaned_data["stages"]]


def _parse_price(line: str) -> tuple[str, str]:
    """`USD 49.00` (or `49.00 USD`)."""
    first, _, second = line.strip().partition(" ")
    return (first, second.strip()) if first.isalpha() else (second.strip(), first)


class ProductForm(forms.Form):
    sku = forms.CharField(max_length=64, required=False, label="SKU")
    name = forms.CharField(max_length=200, required=False)
    prices = LinesField(required=False, help_text="One per line, e.g. “USD 49.00”")

    def product_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "sku": data["sku"],
            "name": data["name"],
            "prices": dict(_parse_price(line) for line in data["prices"]),
        }


class ScoringRuleForm(forms.Form):
    """One rule: a fit rule names a field, an operator and a value; an engagement rule (for
    contacts) names an activity kind and a window."""

    target = forms.ChoiceField(choices=ScoringTarget.choices)
    field = forms.ChoiceField(
        required=False,
        choices=[
            ("", "—"),
            *sorted({(f, f.replace("_", " ")) for fields in FIT_FIELDS.values() for f in fields}),
        ],
        help_text="fit rules",
    )
    operator = forms.ChoiceField(required=False, choices=[("", "—"), *ScoringOperator.choices])
    value = forms.CharField(required=False, max_length=200)
    activity_kind = forms.ChoiceField(
        required=False,
        label="Activity",
        choices=[("", "—"), ("any", "Any activity"), *ActivityKind.choices],
        help_text="engagement rules (contacts)",
    )
    window_days = forms.IntegerField(required=False, label="Within (days)")
    max_points = forms.IntegerField(required=False, label="At most (points)")
    points = forms.IntegerField(required=False)

    def rule_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class ThresholdForm(forms.Form):
    mql_threshold = forms.IntegerField(label="Marketing-qualified at score")
