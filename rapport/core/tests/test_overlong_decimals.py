"""`rapport overlong_decimals`: values SQLite stored longer than their column (before the write
paths refused them) are listed, and with --fix mended, each change audited with the stored
value. PostgreSQL refused them on write: its columns are not even scanned."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rapport.audit.models import AuditEntry
from rapport.campaigns.models import Campaign
from rapport.campaigns.tests.factories import make_campaign
from rapport.contacts.models import Company
from rapport.contacts.tests.factories import make_company
from rapport.sales.models import Deal, ExchangeRate
from rapport.sales.services import deal_create, exchange_rate_set
from rapport.sales.tests.factories import make_pipeline
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite stores a value longer than its column"
)

TWENTY_DIGITS = "12345678901234567890"


def store_raw(model, pk: int, column: str, value: str) -> None:
    """Write as a row written before the limits were: straight into the column."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} SET {column} = %s WHERE id = %s",
            [value, pk],
        )


def run(*args: str) -> str:
    out = StringIO()
    call_command("overlong_decimals", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def page(owner, workspace):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client


@pytest.fixture
def initech(workspace):
    company = make_company(workspace, name="Initech")
    store_raw(Company, company.pk, "annual_revenue", TWENTY_DIGITS)
    return company


@pytest.fixture
def globex(other_workspace):
    """The other workspace's company: a long revenue its column takes, left alone."""
    company = make_company(other_workspace, name="Globex", annual_revenue="999999999999.99")
    return company


@sqlite_only
def test_a_listing_names_each_value_and_changes_nothing(page, workspace, initech, globex):
    listed = run()

    assert listed.splitlines() == [
        f"{workspace.slug}\tcontacts.Company\t{initech.pk}\tannual_revenue\t1.2345678901234567e+19",
        "1 values too long for their column",
    ]
    assert page.get(f"/companies/{initech.pk}/").status_code == 500
    assert not AuditEntry.unscoped.filter(action="update").exists()


@sqlite_only
def test_fix_mends_the_page_and_keeps_the_stored_value_in_the_audit_trail(
    page, workspace, other_workspace, initech, globex
):
    before = page.get(f"/companies/{initech.pk}/")

    run("--fix")

    assert before.status_code == 500
    assert page.get(f"/companies/{initech.pk}/").status_code == 200
    assert Company.unscoped.get(pk=initech.pk).annual_revenue is None
    entry = AuditEntry.unscoped.get(
        entity="contacts.company", object_id=initech.pk, action="update"
    )
    assert entry.workspace_id == workspace.pk and entry.source == "cli"
    assert entry.changes == {"annual_revenue": ["1.2345678901234567e+19", None]}
    assert Company.unscoped.get(pk=globex.pk).annual_revenue == Decimal("999999999999.99")
    assert not AuditEntry.unscoped.filter(workspace=other_workspace, action="update").exists()
    assert run() == "0 values too long for their column\n"


@sqlite_only
def test_a_required_field_becomes_zero_and_one_that_refuses_zero_is_left(workspace):
    """A deal amount mended, the kept deal sums are computed again."""
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace)
        deal, _ = (
            deal_create(
                workspace=workspace,
                actor=None,
                data={"name": name, "amount": amount} | {"pipeline_id": pipeline.pk},
            )
            for name, amount in (("Big", "1"), ("Small", "10.01"))
        )
        rate = exchange_rate_set(
            workspace=workspace, actor=None, currency="GBP", day=dt.date(2026, 1, 1), rate="1.2"
        )
        campaign = make_campaign(workspace)
    store_raw(Deal, deal.pk, "amount", TWENTY_DIGITS)
    store_raw(ExchangeRate, rate.pk, "rate", TWENTY_DIGITS)
    store_raw(Campaign, campaign.pk, "budget", TWENTY_DIGITS)
    store_raw(Campaign, campaign.pk, "cost", "n/a")

    with pytest.raises(CommandError, match="1 values left"):
        run("--fix")

    assert Deal.unscoped.get(pk=deal.pk).amount == 0
    # The sum of both deals held the overlong amount as a float, the other's 10.01 lost in it.
    call_command("deal_totals", stdout=StringIO())
    mended = Campaign.unscoped.get(pk=campaign.pk)
    assert (mended.budget, mended.cost) == (0, 0)
    assert AuditEntry.unscoped.get(entity="campaigns.campaign", action="update").changes == {
        "budget": ["1.2345678901234567e+19", "0"],
        "cost": ["n/a", "0"],
    }
    assert run().splitlines() == [
        f"{workspace.slug}\tsales.ExchangeRate\t{rate.pk}\trate\t1.2345678901234567e+19",
        "1 values too long for their column",
    ]


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite declares no precision")
def test_columns_that_declare_their_digits_are_not_scanned(workspace, initech_on_server):
    with CaptureQueriesContext(connection) as queries:
        listed = run()

    assert listed == "0 values too long for their column\n"
    assert not [q for q in queries.captured_queries if "abs(" in q["sql"]]


@pytest.fixture
def initech_on_server(workspace):
    return make_company(workspace, name="Initech", annual_revenue="999999999999.99")
