"""The undo of an update-mode company import puts back owners, annual revenues (with their
currency), size bands and custom fields in bulk too (`companies_update_many`), leaving the
state and the audit entries that putting them back one by one leaves; a parent still goes
one by one (its cycle check walks the ancestors as the restores before leave them)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.models import Company
from rapport.contacts.tests.factories import make_company
from rapport.core.errors import ServiceValidationError
from rapport.data.services import import_undo
from rapport.data.tests import test_imp18_values
from rapport.data.tests.test_company_restores import _one_by_one, _stored, _undone
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Membership

mia = test_imp18_values.mia
_workspace = test_imp18_values._workspace

UPDATES = (
    "Account ID,Name,Owner,Annual revenue,Currency,Size band,Seats,Renewal date,Tier,Tags\n"
    'a-1,ACME Corp,mia,"1,250,000.50",EUR,250,12,2026-01-31,gold,vip\n'
    "b-1,Globex,mia,99,,5001,,,,\n"  # revenue without currency: the workspace's
    "a-1,Acme Again,,5,USD,,13,,,\n"  # the first one again
    "c-1,Initech,,,,,7,,,\n"  # a custom field it had none of
)


def _companies(workspace, owner):
    with workspace_scope(workspace):
        make_company(
            workspace,
            owner,
            name="Acme",
            external_id="a-1",
            owner_id=owner.pk,
            annual_revenue="10",
            annual_revenue_currency="GBP",
            size_band="1-10",
            custom_fields={"seats": 3, "tier": "Gold"},
        )
        make_company(workspace, owner, name="Globex", external_id="b-1")
        make_company(workspace, owner, name="Initech", external_id="c-1", custom_fields={})


def test_owners_revenues_and_custom_fields_are_put_back_as_one_by_one_puts_them(
    owner, mia, upload, run_import, monkeypatch
):
    results = []
    for bulk in (False, True):
        if not bulk:
            _one_by_one(monkeypatch)
        else:
            monkeypatch.undo()
        workspace = _workspace(owner, mia, name=f"ws {bulk}")
        _companies(workspace, owner)
        before = _stored(workspace)
        batch = run_import(upload(workspace, UPDATES, entity="companies"), mode="update")
        assert (batch.updated, batch.failed) == (4, 0)
        assert _stored(workspace) != before
        results.append(_undone(workspace, owner, batch))
        assert results[-1][0] == before

    assert results[1] == results[0]
    updates = [e[1:] for e in results[1][1] if e[0] == "update"]
    assert len(updates) == 4  # Acme twice (its later row first), Globex, Initech
    assert ("Initech", {"custom_fields": [{"seats": 7}, {}]}) in updates
    acme = dict(updates)["Acme"]
    assert (acme["owner"], acme["annual_revenue"]) == ([mia.pk, owner.pk], ["1250000.50", "10.00"])
    assert acme["annual_revenue_currency"] == ["EUR", "GBP"]
    # a revenue given without a currency took the workspace's: the undo takes it back too
    assert dict(updates)["Globex"]["annual_revenue_currency"] == ["USD", ""]


def test_their_undo_costs_a_few_queries_not_some_per_company(owner, mia, upload, run_import):
    queries = []
    for size in (20, 200):
        workspace = _workspace(owner, mia, name=f"ws {size}")
        with workspace_scope(workspace):
            for i in range(size):
                make_company(workspace, owner, name=f"C{i}", external_id=f"c-{i}")
        rows = "".join(f"c-{i},mia,{i}00,EUR,{i},gold\n" for i in range(size))
        content = "Account ID,Owner,Annual revenue,Currency,Seats,Tier\n" + rows
        batch = run_import(upload(workspace, content, entity="companies"), mode="update")
        assert batch.updated == size
        with CaptureQueriesContext(connection) as ctx, workspace_scope(workspace):
            import_undo(workspace=workspace, actor=owner, batch=batch)
        queries.append([q["sql"] for q in ctx.captured_queries if "contacts_" in q["sql"]])
        with workspace_scope(workspace):
            assert not Company.objects.exclude(owner=None).exists()
            assert not Company.objects.exclude(custom_fields={}).exists()

    assert len(queries[1]) == len(queries[0]) < 12


@pytest.mark.parametrize("one_by_one", [False, True], ids=["bulk", "one by one"])
def test_an_owner_no_longer_a_member_fails_the_undo_as_one_by_one(
    owner, mia, upload, run_import, monkeypatch, one_by_one
):
    if one_by_one:
        _one_by_one(monkeypatch)
    workspace = _workspace(owner, mia)
    with workspace_scope(workspace):
        make_company(workspace, owner, name="Acme", external_id="a-1", owner_id=mia.pk)
    batch = run_import(upload(workspace, "Account ID,Owner\na-1,olivia\n", entity="companies"))
    assert batch.updated == 0  # skip mode; update mode:
    batch = run_import(
        upload(workspace, "Account ID,Owner\na-1,olivia\n", entity="companies"), mode="update"
    )
    Membership.objects.filter(workspace=workspace, user=mia).delete()

    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as refused:
        import_undo(workspace=workspace, actor=owner, batch=batch)

    assert refused.value.as_dict() == {"owner_id": ["is not a member of this workspace"]}
    with workspace_scope(workspace):
        assert Company.objects.get().owner == owner


def test_a_parent_among_them_is_still_put_back(owner, mia, upload, run_import):
    workspace = _workspace(owner, mia)
    _companies(workspace, owner)
    before = _stored(workspace)
    content = "Account ID,Parent company,Owner,Seats\nb-1,Acme,mia,4\na-1,,mia,9\n"
    batch = run_import(upload(workspace, content, entity="companies"), mode="update")
    assert batch.updated == 2

    stored, _ = _undone(workspace, owner, batch)

    assert stored == before
