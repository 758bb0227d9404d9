"""How the audit trail names contacts, companies and users it refers to."""

from django.contrib.auth import get_user_model

from rapport.audit.references import audit_reference
from rapport.contacts.models import Company, Contact


@audit_reference("primary_company", "company", "parent", "companies", "company_id")
def company_names(ids: set[int]) -> dict[int, str]:
    return dict(Company.objects.filter(pk__in=ids).values_list("pk", "name"))


@audit_reference("contacts", "contact")
def contact_names(ids: set[int]) -> dict[int, str]:
    return {c.pk: c.display_name for c in Contact.objects.filter(pk__in=ids)}


@audit_reference("owner", "assignee")
def user_names(ids: set[int]) -> dict[int, str]:
    return {
        u.pk: u.get_full_name() or u.get_username()
        for u in get_user_model().objects.filter(pk__in=ids)
    }
