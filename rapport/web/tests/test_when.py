"""Dates in rows carry their year only when it is not this one."""

import datetime as dt

from rapport.web.templatetags.when_ui import when

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def test_this_years_dates_read_short_and_others_carry_their_year():
    assert when(dt.datetime(2026, 3, 3, 14, 5, tzinfo=dt.UTC), NOW) == "Mar 3, 14:05"
    assert when(dt.datetime(2025, 12, 9, 21, 10, tzinfo=dt.UTC), NOW) == "Dec 9, 2025, 21:10"
    assert when(dt.datetime(2027, 1, 2, 8, 0, tzinfo=dt.UTC), NOW) == "Jan 2, 2027, 08:00"
    assert when(None, NOW) == ""
