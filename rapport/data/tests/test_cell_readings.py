"""How an import reads cells other tools write their own way: a workbook's error cells
(#DIV/0!, #N/A), decimal commas in a semicolon file, and a column's dates read in one order."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import xlsxwriter

from rapport.contacts.tests.factories import make_contact
from rapport.data import column_dates
from rapport.data.column_dates import column_orders, dates_ordered
from rapport.data.csv_files import CsvRow
from rapport.data.decimal_commas import decimal_comma_read
from rapport.data.tests.test_qa13_other_tools import contacts, only_row_error
from rapport.sales.models import Deal
from rapport.sales.tests.factories import make_pipeline
from rapport.tenancy.access import workspace_scope


@pytest.fixture(params=[True, False], ids=["bulk", "rows"])
def import_bulk(request):
    return request.param


def workbook(rows, *, sheet="People", at=(0, 0), errors=()):
    """An .xlsx of `rows` starting at cell `at`; `errors`: (row, column, code) cells holding
    a formula whose cached value is that error, as Excel saves them."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    worksheet = book.add_worksheet(sheet)
    top, left = at
    for r, row in enumerate(rows):
        worksheet.write_row(top + r, left, row)
    for r, c, code in errors:
        worksheet.write_formula(top + r, left + c, "=1/0", None, code)
    book.close()
    return buffer.getvalue()


def deals_imported(workspace, owner, upload, run_import, raw, value):
    """Import `raw` as deals into a workspace with a pipeline: the batch, and each deal's
    `value` by its name."""
    with workspace_scope(workspace):
        make_pipeline(workspace, owner)
    batch = run_import(upload(workspace, raw, entity="deals", name="deals.csv"))
    with workspace_scope(workspace):
        return batch, dict(Deal.objects.values_list("name", value))


# --- a workbook's error cells --------------------------------------------------------------


def test_an_error_cell_in_an_imported_column_is_its_row_s_error_naming_column_and_code(
    workspace, upload, run_import
):
    raw = workbook(
        [
            ["First Name", "Email", "Job Title", "Score"],
            ["Ann", "ann@x.io", ""],
            ["Bo", "bo@x.io", "CTO"],
            ["Cy", "cy@x.io", "CFO", ""],
        ],
        errors=[(1, 2, "#DIV/0!"), (3, 3, "#N/A")],  # Score is no field: not imported
    )

    batch = run_import(upload(workspace, raw, name="people.xlsx"))

    error = only_row_error(workspace, batch)
    assert (error.row, error.column, error.message) == (
        2,
        "Job Title",
        "cell holds the spreadsheet error #DIV/0!",
    )
    assert batch.created == 2
    assert [(c.first_name, c.job_title) for c in contacts(workspace)] == [
        ("Bo", "CTO"),
        ("Cy", "CFO"),
    ]


def test_an_update_whose_cell_holds_an_error_leaves_the_record_as_it_was(
    workspace, upload, run_import
):
    make_contact(workspace, first_name="Ann", emails=["ann@x.io"], job_title="CTO")
    raw = workbook(
        [["Email", "Job Title", "City"], ["ann@x.io", "", "Leeds"]], errors=[(1, 1, "#N/A")]
    )

    batch = run_import(upload(workspace, raw, name="people.xlsx"), mode="update")

    error = only_row_error(workspace, batch)
    assert (error.column, error.message) == ("Job Title", "cell holds the spreadsheet error #N/A")
    [ann] = contacts(workspace)
    assert (ann.job_title, ann.city) == ("CTO", "")


def test_error_cells_are_found_in_a_sheet_starting_further_down_and_right(
    workspace, upload, run_import
):
    raw = workbook(
        [["First Name", "Email"], ["Ann", "ann@x.io"], ["Bo", ""]],
        sheet="Kunden & Co",
        at=(2, 3),
        errors=[(2, 1, "#VALUE!")],
    )

    batch = run_import(upload(workspace, raw, name="people.xlsx"))

    error = only_row_error(workspace, batch)
    assert (error.column, error.message) == ("Email", "cell holds the spreadsheet error #VALUE!")
    with workspace_scope(workspace):
        assert [c.first_name for c in contacts(workspace)] == ["Ann"]


