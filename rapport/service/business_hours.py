"""Business-time arithmetic for SLAs: "8 working hours after Friday 16:00 in Berlin".

A calendar is weekly opening hours in a time zone, minus closed days (public holidays from
the `holidays` package, plus the workspace's own). No maintained library adds business time
to a date-time across time zones, holidays and pauses, so this is written here on zoneinfo
and tested against hand-computed cases. Times in and out are aware UTC date-times.
"""

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# Far enough for any SLA, near enough that a calendar with no open hours fails fast.
MAX_DAYS_SCANNED = 800
Window = tuple[dt.time, dt.time]


@lru_cache(maxsize=64)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


@dataclass(frozen=True)
class Calendar:
    timezone: str
    # Monday = 0; each day's opening windows in local time, in order, not overlapping.
    weekly: Mapping[int, tuple[Window, ...]]
    country: str = ""
    subdivision: str = ""
    closed_days: frozenset[dt.date] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_closed(self, day: dt.date) -> bool:
        if day in self.closed_days:
            return True
        return bool(self.country) and day in _public_holidays(
            self.country, self.subdivision, day.year
        )

    def windows(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The open periods of a local calendar day, as UTC date-times."""
        if self.is_closed(day):
            return []
        zone = self.zone
        out = []
        for opens, closes in self.weekly.get(day.weekday(), ()):
            start = dt.datetime.combine(day, opens, tzinfo=zone).astimezone(dt.UTC)
            end = (
                dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
                if closes == dt.time(0)
                else dt.datetime.combine(day, closes, tzinfo=zone)
            ).astimezone(dt.UTC)
            out.append((start, end))
        return out

    def _windows_from(self, moment: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        day = moment.astimezone(self.zone).date()
        for offset in range(MAX_DAYS_SCANNED):
            for start, end in self.windows(day + dt.timedelta(days=offset)):
                if end > moment:
                    yield max(start, moment), end
        raise ValueError("the calendar has no open hours within reach")

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The moment `duration` of open time after `start`."""
        remaining = duration
        if remaining <= dt.timedelta(0):
            return start
        for opens, closes in self._windows_from(start):
            if closes - opens >= remaining:
                return opens + remaining
            remaining -= closes - opens
        raise AssertionError("unreachable")  # _windows_from raises when it runs out

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Open time from `start` to `end` (zero if `end` is not after `start`)."""
        total = dt.timedelta(0)
        if end <= start:
            return total
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total
