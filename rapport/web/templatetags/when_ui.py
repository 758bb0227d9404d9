"""How a date and time reads in a row: the year only when it is not this one, so that a ticket
answered last December does not look like last week's."""

import datetime as dt

from django import template
from django.utils import timezone

from rapport.web.timeline_html import date_text

register = template.Library()


@register.filter
def when(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "Mar 3, 14:00" this year, "Dec 9, 2025, 21:10" another year; local time."""
    if value is None:
        return ""
    return date_text(value, timezone.get_current_timezone(), short=True, now=now)


@register.simple_tag
def current_zone() -> str:
    """The zone times are shown and read in (the member's, `tenancy.TimeZoneMiddleware`): said
    next to every date-time input and in the user menu, so no one guesses."""
    return timezone.get_current_timezone_name()
