"""Reading an import's cells that every record kind shares: an amount, a yes or no, one of a
model's choices, a workspace member.

The contacts and companies importers (`record_values`) and the sales importers read them
alike, so a file names a member, writes an amount or a choice the same way whatever it
imports. Each reader raises a ServiceValidationError named after the field it is given,
which the framework traces to the column.
"""

import functools
import re
from collections.abc import Mapping
from decimal import Decimal

from django.db import models

from rapport.core.errors import ServiceValidationError
from rapport.core.money import amount_clean
from rapport.data.importers import header_key
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


class Members:
    """A workspace's members as a file names them: by username (what Rapport exports), email
    or full name (what other tools write), without case. Read once, on the first name
    looked up, so one instance may serve a whole import run."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @functools.cached_property
    def by_name(self) -> dict[str, int | None]:
        """Member ids by casefolded name (None: a name several members share)."""
        names: dict[str, int | None] = {}
        rows = Membership.objects.filter(workspace=self.workspace).values_list(
            "user_id", "user__username", "user__email", "user__first_name", "user__last_name"
        )
        for user_id, username, email, first, last in rows:
            for name in {username, email, f"{first} {last}".strip()}:
                key = name.strip().casefold()
                if key:
                    names[key] = user_id if names.get(key, user_id) == user_id else None
        return names

    def named(self, raw: str, *, field: str) -> int:
        """The member `raw` names; a name several share is refused, never guessed."""
        user_id = self.by_name.get(raw.strip().casefold(), 0)
        if user_id is None:
            raise ServiceValidationError.single(
                field, f"'{raw}' names several members of this workspace"
            )
        if not user_id:
            raise ServiceValidationError.single(field, f"no member '{raw}' in this workspace")
        return user_id
