"""Days picked in a form as the half-open UTC interval a query on timestamps needs."""

import datetime as dt


def utc_day_range(
    first: dt.date | None, last: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[first 00:00, the day after last 00:00) in UTC: both days included, either end open."""

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)

    return (
        midnight(first) if first else None,
        midnight(last + dt.timedelta(days=1)) if last else None,
    )
