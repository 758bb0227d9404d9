"""How the audit trail names contacts, companies and users it refers to.

Companies and users are named on every record page computed (its audit entries' owner and
company changes): each by a statement written here, since the ORM spent more Python building
and compiling the query than the database spends answering it. Outside a workspace scope the
ORM answers (and its scoped manager refuses, as ever).
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.forms.utils import pretty_name

from rapport.audit.labels import audit_custom_labels, audit_field_labels, audit_record_page
from rapport.audit.references import audit_reference
from rapport.contacts.forms import CompanyForm, ContactForm, RecordForm
from rapport.contacts.models import Company, Contact, CustomFieldDefinition
from rapport.contacts.queries import scoped_workspace_id


def _read(sql: str, params: list[Any], ids: set[int], name: Callable[..., str]) -> dict[int, str]:
    """`{id: name(*rest)}` of the rows `sql` (ending in an id list to fill) finds for `ids`;
    an id beyond the 64-bit keys names nothing (SQLite would refuse it as a parameter)."""
    ids = {i for i in ids if -(2**63) <= i < 2**63}
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} IN ({marks})", [*params, *sorted(ids)])
        return {pk: name(*rest) for pk, *rest in cursor.fetchall()}


@audit_reference("primary_company", "company", "parent", "companies", "company_id")
def company_names(ids: set[int]) -> dict[int, str]:
    workspace_id = scoped_workspace_id()
    if workspace_id is None:
        return dict(Company.objects.filter(pk__in=ids).values_list("pk", "name"))
    table = Company._meta.db_table
    sql = f'SELECT "id", "name" FROM "{table}" WHERE "workspace_id" = %s AND "id"'  # noqa: S608
    return _read(sql, [workspace_id], ids, str)


@audit_reference("contacts", "contact")
def contact_names(ids: set[int]) -> dict[int, str]:
    return {c.pk: c.display_name for c in Contact.objects.filter(pk__in=ids)}


def _user_name(first: str, last: str, username: str) -> str:
    """`get_full_name() or get_username()`, as the user's model writes them."""
    return f"{first} {last}".strip() or username


@audit_reference("owner", "assignee")
def user_names(ids: set[int]) -> dict[int, str]:
    table = get_user_model()._meta.db_table
    sql = f'SELECT "id", "first_name", "last_name", "username" FROM "{table}" WHERE "id"'  # noqa: S608
    return _read(sql, [], ids, _user_name)


def _form_labels(form: type[RecordForm]) -> dict[str, str]:
    """The labels the form gives its fields (its own, and Django's from the name)."""
    return {name: str(field.label or pretty_name(name)) for name, field in form.base_fields.items()}


audit_field_labels("contacts.contact", {**_form_labels(ContactForm), "company_ids": "Companies"})
audit_field_labels("contacts.company", _form_labels(CompanyForm))
audit_record_page("contacts.contact", "contacts:contact_detail")
audit_record_page("contacts.company", "contacts:company_detail")


@audit_custom_labels
def custom_field_labels(entities: set[str]) -> dict[str, dict[str, str]]:
    """Contacts' and companies' custom fields' labels in this workspace, in one query."""
    kinds = {Contact._meta.label_lower: "contact", Company._meta.label_lower: "company"}
    wanted = {kinds[e]: e for e in entities if e in kinds}
    if not wanted:
        return {}
    out: dict[str, dict[str, str]] = {}
    rows = CustomFieldDefinition.objects.filter(entity__in=wanted).values_list(
        "entity", "key", "label"
    )
    for entity, key, label in rows:
        out.setdefault(wanted[entity], {})[key] = label
    return out
