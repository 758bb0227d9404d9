"""Exporters for contacts and companies: the list pages' filters, sorts and columns.

They live in `data` beside the contact importers; other apps register theirs in their own
`exports` module.
"""

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Case, CharField, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Concat

from rapport.contacts import queries
from rapport.contacts.forms import ListFilterForm
from rapport.contacts.models import (
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    CustomFieldDefinition,
    CustomFieldEntity,
    CustomFieldType,
)
from rapport.contacts.normalise import EXTENSION_MARK
from rapport.contacts.queries import RecordFilter
from rapport.contacts.references import user_names
from rapport.contacts.views import COMPANIES, CONTACTS, RecordKind
from rapport.core.errors import ServiceValidationError
from rapport.data.exports import (
    TAGS,
    ExportColumn,
    Exporter,
    ExportRequest,
    LinkedValues,
    export_filter_names,
    exporter_register,
    form_cleaned,
    linked_to,
    model_names,
    names_joined,
    ordered,
)
from rapport.data.importers import custom_field_name
from rapport.tenancy.models import Membership, Workspace

# `ContactPhone.text`: the number, and its extension after " ext. " (read back on import).
PHONE_TEXT = Case(
    When(extension="", then=F("number")),
    default=Concat(F("number"), Value(EXTENSION_MARK), F("extension")),
    output_field=CharField(),
)
# The primary phone as text (the contact's own `phone` is its number alone), correlated with
# the exported contact, whose query is the workspace's: hence the unscoped manager.
PRIMARY_PHONE = Subquery(
    ContactPhone.unscoped.filter(contact_id=OuterRef("pk"), is_primary=True)
    .annotate(phone_text=PHONE_TEXT)
    .values("phone_text")[:1]
)


def _beyond_primary(model: type[ContactEmail | ContactPhone], value: str | Case) -> LinkedValues:
    """A contact's emails or phones beyond the primary (which the `email` and `phone` columns
    hold), in the order they were added, joined as the importer splits a cell of several."""
    return LinkedValues(
        lambda _, ids: (
            linked_to(model.objects.filter(is_primary=False), "contact_id", ids)
            .order_by("id")
            .values_list("contact_id", value)
        )
    )


def _phone_kinds(_: Any, ids: list[int]) -> Any:
    """The kinds of a contact's phones, the primary's first, then in the order of
    `other_phones` (docs/architecture.md, "Phone kinds in exports")."""
    return (
        linked_to(ContactPhone.objects.all(), "contact_id", ids)
        .order_by("-is_primary", "id")
        .values_list("contact_id", "kind")
    )


_CONTACT_COLUMNS = [
    ExportColumn("id", "pk"),
    ExportColumn("first_name", "first_name"),
    ExportColumn("last_name", "last_name"),
    ExportColumn("email", "email"),
    ExportColumn("other_emails", _beyond_primary(ContactEmail, "email")),
    ExportColumn("phone", PRIMARY_PHONE),
    ExportColumn("other_phones", _beyond_primary(ContactPhone, PHONE_TEXT)),
    ExportColumn("phone_kinds", LinkedValues(_phone_kinds)),
    ExportColumn("job_title", "job_title"),
    ExportColumn("company", "primary_company__name"),
    ExportColumn("lifecycle_stage", "lifecycle_stage"),
    ExportColumn("owner", "owner__username"),
    ExportColumn("preferred_channel", "preferred_channel"),
    ExportColumn("do_not_email", "do_not_email"),
    ExportColumn("do_not_call", "do_not_call"),
    ExportColumn("source", "source"),
    ExportColumn("tags", TAGS),
    ExportColumn("street", "street"),
    ExportColumn("city", "city"),
    ExportColumn("region", "region"),
    ExportColumn("postal_code", "postal_code"),
    ExportColumn("country", "country"),
    ExportColumn("external_id", "external_id"),
    ExportColumn("created_at", "created_at"),
    ExportColumn("updated_at", "updated_at"),
]
_COMPANY_COLUMNS = [
    ExportColumn("id", "pk"),
    ExportColumn("name", "name"),
    ExportColumn("domain", "domain"),
    ExportColumn("industry", "industry"),
    ExportColumn("size_band", "size_band"),
    ExportColumn("annual_revenue", "annual_revenue"),
    ExportColumn("annual_revenue_currency", "annual_revenue_currency"),
    ExportColumn("parent", "parent__name"),
    ExportColumn("owner", "owner__username"),
    ExportColumn("tags", TAGS),
    ExportColumn("street", "street"),
    ExportColumn("city", "city"),
    ExportColumn("region", "region"),
    ExportColumn("postal_code", "postal_code"),
    ExportColumn("country", "country"),
    ExportColumn("external_id", "external_id"),
    ExportColumn("created_at", "created_at"),
    ExportColumn("updated_at", "updated_at"),
]

