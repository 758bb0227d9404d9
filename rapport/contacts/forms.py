"""UI forms for contacts and companies, their list filters, and saved views.

The forms only translate between HTML inputs and the services' `data` dicts; validation of
values (emails, phones, custom fields, ...) stays in the services, whose errors the views put
back on these fields. One `RecordForm` base serves the full create/edit page and the inline
edit of a single field (`only=[name]`) on the detail page.
"""

import datetime as dt
import re
from typing import Any, ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.forms.utils import pretty_name

from rapport.contacts.models import (
    Company,
    CustomFieldDefinition,
    CustomFieldEntity,
    CustomFieldType,
    LifecycleStage,
    PhoneKind,
    PreferredChannel,
    SizeBand,
)
from rapport.contacts.normalise import phone_display, search_key
from rapport.contacts.queries import RecordFilter
from rapport.core.errors import ServiceValidationError
from rapport.tenancy.models import Workspace
from rapport.web.forms import CommaListField, LinesField, add_service_errors

YES_NO = [("", "—"), ("true", "Yes"), ("false", "No")]


def members_of(workspace: Workspace) -> QuerySet[Any]:
    """The users who may own records here: the workspace's members, never anyone else."""
    return (
        get_user_model()
        .objects.filter(memberships__workspace=workspace, is_active=True)
        .order_by("first_name", "last_name", "username")
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Model) -> str:
        return user_label(obj)


def user_label(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def custom_form_field(definition: CustomFieldDefinition) -> forms.Field:
    """An input for a custom field; the service validates the value against the definition."""
    label = definition.label
    kind = definition.field_type
    if kind == CustomFieldType.DATE:
        return forms.DateField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    if kind == CustomFieldType.BOOLEAN:
        return forms.ChoiceField(label=label, required=False, choices=YES_NO)
    if kind == CustomFieldType.CHOICE:
        options = [("", "—"), *((c, c) for c in definition.choices)]
        return forms.ChoiceField(label=label, required=False, choices=options)
    if kind == CustomFieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            label=label,
            required=False,
            choices=[(c, c) for c in definition.choices],
            widget=forms.CheckboxSelectMultiple,
        )
    input_types: dict[str, str] = {CustomFieldType.URL: "url", CustomFieldType.EMAIL: "email"}
    input_type = input_types.get(kind, "text")
    mode = "decimal" if kind in (CustomFieldType.NUMBER, CustomFieldType.DECIMAL) else None
    attrs = {"type": input_type, **({"inputmode": mode} if mode else {})}
    return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=attrs))


def custom_display(definition: CustomFieldDefinition, value: Any) -> str:
    if value in (None, "", []):
        return ""
    if definition.field_type == CustomFieldType.BOOLEAN:
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