# --- a column's dates in one order ---------------------------------------------------------


def _rows(*values):
    return [CsvRow(n, [v]) for n, v in enumerate(values, start=2)]


@pytest.mark.parametrize(
    ("values", "order"),
    [
        (["03/04/2024", "25/03/2024"], True),
        (["03/04/2024", "03/25/2024 2:30 PM"], False),
        (["03-04-24", "25-03-24", "2024-01-05", "01.02.2024", "Dec 31, 2024", ""], True),
        (["03/04/2024", "04/05/2024"], None),  # nothing says
        (["25/03/2024", "03/25/2024"], None),  # both say
        (["25/03/2024", "see notes"], None),  # not a date column
    ],
)
def test_a_column_s_order_is_what_its_values_tell(values, order):
    expected = {} if order is None else {0: order}

    assert column_orders(_rows(*values), [0]) == expected


def test_a_day_first_column_s_dates_are_all_read_day_first_in_any_row(monkeypatch):
    monkeypatch.setattr(column_dates, "SAMPLE_ROWS", 2)
    rows = _rows("03/04/2024", "25/03/2024 10:15", "05/06/2024", "31/02/2024", "", "2024-01-01")

    out = list(dates_ordered(iter(rows), [0]))

    assert [r.cells[0] for r in out] == [
        "2024-04-03",
        "2024-03-25 10:15",
        "2024-06-05",  # after the rows looked at
        "31/02/2024",  # no date: left for its reader to name
        "",
        "2024-01-01",
    ]


def test_a_us_workspace_reads_a_day_first_column_day_first(workspace, owner, upload, run_import):
    raw = (
        "Deal Name,Amount,Stage,Close Date\r\n"
        "A,1,Proposal,03/04/2024\r\n"
        "B,1,Proposal,25/03/2024\r\n"
    )

    batch, dates = deals_imported(workspace, owner, upload, run_import, raw, "expected_close_date")

    assert (batch.created, batch.failed) == (2, 0)
    assert dates == {"A": dt.date(2024, 4, 3), "B": dt.date(2024, 3, 25)}


# --- decimal commas in a semicolon file ------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "read"),
    [
        ("1.234,56", "1234.56"),
        ("1,234", "1.234"),  # the comma is the decimal mark: never 1234
        ("1.234", "1234"),  # a German thousand
        ("12,5", "12.5"),
        ("0,99 €", "0.99 €"),
        ("€ 1.234.567,8", "€ 1234567.8"),
        ("-1.234", "-1234"),
        ("12.5", "12.5"),  # no comma and no groups of three: a decimal point
        ("1 234,50", "1234.50"),
        ("1,2,3", "1,2,3"),  # no amount: left for its reader to name
        ("", ""),
    ],
)
def test_a_semicolon_file_s_amount_is_read_with_a_decimal_comma(cell, read):
    assert decimal_comma_read(cell) == read


def test_a_semicolon_file_s_deal_amounts_are_read_with_a_decimal_comma(
    workspace, owner, upload, run_import
):
    raw = (
        "Deal Name;Amount;Stage\r\n"
        "A;1.234,56;Proposal\r\nB;1.234;Proposal\r\nC;99,5;Proposal\r\nD;1,234;Proposal\r\n"
    )

    batch, amounts = deals_imported(workspace, owner, upload, run_import, raw, "amount")

    assert batch.created == 3
    assert amounts == {"A": Decimal("1234.56"), "B": Decimal("1234"), "C": Decimal("99.5")}
    error = only_row_error(workspace, batch)
    assert (error.row, error.column) == (5, "Amount")  # 1.234: a money amount has 2 decimals


def test_a_comma_delimited_file_s_amounts_keep_their_reading(workspace, owner, upload, run_import):
    raw = 'Deal Name,Amount,Stage\r\nA,"1,234",Proposal\r\nB,1234.5,Proposal\r\n'

    batch, amounts = deals_imported(workspace, owner, upload, run_import, raw, "amount")

    assert (batch.created, batch.failed) == (2, 0)
    assert amounts == {"A": Decimal("1234"), "B": Decimal("1234.5")}
