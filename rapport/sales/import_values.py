"""Reading a sales import row's cells that name the workspace's records (a campaign, a
contact, a company) into the ids the sales services take.

Amounts, choices, flags and members are read as every importer reads them
(`rapport.data.cell_readers`). Each reader raises a ServiceValidationError named after the
import field, so the framework reports the column it came from.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from rapport.campaigns.models import Campaign
from rapport.contacts.models import Company, ContactEmail
from rapport.contacts.normalise import domain_normalise, email_normalise, search_key
from rapport.contacts.services import company_create
from rapport.core.errors import ServiceValidationError
from rapport.data.importers import ImportContext, ImportRow
from rapport.tenancy.models import Workspace


def campaign_id(workspace: Workspace, raw: str, *, field: str) -> int:
    """The workspace's campaign of that name, case aside (the oldest if several share it)."""
    found = (
        Campaign.objects.filter(workspace=workspace, name__iexact=raw.strip())
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if found is None:
        raise ServiceValidationError.single(field, f"no campaign of the workspace is named '{raw}'")
    return int(found)


def contact_id(workspace: Workspace, raw: str, *, field: str) -> int:
    email = email_normalise(raw, field=field)
    found = (
        ContactEmail.objects.filter(workspace=workspace, email=email)
        .order_by("contact_id")
        .values_list("contact_id", flat=True)
        .first()
    )
    if found is None:
        raise ServiceValidationError.single(field, f"no contact has the email '{email}'")
    return int(found)


def company_id(
    ctx: ImportContext, row: ImportRow, *, name_field: str, domain_field: str, create: bool
) -> int:
    """The company the row names by domain, else by name; with `create`, a company named
    but not found is created (and undone with the import)."""
    workspace = ctx.workspace
    domain = domain_normalise(row.first(domain_field), field=domain_field)
    name = row.first(name_field)
    found = None
    if domain:
        found = Company.objects.filter(workspace=workspace, domain=domain).order_by("pk").first()
    if found is None and name:
        found = (
            Company.objects.filter(workspace=workspace, name_key=search_key(name))
            .order_by("pk")
            .first()
        )
    if found is None and create and name:
        data: dict[str, Any] = {"name": name, **({"domain": domain} if domain else {})}
        try:
            found = company_create(workspace=workspace, actor=ctx.actor, data=data)
        except ServiceValidationError as exc:
            raise ServiceValidationError.single(name_field, str(exc)) from exc
        ctx.side_created.append(("companies", found))
    if found is None:
        field = domain_field if domain else name_field
        raise ServiceValidationError.single(
            field, f"no company with the {'domain' if domain else 'name'} '{domain or name}'"
        )
    return int(found.pk)


def jsonable(value: Any) -> Any:
    """A value as an import's undo log stores it (JSON) and the services take it back."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