class RecordForm(forms.Form):
    """Fields common to contacts and companies; subclasses add their own and their mappings."""

    entity: ClassVar[str]
    # Form field → service field, where the names differ.
    service_names: ClassVar[dict[str, str]] = {"owner": "owner_id"}
    # Service fields whose errors belong on a form field of another name, besides those above.
    error_fields: ClassVar[dict[str, str]] = {}
    # Fields the detail page shows and lets the user edit in place, in order: its Details card
    # (then the custom fields), and each further card's title and fields.
    inline_fields: ClassVar[list[str]] = []
    ADDRESS: ClassVar[list[str]] = ["street", "city", "region", "postal_code", "country"]
    inline_sections: ClassVar[list[tuple[str, list[str]]]] = [("Address", ADDRESS)]

    owner = MemberChoiceField(queryset=None, required=False, empty_label="No owner")
    tags = CommaListField(label="Tags", required=False, help_text="Comma-separated")
    street = forms.CharField(required=False)
    city = forms.CharField(required=False)
    region = forms.CharField(required=False, label="State / region")
    postal_code = forms.CharField(required=False)
    country = forms.CharField(
        required=False,
        max_length=2,
        help_text="Two letters, e.g. US",
        widget=forms.TextInput(attrs={"size": 2, "autocapitalize": "characters"}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        workspace: Workspace,
        instance: Model | None = None,
        definitions: list[CustomFieldDefinition] | None = None,
        only: list[str] | None = None,
    ) -> None:
        self.workspace = workspace
        self.instance = instance
        if definitions is None:
            definitions = list(CustomFieldDefinition.objects.filter(entity=self.entity))
        self.definitions = {f"cf_{d.key}": d for d in definitions}
        super().__init__(data, initial=self.initial_from(instance) if instance else None)
        self.fields["owner"].queryset = members_of(workspace)  # type: ignore[attr-defined]
        for name, definition in self.definitions.items():
            self.fields[name] = custom_form_field(definition)
        if only is not None:
            self.fields = {name: self.fields[name] for name in only if name in self.fields}

    # --- from a record to the inputs --------------------------------------------------------

    def initial_from(self, instance: Any) -> dict[str, Any]:
        initial = {
            name: getattr(instance, name)
            for name in self.base_fields
            if hasattr(instance, name) and name not in ("owner", "tags")
        }
        initial["owner"] = instance.owner_id
        initial["tags"] = [t.name for t in instance.tags.all()]
        for key, value in (instance.custom_fields or {}).items():
            initial[f"cf_{key}"] = value
        return initial

    # --- from the inputs to a service call --------------------------------------------------

    def service_data(self) -> dict[str, Any]:
        """The `data` dict for the create/update service, for the fields this form shows and
        found right (the service then names what else is wrong)."""
        data: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for name in self.fields:
            if name in self.errors:
                continue
            value = self.cleaned_data.get(name)
            if name in self.definitions:
                custom[name[3:]] = self.custom_value(value)
            elif name == "owner":
                data["owner_id"] = value.pk if value else None
            else:
                data[self.service_names.get(name, name)] = value
        if custom:
            data["custom_fields"] = custom
        return data

    @staticmethod
    def custom_value(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if value is None:
            return ""
        return value

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        """The service's errors on their fields; one for a custom field this form does not show
        (an inline edit's one field, while a required one is empty) names it by its label."""
        names = {v: k for k, v in self.service_names.items()}
        labels = {f"custom_fields.{d.key}": d.label for d in self.definitions.values()}
        add_service_errors(self, exc, {**names, **self.error_fields}, labels)

    def field_groups(self) -> list[dict[str, Any]]:
        """The form page's sections (the record's own fields, its address, custom fields),
        each with its inputs and, apart, its checkboxes."""
        main = [n for n in self.fields if n not in self.ADDRESS and n not in self.definitions]
        groups = [
            ("Details", main),
            ("Address", [n for n in self.ADDRESS if n in self.fields]),
            ("Custom fields", [n for n in self.definitions if n in self.fields]),
        ]
        out = []
        for title, names in groups:
            bound = [self[n] for n in names]
            checks = [b for b in bound if isinstance(b.field, forms.BooleanField)]
            inputs = [b for b in bound if b not in checks]
            if bound:
                out.append({"title": title, "inputs": inputs, "checks": checks})
        return out

    # --- for the detail page ----------------------------------------------------------------

    def display(self, name: str) -> str:
        """How the record's current value of `name` reads on the detail page."""
        custom = getattr(self, f"display_{name}", None)
        if custom is not None:
            return str(custom())
        if name in self.definitions:
            value = (self.instance.custom_fields or {}).get(name[3:])  # type: ignore[union-attr]
            return custom_display(self.definitions[name], value)
        field = self.fields[name]
        value = self.initial.get(name)
        if isinstance(field, forms.BooleanField):
            return "Yes" if value else "No"
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            return str(dict(field.choices).get(value, value) or "")  # type: ignore[arg-type]
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return "" if value is None else str(value)

    def display_owner(self) -> str:
        return user_label(self.instance.owner)  # type: ignore[union-attr]

    @classmethod
    def read_only_rows(
        cls, *, instance: Model, definitions: list[CustomFieldDefinition]
    ) -> list[dict[str, Any]]:
        """`detail_rows()` of the form for `instance`, without building the form.

        A bound-for-display form copies every field (a deep copy each) and reads the
        workspace's custom fields; the detail page only reads labels and displayed values,
        so the class's own fields are read in place, the same display rules applied.
        """
        view = cls.__new__(cls)
        view.instance = instance
        view.definitions = {f"cf_{d.key}": d for d in definitions}
        view.fields = {
            **cls.base_fields,
            **{name: custom_form_field(d) for name, d in view.definitions.items()},
        }
        view.initial = view.initial_from(instance)
        return [
            {
                "name": n,
                "label": view.fields[n].label or pretty_name(n),
                "value": view.display(n),
                "section": section,
            }
            for n, section in view.inline_names()
            if n in view.fields
        ]

    def detail_rows(self) -> list[dict[str, Any]]:
        return [
            {"name": n, "label": self[n].label, "value": self.display(n), "section": section}
            for n, section in self.inline_names()
            if n in self.fields
        ]

    def inline_names(self) -> list[tuple[str, str]]:
        """Each field the detail page edits in place, with the title of its card."""
        details = [(n, "Details") for n in [*self.inline_fields, *self.definitions]]
        return details + [(n, title) for title, names in self.inline_sections for n in names]


def companies_named(names: list[str]) -> tuple[list[int], list[str]]:
    """Ids of the companies with these names (case- and accent-insensitive), and the unknown."""
    keys = {search_key(n): n for n in names}
    found: dict[str, int] = {}
    for pk, key in Company.objects.filter(name_key__in=keys).values_list("pk", "name_key"):
        found.setdefault(key, pk)
    ids = [found[search_key(n)] for n in names if search_key(n) in found]
    return list(dict.fromkeys(ids)), [n for n in names if search_key(n) not in found]


# A phone line's kind, written before the number: "mobile: +44 7911 123456".
_KIND_PREFIX = re.compile(r"\s*([A-Za-z]+)\s*:\s*(.*)")


def phone_line(text: str, kind: str) -> str:
    """A phone as the form's phones box shows it: a work phone (the default) as its text, any
    other with its kind before it."""
    return text if kind == PhoneKind.WORK else f"{kind}: {text}"


def phone_line_read(line: str) -> tuple[str, str]:
    """The kind and the text of a line of the phones box (`phone_line`): no kind is a work
    phone. A word the kinds do not hold is given to the service, which names it."""
    prefix = _KIND_PREFIX.fullmatch(line)
    if prefix is None:
        return PhoneKind.WORK, line
    return prefix[1].lower(), prefix[2]


class ContactForm(RecordForm):
    entity = CustomFieldEntity.CONTACT
    service_names = {"owner": "owner_id", "companies": "company_ids"}
    error_fields = {"phone_kinds": "phones"}
    inline_fields = [
        "first_name",
        "last_name",
        "emails",
        "phones",
        "job_title",
        "companies",
        "lifecycle_stage",
        "owner",
        "source",
        "tags",
    ]
    inline_sections = [
        ("Communication preferences", ["preferred_channel", "do_not_email", "do_not_call"]),
        *RecordForm.inline_sections,
    ]

    first_name = forms.CharField(required=False)
    last_name = forms.CharField(required=False)
    emails = LinesField(
        required=False, label="Emails", help_text="One per line; the first is primary"
    )
    phones = LinesField(
        required=False,
        label="Phones",
        help_text="One per line; the first is primary. A kind before a number: "
        "'mobile: +44 7911 123456' (mobile, home, other; work if none)",
    )
    job_title = forms.CharField(required=False)
    companies = LinesField(
        required=False,
        label="Companies",
        help_text="Company names, one per line; the first is primary",
        widget=forms.Textarea(attrs={"rows": 2, "data-company-suggest-lines": ""}),
    )
    lifecycle_stage = forms.ChoiceField(choices=LifecycleStage.choices, initial=LifecycleStage.LEAD)
    source = forms.CharField(required=False)
    preferred_channel = forms.ChoiceField(choices=PreferredChannel.choices, required=False)
    do_not_email = forms.BooleanField(required=False, label="Do not email")
    do_not_call = forms.BooleanField(required=False, label="Do not call")

    field_order = [
        "first_name",
        "last_name",
        "emails",
        "phones",
        "job_title",
        "companies",
        "lifecycle_stage",
        "owner",
        "source",
        "tags",
        "preferred_channel",
        "do_not_email",
        "do_not_call",
    ]

    def initial_from(self, instance: Any) -> dict[str, Any]:
        initial = super().initial_from(instance)
        initial["emails"] = [e.email for e in instance.emails.all()]
        initial["phones"] = [phone_line(p.text, p.kind) for p in instance.phones.all()]
        initial["companies"] = [c.name for c in self._companies(instance)]
        return initial

    @staticmethod
    def _companies(instance: Any) -> list[Company]:
        """Linked companies, the primary one first."""
        companies = list(instance.companies.all())
        companies.sort(key=lambda c: c.pk != instance.primary_company_id)
        return companies

    def clean_companies(self) -> list[int]:
        ids, unknown = companies_named(self.cleaned_data["companies"])
        if unknown:
            raise forms.ValidationError(
                f"No company named {', '.join(repr(n) for n in unknown)}: create it first."
            )
        return ids

    def service_data(self) -> dict[str, Any]:
        """The phones box's lines as numbers and their kinds (`phone_line_read`)."""
        data = super().service_data()
        if "phones" in data:
            lines = [phone_line_read(line) for line in data["phones"]]
            data["phone_kinds"] = [kind for kind, _ in lines]
            data["phones"] = [text for _, text in lines]
        return data

    def display_phones(self) -> str:
        lines = map(phone_line_read, self.initial.get("phones", []))
        return ", ".join(
            phone_display(text) + ("" if kind == PhoneKind.WORK else f" ({kind})")
            for kind, text in lines
        )

    def display_companies(self) -> str:
        return ", ".join(self.initial.get("companies", []))

    @property
    def title(self) -> str:
        return self.instance.display_name if self.instance else ""  # type: ignore[attr-defined]


class CompanyForm(RecordForm):
    entity = CustomFieldEntity.COMPANY
    service_names = {"owner": "owner_id", "parent": "parent_id"}
    inline_fields = [
        "name",
        "domain",
        "industry",
        "size_band",
        "annual_revenue",
        "annual_revenue_currency",
        "parent",
        "owner",
        "tags",
    ]

    name = forms.CharField(required=False)
    domain = forms.CharField(required=False, help_text="e.g. example.com")
    industry = forms.CharField(required=False)
    size_band = forms.ChoiceField(choices=SizeBand.choices, required=False, label="Size")
    annual_revenue = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    annual_revenue_currency = forms.CharField(
        required=False, label="Currency", max_length=3, help_text="ISO code, e.g. USD"
    )
    parent = forms.CharField(
        required=False,
        label="Parent company",
        help_text="Company name",
        widget=forms.TextInput(attrs={"data-company-suggest": ""}),
    )

    field_order = [
        "name",
        "domain",
        "industry",
        "size_band",
        "annual_revenue",
        "annual_revenue_currency",
        "parent",
        "owner",
        "tags",
    ]

    def initial_from(self, instance: Any) -> dict[str, Any]:
        initial = super().initial_from(instance)
        initial["parent"] = instance.parent.name if instance.parent else ""
        initial["annual_revenue"] = (
            "" if instance.annual_revenue is None else str(instance.annual_revenue)
        )
        return initial

    def clean_parent(self) -> int | None:
        name = self.cleaned_data["parent"].strip()
        if not name:
            return None
        ids, _ = companies_named([name])
        if not ids:
            raise forms.ValidationError(f"No company named {name!r}.")
        return ids[0]

    def clean_annual_revenue(self) -> str | None:
        return self.cleaned_data["annual_revenue"].strip() or None

    def display_annual_revenue(self) -> str:
        """Money reads with its currency: "51,507,000.00 GBP"."""
        revenue = self.instance.annual_revenue  # type: ignore[union-attr]
        currency = self.instance.annual_revenue_currency  # type: ignore[union-attr]
        return "" if revenue is None else f"{revenue:,.2f} {currency}".strip()

    @property
    def title(self) -> str:
        return str(self.instance or "")


# --- list filters ---------------------------------------------------------------------------


class ListFilterForm(forms.Form):
    """The list's query string: search, filters, sort and page cursor.

    Option lists for the selects are not part of the form (the view adds them to a full page
    only), so a partial reload of the table costs no option queries.
    """

    q = forms.CharField(required=False, label="Search")
    owner = forms.IntegerField(required=False, label="Owner")
    tag = forms.CharField(required=False, label="Tag")
    lifecycle_stage = forms.ChoiceField(
        required=False, label="Stage", choices=[("", "Any stage"), *LifecycleStage.choices]
    )
    company = forms.CharField(required=False, label="Company")
    # A data-quality check's key: the dashboard's counts link to the records they count.
    quality = forms.CharField(required=False, label="Data quality")
    sort = forms.CharField(required=False)
    cursor = forms.CharField(required=False)

    FILTERS: ClassVar[list[str]] = ["owner", "tag", "lifecycle_stage", "company"]
    # The parameters a saved view keeps (never the cursor: a view opens on its first page).
    SAVED: ClassVar[list[str]] = ["q", *FILTERS, "quality", "sort"]

    def __init__(self, data: Any, *, filters: list[str]) -> None:
        super().__init__(data)
        for name in self.FILTERS:
            if name not in filters:
                del self.fields[name]

    def record_filter(self) -> RecordFilter:
        data = self.cleaned_data
        f = RecordFilter(
            q=data.get("q") or "",
            owner_id=data.get("owner"),
            tag=data.get("tag") or "",
            lifecycle_stage=data.get("lifecycle_stage") or "",
            quality=data.get("quality") or "",
        )
        company = (data.get("company") or "").strip()
        if company:
            ids, _ = companies_named([company])
            # An unknown company matches nothing rather than being ignored.
            f.company_id = ids[0] if ids else 0
        return f

    def saved_params(self) -> dict[str, str]:
        return {
            k: str(self.cleaned_data[k])
            for k in self.SAVED
            if k in self.fields and self.cleaned_data.get(k) not in (None, "")
        }


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=80, label="View name")
