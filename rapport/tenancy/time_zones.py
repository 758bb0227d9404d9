"""Which time zone a member sees times in: their own choice, else their workspace's.

Times are stored as UTC instants and the API answers in UTC; only the UI shows and reads
times in this zone (`middleware.TimeZoneMiddleware` activates it for each page request).
"""

from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from django.core.exceptions import ObjectDoesNotExist, ValidationError

from rapport.core.errors import ServiceValidationError

if TYPE_CHECKING:  # the models' fields use `time_zone_validator`
    from rapport.tenancy.models import Membership

DEFAULT_ZONE = "UTC"


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones() | {DEFAULT_ZONE})


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone the system's zone database knows, sorted (what the settings pages offer)."""
    return tuple(sorted(_known()))


def time_zone_clean(value: Any, *, field: str = "time_zone", blank: bool = False) -> str:
    """`value` as a known IANA zone name; "" where `blank` allows none (use the default)."""
    name = value.strip() if isinstance(value, str) else value
    if blank and name in ("", None):
        return ""
    if not isinstance(name, str) or name not in _known():
        raise ServiceValidationError.single(field, f"'{value}' is not a known time zone")
    return name


def time_zone_validator(value: str) -> None:
    """`time_zone_clean` as the zone fields' validator, so forms built on the models (the
    admin's) refuse what the settings pages refuse."""
    try:
        time_zone_clean(value)
    except ServiceValidationError as error:
        raise ValidationError(error.as_dict()["time_zone"]) from None


def user_time_zone(user: Any) -> str:
    """The user's own zone, "" for none. The session's user comes with it
    (`backends.MemberBackend`); any other user reads it here."""
    try:
        return str(user.preference.time_zone)
    except ObjectDoesNotExist:
        return ""


def effective_time_zone(membership: "Membership") -> str:
    """The zone a member sees times in: their own if they chose one, else the workspace's.
    A name the zone database no longer knows (written before an upgrade) falls back to UTC."""
    name = user_time_zone(membership.user) or membership.workspace.time_zone
    return name if name in _known() else DEFAULT_ZONE
