"""Dates in rows carry their year only when it is not this one."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.formats import date_format

from rapport.web.templatetags.when_ui import when

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def test_this_years_dates_read_short_and_others_carry_their_year():
    assert when(dt.datetime(2026, 3, 3, 14, 5, tzinfo=dt.UTC), NOW) == "Mar 3, 14:05"
    assert when(dt.datetime(2025, 12, 9, 21, 10, tzinfo=dt.UTC), NOW) == "Dec 9, 2025, 21:10"
    assert when(dt.datetime(2027, 1, 2, 8, 0, tzinfo=dt.UTC), NOW) == "Jan 2, 2027, 08:00"
    assert when(None, NOW) == ""


def test_it_writes_what_date_format_writes_in_the_current_zone_and_language():
    """`when` is written by hand (`timeline_html.date_text`, shared with the timeline's items):
    it must read as Django's `date_format` of the same formats, in any zone and language."""
    values = [
        dt.datetime(2026, month, day, hour, 5, tzinfo=dt.UTC)
        for month, day, hour in itertools.product((1, 6, 12), (1, 9, 28), (0, 9, 23))
    ] + [dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC)]
    for zone, language in itertools.product(
        ("UTC", "Pacific/Auckland", "America/Lima"), ("en", "de")
    ):
        with timezone.override(ZoneInfo(zone)), translation.override(language):
            for value in values:
                local = timezone.localtime(value)
                this_year = local.year == timezone.localtime(NOW).year
                expected = date_format(local, "M j, H:i" if this_year else "M j, Y, H:i")
                assert when(value, NOW) == expected, (zone, language, value)
