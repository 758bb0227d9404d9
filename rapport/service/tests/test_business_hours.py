"""Business-time arithmetic against cases worked out by hand (comments give the reasoning)."""

import datetime as dt

import pytest

from rapport.service.business_hours import Calendar

NINE_TO_FIVE = {d: ((dt.time(9), dt.time(17)),) for d in range(5)}  # Mon-Fri
UTC = dt.UTC


def utc(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s).astimezone(UTC)


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


london = Calendar("Europe/London", NINE_TO_FIVE)


def test_time_inside_one_working_day():
    # Tue 10:00 + 3h = Tue 13:00 (London is UTC+0 in January).
    assert london.add(utc("2026-01-06T10:00+00:00"), hours(3)) == utc("2026-01-06T13:00+00:00")


def test_time_runs_over_the_night():
    # Tue 15:00 + 4h: 2h on Tuesday, 2h from Wednesday 09:00 = Wed 11:00.
    assert london.add(utc("2026-01-06T15:00+00:00"), hours(4)) == utc("2026-01-07T11:00+00:00")


def test_time_runs_over_the_weekend():
    # Fri 16:00 + 8h: 1h on Friday, 7h on Monday from 09:00 = Mon 16:00.
    assert london.add(utc("2026-01-09T16:00+00:00"), hours(8)) == utc("2026-01-12T16:00+00:00")


def test_a_start_outside_hours_waits_for_the_opening():
    # Saturday 11:00 + 30 min = Monday 09:30.
    assert london.add(utc("2026-01-10T11:00+00:00"), hours(0.5)) == utc("2026-01-12T09:30+00:00")
    # 20:00 Monday + 1h = Tuesday 10:00.
    assert london.add(utc("2026-01-12T20:00+00:00"), hours(1)) == utc("2026-01-13T10:00+00:00")


def test_public_holidays_are_skipped():
    # England 2026: Good Friday 3 April and Easter Monday 6 April are holidays.
    # Thu 2 April 16:00 + 2h: 1h on Thursday, then Fri, Sat, Sun, Mon closed: Tue 7 April 10:00.
    england = Calendar("Europe/London", NINE_TO_FIVE, country="GB", subdivision="ENG")
    assert england.add(utc("2026-04-02T16:00+01:00"), hours(2)) == utc("2026-04-07T10:00+01:00")


def test_the_workspaces_own_closed_days_are_skipped():
    cal = Calendar("Europe/London", NINE_TO_FIVE, closed_days=frozenset({dt.date(2026, 1, 7)}))
    # Tue 16:00 + 2h: 1h Tuesday, Wednesday closed, 1h Thursday = Thu 10:00.
    assert cal.add(utc("2026-01-06T16:00+00:00"), hours(2)) == utc("2026-01-08T10:00+00:00")


def test_hours_are_local_to_the_calendars_time_zone():
    # New York 9-17 is 14:00-22:00 UTC in January (UTC-5).
    new_york = Calendar("America/New_York", NINE_TO_FIVE)
    # 21:00 UTC Tuesday = 16:00 NY; + 2h = 1h Tuesday, 1h Wednesday from 09:00 NY (14:00 UTC).
    assert new_york.add(utc("2026-01-06T21:00+00:00"), hours(2)) == utc("2026-01-07T15:00+00:00")


def test_a_daylight_saving_change_does_not_shift_the_working_day():
    # Europe/Berlin moves to summer time on Sunday 29 March 2026. Friday 27 March 16:00 CET
    # + 2h = 1h Friday, 1h Monday 30 March from 09:00 CEST (07:00 UTC) = 08:00 UTC.
    berlin = Calendar("Europe/Berlin", NINE_TO_FIVE)
    assert berlin.add(utc("2026-03-27T16:00+01:00"), hours(2)) == utc("2026-03-30T08:00+00:00")


def test_split_days_and_round_the_clock_days():
    split = Calendar("UTC", {0: ((dt.time(9), dt.time(12)), (dt.time(13), dt.time(17)))})
    # Monday 11:00 + 2h: 1h before lunch, 1h from 13:00 = 14:00.
    assert split.add(utc("2026-01-05T11:00+00:00"), hours(2)) == utc("2026-01-05T14:00+00:00")
    always = Calendar("UTC", {d: ((dt.time(0), dt.time(0)),) for d in range(7)})
    assert always.add(utc("2026-01-10T22:00+00:00"), hours(5)) == utc("2026-01-11T03:00+00:00")


def test_between_counts_only_open_time():
    # Fri 15:00 to Mon 10:00: 2h on Friday and 1h on Monday.
    assert london.between(utc("2026-01-09T15:00+00:00"), utc("2026-01-12T10:00+00:00")) == hours(3)
    assert london.between(utc("2026-01-10T10:00+00:00"), utc("2026-01-10T18:00+00:00")) == hours(0)
    assert london.between(utc("2026-01-12T10:00+00:00"), utc("2026-01-12T09:00+00:00")) == hours(0)


def test_add_and_between_agree():
    start = utc("2026-01-08T14:27+00:00")
    for n in (0.25, 3, 7.5, 19, 41):
        assert london.between(start, london.add(start, hours(n))) == hours(n)


def test_a_calendar_without_hours_fails_instead_of_looping():
    with pytest.raises(ValueError, match="no open hours"):
        Calendar("UTC", {}).add(utc("2026-01-05T09:00+00:00"), hours(1))
