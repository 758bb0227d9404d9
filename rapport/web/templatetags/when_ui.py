"""How a date and time reads in a row: the year only when it is not this one, so that a ticket
answered last December does not look like last week's."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def when(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "Mar 3, 14:00" this year, "Dec 9, 2025, 21:10" another year; local time."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    this_year = timezone.localtime(now or timezone.now()).year
    return date_format(local, "M j, H:i" if local.year == this_year else "M j, Y, H:i")
