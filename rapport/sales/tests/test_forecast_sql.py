"""The forecast's groups read from the kept sums in SQL written once per process
(`sales.forecast_sql`) are the groups the ORM reads, value for value and type for type."""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from rapport.sales import forecast, forecast_sql
from rapport.sales.models import Deal
from rapport.sales.services import deal_create, deal_move, exchange_rate_set
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL is PostgreSQL's; SQLite reads the ORM's"
)

WINDOW = (dt.date(2026, 1, 1), dt.date(2026, 7, 1))


def _seed(workspace, owner, member, name="New business"):
    """Won deals on three days of two months, in two currencies, of two owners and none;
    open deals in three categories (one omitted) in two stages and two months."""
    pipeline = make_pipeline(workspace, owner, name=name)
    ids = stage_ids(pipeline)
    exchange_rate_set(
        workspace=workspace, actor=owner, currency="EUR", day=dt.date(2026, 1, 1), rate="1.1"
    )
    for i, day in enumerate(["2026-02-03", "2026-02-03", "2026-03-09", "2026-05-30"]):
        with time_machine.travel(dt.datetime.fromisoformat(f"{day}T10:00:00+00:00"), tick=False):
            deal = deal_create(
                workspace=workspace,
                actor=owner,
                data={
                    "name": f"won {i}",
                    "amount": f"{i + 1}00.10",
                    "currency": ("USD", "EUR")[i % 2],
                    "owner_id": (owner.pk, member.pk, None, owner.pk)[i],
                    "pipeline_id": pipeline.pk,
                },
            )
            deal_move(workspace=workspace, actor=owner, deal=deal, stage_id=ids["Won"])
    for i, category in enumerate(["pipeline", "commit", "best_case", "omitted", "commit"]):
        deal = deal_create(
            workspace=workspace,
            actor=owner,
            data={
                "name": f"open {i}",
                "amount": f"{i + 3}0.05",
                "currency": ("EUR", "USD")[i % 2],
                "owner_id": (owner.pk, None, member.pk, owner.pk, owner.pk)[i],
                "expected_close_date": ("2026-04-02", "2026-06-30")[i % 2],
                "forecast_category": category,
                "pipeline_id": pipeline.pk,
            },
        )
        if i % 2:
            deal_move(workspace=workspace, actor=owner, deal=deal, stage_id=ids["Proposal"])
    return pipeline


@pytest.fixture
def pipelines(scoped, owner, member):
    return [_seed(scoped, owner, member), _seed(scoped, owner, member, name="Renewals")]


def _orm_groups(which, workspace, pipeline_id, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(forecast_sql, "applies", lambda: False)
        return getattr(forecast, which)(
            workspace=workspace,
            deals=Deal.objects.all(),
            start=WINDOW[0],
            end=WINDOW[1],
            pipeline_id=pipeline_id,
        )


@pytest.mark.parametrize("which", ["won_groups", "open_groups"])
@pytest.mark.parametrize("by_pipeline", [False, True])
def test_the_kept_sums_groups_are_the_orms(scoped, pipelines, monkeypatch, which, by_pipeline):
    pipeline_id = pipelines[1].pk if by_pipeline else None
    rows = getattr(forecast, which)(
        workspace=scoped,
        deals=Deal.objects.all(),
        start=WINDOW[0],
        end=WINDOW[1],
        pipeline_id=pipeline_id,
    )
    orm = _orm_groups(which, scoped, pipeline_id, monkeypatch)

    assert sorted(rows, key=repr) == sorted(orm, key=repr)
    assert {tuple(map(type, r)) for r in rows} == {tuple(map(type, r)) for r in orm}
    # Four groups in one pipeline; across both, the won ones add up (the pipelines' deals are
    # alike) and the open ones stay apart (their stages differ).
    assert len(rows) == (4 if by_pipeline or which == "won_groups" else 8)
    assert sum(r[-1] for r in rows) == (4 if by_pipeline else 8)


def test_another_workspaces_sums_never_show(scoped, pipelines, other_workspace, outsider):
    with workspace_scope(other_workspace):
        _seed(other_workspace, outsider, outsider)
    mine = forecast_sql.won_rows(
        workspace_id=scoped.pk, start=WINDOW[0], end=WINDOW[1], pipeline_id=None
    )
    theirs = forecast_sql.open_rows(
        workspace_id=other_workspace.pk, start=WINDOW[0], end=WINDOW[1], pipeline_id=None
    )

    assert sum(r[4] for r in mine) == 8  # four won deals in each of this workspace's pipelines
    assert sum(r[6] for r in theirs) == 4  # the other's four open deals not omitted
    assert {r[0] for r in theirs} == {outsider.pk, 0}
