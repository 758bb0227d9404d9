"""The shared date and name normalisation that imports, the API and the UI use."""

import datetime as dt

import pytest

from rapport.contacts.normalise import date_parse, datetime_parse, name_normalise
from rapport.core.errors import ServiceValidationError

DEC_31 = dt.date(2024, 12, 31)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-12-31",
        "2024/12/31",
        "20241231",
        "Dec 31, 2024",
        "December 31 2024",
        "31 December 2024",
        "Tuesday, 31st Dec 2024",
        "31-Dec-24",
        "2024-12-31T23:15:00Z",
        "45657",  # Excel's serial number for the day
    ],
)
def test_it_reads_common_date_formats(raw):
    assert date_parse(raw, region="US") == DEC_31
    assert date_parse(raw, region="GB") == DEC_31


def test_an_unambiguous_day_first_or_month_first_date_is_read_in_any_region():
    assert date_parse("31/12/2024", region="US") == DEC_31
    assert date_parse("12/31/2024", region="GB") == DEC_31
    assert date_parse("31.12.2024", region="DE") == DEC_31


def test_an_ambiguous_date_is_read_the_way_the_workspace_region_writes_it():
    assert date_parse("01/02/2024", region="US") == dt.date(2024, 1, 2)
    assert date_parse("01/02/2024", region="GB") == dt.date(2024, 2, 1)
    assert date_parse("01/02/24", region="FR") == dt.date(2024, 2, 1)


def test_a_time_of_day_is_kept_in_utc():
    assert datetime_parse("12/31/2024 10:30 PM", region="US") == dt.datetime(
        2024, 12, 31, 22, 30, tzinfo=dt.UTC
    )
    assert datetime_parse("2024-12-31T10:30:00+02:00", region="US") == dt.datetime(
        2024, 12, 31, 8, 30, tzinfo=dt.UTC
    )
    assert datetime_parse("45657.75", region="US") == dt.datetime(
        2024, 12, 31, 18, 0, tzinfo=dt.UTC
    )


def test_dates_already_parsed_pass_through():
    assert date_parse(DEC_31, region="US") == DEC_31
    assert datetime_parse(DEC_31, region="US") == dt.datetime(2024, 12, 31, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("31/02/2024", "day is out of range for month"),
        ("13/13/2024", "month must be in 1..12"),
        ("next tuesday", "is not a date"),
        ("2024", "is not a date"),  # a bare year is neither a date nor a likely serial
        ("", "the value is empty"),
    ],
)
def test_it_refuses_what_is_not_a_date_naming_the_field(raw, problem):
    with pytest.raises(ServiceValidationError) as exc:
        date_parse(raw, region="GB", field="expected_close_date")

    [error] = exc.value.errors
    assert error.field == "expected_close_date"
    assert problem in error.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ANNE   O'NEIL ", "Anne O'Neil"),
        ("jean-luc picard", "Jean-Luc Picard"),
        ("LUDWIG VAN BEETHOVEN", "Ludwig van Beethoven"),
        ("van halen", "Van Halen"),
        ("McDonald", "McDonald"),
        ("DeVries  ", "DeVries"),
        ("émile zola", "Émile Zola"),
        ("st. john", "St. John"),
        ("=HYPERLINK(1)", "=HYPERLINK(1)"),
        ("r2d2", "r2d2"),
        ("", ""),
    ],
)
def test_it_normalises_names_casing_and_whitespace(raw, expected):
    assert name_normalise(raw) == expected