# The vCard properties of a contact row, by export column header.
CONTACT_VCARD = {
    "external_id": "uid",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "other_emails": "other_emails",
    "phone": "phone",
    "other_phones": "other_phones",
    "phone_kinds": "phone_kinds",
    "tags": "categories",
    "company": "organisation",
    "job_title": "title",
    "street": "street",
    "city": "city",
    "region": "region",
    "postal_code": "postal_code",
    "country": "country",
}


def contact_columns() -> list[ExportColumn]:
    """The contacts export's columns, its custom fields included (segment and list members
    leave as the same file)."""
    return _with_custom_fields(_CONTACT_COLUMNS, CustomFieldEntity.CONTACT)


def _with_custom_fields(columns: list[ExportColumn], entity: str) -> list[ExportColumn]:
    definitions = CustomFieldDefinition.objects.filter(entity=entity).order_by("position", "id")
    return columns + [ExportColumn(custom_field_name(d.key), _custom_path(d)) for d in definitions]


def _custom_path(d: CustomFieldDefinition) -> str | LinkedValues:
    """A custom field's cell; a multiple choice's choices joined as tags are
    (`names_joined`), which the importer splits again, not a list's Python text."""
    path = f"custom_fields__{d.key}"
    if d.field_type != CustomFieldType.MULTI_CHOICE:
        return path

    def choices(model: Any, ids: list[int]) -> Iterator[tuple[int, Any]]:
        rows = linked_to(model.objects.all(), "id", ids).values_list("id", path)
        return ((pk, choice) for pk, chosen in rows for choice in chosen or ())

    return LinkedValues(choices, names_joined)


def _record_queryset(
    kind: RecordKind, build: Callable[[RecordFilter, Workspace], QuerySet[Any]], ask: ExportRequest
) -> QuerySet[Any]:
    """The list page's filter form, filter and sort (`contacts.views` `record_list`)."""
    form = form_cleaned(ListFilterForm(ask.params, filters=kind.filters))
    sort = form.cleaned_data.get("sort") or "name"
    if sort not in kind.sorts:
        raise ServiceValidationError.single("sort", f"must be one of {', '.join(kind.sorts)}")
    return ordered(build(form.record_filter(), ask.workspace), kind.sorts[sort])


exporter_register(
    Exporter(
        entity="contacts",
        label="Contacts",
        model=Contact,
        columns=contact_columns,
        queryset=lambda ask: _record_queryset(
            CONTACTS,
            lambda f, ws: queries.contact_queryset(f=f, region=ws.default_region),
            ask,
        ),
        vcard=CONTACT_VCARD,
        form=lambda params: ListFilterForm(params, filters=CONTACTS.filters),
        list_url=CONTACTS.url_name("list"),
    )
)
exporter_register(
    Exporter(
        entity="companies",
        label="Companies",
        model=Company,
        columns=lambda: _with_custom_fields(_COMPANY_COLUMNS, CustomFieldEntity.COMPANY),
        queryset=lambda ask: _record_queryset(
            COMPANIES, lambda f, ws: queries.company_queryset(f=f), ask
        ),
        form=lambda params: ListFilterForm(params, filters=COMPANIES.filters),
        list_url=COMPANIES.url_name("list"),
    )
)


@export_filter_names("owner", "assignee")
def _member_names(workspace_id: int, ids: set[int]) -> dict[int, str]:
    """Members of the workspace only (a user of another one names nothing), named as the
    audit trail names them."""
    members = Membership.objects.filter(workspace_id=workspace_id, user_id__in=ids)
    return user_names(set(members.values_list("user_id", flat=True)))


export_filter_names("company_id")(model_names(Company))
