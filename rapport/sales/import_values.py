"""Reading a sales import row's cells into what the sales services take.

A file names things (a pipeline, a stage, a company, an owner's email) where a service takes
ids, and writes amounts and choices the way a spreadsheet or another CRM does ("$1,234.50",
"Closed Won", "Best Case"). Each reader raises a ServiceValidationError named after the
import field, so the framework reports the column it came from.
"""

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models

from rapport.campaigns.models import Campaign
from rapport.contacts.models import Company, ContactEmail
from rapport.contacts.normalise import domain_normalise, email_normalise, search_key
from rapport.contacts.services import company_create
from rapport.core.errors import ServiceValidationError
from rapport.core.money import amount_clean
from rapport.data.importers import ImportContext, ImportRow, header_key
from rapport.tenancy.models import Membership, Workspace

TRUE = {"true", "yes", "y", "1", "active", "x"}
FALSE = {"false", "no", "n", "0", "inactive", "archived"}


def amount_text(raw: str, *, field: str) -> Decimal:
    """ "$1,234.50", "1.234,50 €", "1'234.50" or "1234.5" as a Decimal; a lone comma followed
    by one or two digits is a decimal comma, any other comma groups thousands."""
    text = re.sub(r"[^\d,.\-]", "", raw)
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = (
            f"{head}.{tail}" if text.count(",") == 1 and len(tail) <= 2 else text.replace(",", "")
        )
    if not re.search(r"\d", text):
        raise ServiceValidationError.single(field, f"'{raw}' is not an amount")
    return amount_clean(text, field=field)


def flag(raw: str, *, field: str) -> bool:
    key = raw.strip().lower()
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise ServiceValidationError.single(field, f"'{raw}' is not yes or no")


def choice(
    raw: str, choices: type[models.TextChoices], *, field: str, synonyms: Mapping[str, str]
) -> str:
    """The choice whose value or label the cell names (ignoring case and punctuation), or
    the one another tool's name for it stands for."""
    key = header_key(raw)
    for value, label in choices.choices:
        if key in (header_key(value), header_key(str(label))):
            return str(value)
    if key in synonyms:
        return synonyms[key]
    allowed = ", ".join(str(label) for _, label in choices.choices)
    raise ServiceValidationError.single(field, f"'{raw}' is not one of: {allowed}")


def member_id(workspace: Workspace, raw: str, *, field: str) -> int:
    user_id = (
        Membership.objects.filter(workspace=workspace, user__email__iexact=raw.strip())
        .values_list("user_id", flat=True)
        .first()
    )
    if user_id is None:
        raise ServiceValidationError.single(
            field, f"no member of the workspace has the email '{raw}'"
        )
    return int(user_id)


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
