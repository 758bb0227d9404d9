"""How a task's due time reads in a list: near days by name, the year only when it differs."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from rapport.web.templatetags.when_ui import when

register = template.Library()

NEAR_DAYS = {-1: "Yesterday", 0: "Today", 1: "Tomorrow"}


@register.filter
def due_label(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "Today, 14:00", "Mar 3, 09:30", "Dec 6, 2025": a task a year late must not look recent."""
    if value is None:
        return ""
    now = timezone.localtime(now or timezone.now())
    value = timezone.localtime(value)
    days = (value.date() - now.date()).days
    if days in NEAR_DAYS:
        return f"{NEAR_DAYS[days]}, {date_format(value, 'H:i')}"
    if value.year == now.year:
        return when(value, now)
    return date_format(value, "M j, Y")
