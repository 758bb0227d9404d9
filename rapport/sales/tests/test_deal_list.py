"""The deal list: search by name, sorting by its columns (page, API and export alike), and the
total in the base currency beside the per-currency totals; and what a closed deal's page says
of its closing."""

import datetime as dt

import pytest
import time_machine

from rapport.api.testing import ApiClient, problem_fields
from rapport.sales.services import deal_create, deal_move, exchange_rate_set
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(workspace, owner):
    with workspace_scope(workspace):
        return make_pipeline(workspace, owner)


def _deal(workspace, pipeline, name, amount, **data):
    with workspace_scope(workspace):
        return deal_create(
            workspace=workspace,
            actor=None,
            data={"name": name, "amount": amount, "pipeline_id": pipeline.pk} | data,
        )


@pytest.fixture
def deals(workspace, pipeline):
    _deal(workspace, pipeline, "Initech renewal", "300", expected_close_date="2030-03-01")
    _deal(workspace, pipeline, "Acme expansion", "1200", expected_close_date="2030-01-01")
    _deal(workspace, pipeline, "Globex pilot", "50", expected_close_date="2030-02-01")


def _names(html: str) -> list[str]:
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    return [r.split("<strong>")[1].split("</strong>")[0] for r in rows.split("<tr>")[1:]]


def test_the_list_sorts_by_its_columns_and_searches_names(owner_client, deals):
    def names(query: str) -> list[str]:
        return _names(owner_client.get(f"/deals/?{query}").content.decode())

    assert names("") == ["Globex pilot", "Acme expansion", "Initech renewal"]  # newest first
    assert names("sort=name") == ["Acme expansion", "Globex pilot", "Initech renewal"]
    assert names("sort=-amount") == ["Acme expansion", "Initech renewal", "Globex pilot"]
    assert names("sort=close") == ["Acme expansion", "Globex pilot", "Initech renewal"]
    assert names("q=ACME") == ["Acme expansion"]
    assert names("q=pilot&sort=name") == ["Globex pilot"]


def test_a_sort_header_flips_the_order_and_the_filters_keep_it(owner_client, deals):
    page = owner_client.get("/deals/?sort=name").content.decode()

    assert 'href="?sort=-name"' in page  # clicking the sorted column reverses it
    assert '<input type="hidden" name="sort" value="name" form="filters">' in page


def test_a_bad_sort_or_day_is_named_and_the_list_stays_newest_first(owner_client, deals):
    page = owner_client.get("/deals/?sort=colour").content.decode()

    assert "Sort: Select a valid choice. colour is not one of the available choices." in page
    assert _names(page)[0] == "Globex pilot"
    bad_day = owner_client.get("/deals/?close_from=soon").content.decode()
    assert "Close from: Enter a valid date." in bad_day


def test_the_base_total_values_closed_deals_at_their_days_rate_and_open_ones_at_the_latest(
    owner_client, workspace, owner, pipeline
):
    with workspace_scope(workspace):
        for day, rate in [(dt.date(2026, 1, 1), "1.10"), (dt.date(2026, 3, 1), "1.20")]:
            exchange_rate_set(workspace=workspace, actor=owner, currency="EUR", day=day, rate=rate)
        won_stage = stage_ids(pipeline)["Won"]
    with time_machine.travel(dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC), tick=False):
        won = _deal(workspace, pipeline, "Won in February", "100", currency="EUR")
        with workspace_scope(workspace):
            deal_move(workspace=workspace, actor=owner, deal=won, stage_id=won_stage)
    _deal(workspace, pipeline, "Open", "100", currency="EUR")
    _deal(workspace, pipeline, "Dollars", "10.50")

    page = owner_client.get("/deals/").content.decode()

    # 100 EUR × 1.10 (the day it was won) + 100 EUR × 1.20 (the latest) + 10.50 USD
    assert "= 240.50 USD" in page


def test_without_a_rate_the_base_total_says_which_is_missing(owner_client, workspace, pipeline):
    _deal(workspace, pipeline, "Euro", "100", currency="EUR")
    _deal(workspace, pipeline, "Dollar", "10")

    page = owner_client.get("/deals/").content.decode()

    assert "No total in USD: no EUR→USD exchange rate" in page
    assert "Euro" in _names(page) and "100.00 EUR" in page


def test_the_api_searches_and_sorts_and_names_a_bad_sort(workspace, owner, deals):
    api = ApiClient.with_token(owner, workspace)

    by_amount = api.get("/sales/deals", {"sort": "amount"}).json()["items"]
    found = api.get("/sales/deals", {"q": "initech"}).json()["items"]
    bad = api.get("/sales/deals", {"sort": "colour"})

    assert [d["name"] for d in by_amount] == ["Globex pilot", "Initech renewal", "Acme expansion"]
    assert [d["name"] for d in found] == ["Initech renewal"]
    assert bad.status_code == 400 and set(problem_fields(bad)) == {"sort"}


def test_the_export_follows_the_lists_search_and_sort(owner_client, deals):
    export = owner_client.get("/exports/deals.csv", {"sort": "-amount", "q": "O"})
    rows = b"".join(export.streaming_content).decode().splitlines()

    names = [row.split(",")[1] for row in rows[1:]]
    assert rows[0].split(",")[1] == "name"
    assert names == ["Acme expansion", "Globex pilot"]  # "Initech renewal" has no "o"


def test_a_closed_deal_says_when_it_was_won_not_when_it_was_expected_to_close(
    owner_client, workspace, owner, pipeline
):
    with time_machine.travel(dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC), tick=False):
        won = _deal(workspace, pipeline, "Won", "100", expected_close_date="2026-06-30")
        with workspace_scope(workspace):
            deal_move(
                workspace=workspace, actor=owner, deal=won, stage_id=stage_ids(pipeline)["Won"]
            )
    still_open = _deal(workspace, pipeline, "Open", "100", expected_close_date="2030-06-30")

    closed_page = owner_client.get(f"/deals/{won.pk}/").content.decode()
    open_page = owner_client.get(f"/deals/{still_open.pk}/").content.decode()

    assert '<span id="deal-closing">won Feb 10, 2026</span>' in closed_page
    assert "so far" not in closed_page and ">closed</span>" in closed_page
    assert '<span id="deal-closing">closes Jun 30, 2030</span>' in open_page
    assert "so far" in open_page
