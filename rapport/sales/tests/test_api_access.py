"""Sales over the API, two workspaces and four roles: nobody sees, finds or changes another
workspace's sales records, and a viewer changes nothing.

The tables below name every `/sales/` operation; tests check them against the OpenAPI schema,
so a new sales endpoint without an isolation case and, for a write, a viewer case fails here.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from rapport.api.testing import (
    ApiClient,
    assert_not_found,
    call,
    listed_ids,
    problem_fields,
    schema_operations,
)
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.sales.leads import lead_create, web_form_create
from rapport.sales.models import (
    Deal,
    ExchangeRate,
    Lead,
    Order,
    Pipeline,
    Product,
    ScoringRule,
    ScoringSettings,
    WebForm,
)
from rapport.sales.scoring import scoring_rule_create
from rapport.sales.services import (
    deal_create,
    deal_move,
    exchange_rate_set,
    order_upsert,
    product_create,
)
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

PREFIX = "/sales/"
DAY = "2026-03-02"


@dataclass
class World:
    """One workspace's sales records, and a token client of its owner."""

    workspace: Workspace
    api: ApiClient
    ids: dict[str, int]
    amount: str
    source: str


def _world(workspace, user, *, name: str, amount: str) -> World:
    contact = make_contact(workspace, first_name=name, emails=[f"{name.lower()}@example.com"])
    company = make_company(workspace, name=f"{name} Inc", domain=f"{name.lower()}.example")
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace, user)
        stages = stage_ids(pipeline)
        deal = deal_create(
            workspace=workspace,
            actor=user,
            data={
                "name": f"{name} deal",
                "amount": amount,
                "company_id": company.pk,
                "contacts": [{"id": contact.pk, "role": "champion"}],
                "expected_close_date": "2026-04-15",
            },
        )
        won = deal_create(workspace=workspace, actor=user, data={"name": "won", "amount": amount})
        deal_move(workspace=workspace, actor=user, deal=won, stage_id=stages["Won"])
        lead = lead_create(
            workspace=workspace,
            actor=user,
            data={"first_name": name, "email": f"lead@{name.lower()}.io", "source": name},
        )
        form = web_form_create(workspace=workspace, actor=user, name=f"{name} form")
        rule = scoring_rule_create(
            workspace=workspace,
            actor=user,
            data={"target": "lead", "field": "source", "operator": "present", "points": 5},
        )
        product = product_create(
            workspace=workspace, actor=user, data={"sku": "SKU-1", "name": f"{name} widget"}
        )
        order, _ = order_upsert(
            workspace=workspace,
            actor=user,
            data={
                "external_id": "ERP-1",
                "contact_id": contact.pk,
                "company_id": company.pk,
                "lines": [{"description": name, "unit_price": amount}],
            },
        )
        rate = exchange_rate_set(
            workspace=workspace, actor=user, currency="EUR", day=dt.date(2026, 3, 2), rate="1.1"
        )
    ids = {
        "contact_id": contact.pk,
        "company_id": company.pk,
        "pipeline_id": pipeline.pk,
        "stage_id": stages["Proposal"],
        "deal_id": deal.pk,
        "won_deal_id": won.pk,
        "won_order_id": won.order.pk,
        "lead_id": lead.pk,
        "form_id": form.pk,
        "rule_id": rule.pk,
        "product_id": product.pk,
        "order_id": order.pk,
        "rate_id": rate.pk,
    }
    return World(workspace, ApiClient.with_token(user, workspace), ids, amount, name)


@pytest.fixture
def ours(workspace, owner) -> World:
    return _world(workspace, owner, name="Zelda", amount="1234.00")


@pytest.fixture
def theirs(other_workspace, outsider) -> World:
    return _world(other_workspace, outsider, name="Yorick", amount="9876.00")


def _state(workspace: Workspace) -> tuple[Any, ...]:
    """Everything a sales write could change, to compare before and after."""
    with workspace_scope(workspace):
        return (
            list(Lead.objects.values_list("id", "status", "first_name", "updated_at")),
            list(WebForm.objects.values_list("id", "name", "active")),
            list(ScoringRule.objects.values_list("id", "points")),
            list(ScoringSettings.objects.values_list("mql_threshold")),
            list(Pipeline.objects.values_list("id", "name")),
            list(Deal.objects.values_list("id", "name", "stage_id", "position", "updated_at")),
            list(Product.objects.values_list("id", "sku")),
            list(Order.objects.values_list("id", "external_id", "total", "updated_at")),
            list(ExchangeRate.objects.values_list("id", "currency", "day", "rate")),
            Contact.objects.count(),
            AuditEntry.objects.count(),
        )


# Operations on one record: called with the other workspace's ids, each must answer 404.
RECORD_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/sales/leads/{lead_id}", None),
    ("patch", "/sales/leads/{lead_id}", {"first_name": "Hijacked"}),
    ("delete", "/sales/leads/{lead_id}", None),
    ("post", "/sales/leads/{lead_id}/convert", {}),
    ("post", "/sales/leads/{lead_id}/disqualify", {"reason": "Hijacked"}),
    ("get", "/sales/web-forms/{form_id}", None),
    ("patch", "/sales/web-forms/{form_id}", {"active": False}),
    ("delete", "/sales/scoring/rules/{rule_id}", None),
    ("get", "/sales/pipelines/{pipeline_id}", None),
    ("get", "/sales/pipelines/{pipeline_id}/board", None),
    ("get", "/sales/deals/{deal_id}", None),
    ("patch", "/sales/deals/{deal_id}", {"name": "Hijacked"}),
    ("delete", "/sales/deals/{deal_id}", None),
    ("post", "/sales/deals/{deal_id}/move", {"stage_id": "{stage_id}"}),
    ("get", "/sales/products/{product_id}", None),
    ("get", "/sales/orders/{order_id}", None),
    ("get", "/sales/contacts/{contact_id}/purchases", None),
    ("get", "/sales/companies/{company_id}/purchases", None),
]
# Operations on collections, each covered by a test below.
COLLECTION_CALLS = {
    ("get", "/sales/leads"),
    ("post", "/sales/leads"),
    ("get", "/sales/leads/conversion-by-source"),
    ("get", "/sales/web-forms"),
    ("post", "/sales/web-forms"),
    ("get", "/sales/scoring/rules"),
    ("post", "/sales/scoring/rules"),
    ("get", "/sales/scoring/threshold"),
    ("put", "/sales/scoring/threshold"),
    ("get", "/sales/pipelines"),
    ("post", "/sales/pipelines"),
    ("get", "/sales/deals"),
    ("post", "/sales/deals"),
    ("get", "/sales/products"),
    ("post", "/sales/products"),
    ("get", "/sales/orders"),
    ("post", "/sales/orders"),
    ("post", "/sales/orders/bulk"),
    ("get", "/sales/exchange-rates"),
    ("put", "/sales/exchange-rates/{currency}/{day}"),
    ("get", "/sales/forecast"),
}


def _send(api: ApiClient, method: str, path: str, body: Any, ids: dict[str, int]) -> Any:
    """`call` with the rate endpoint's currency and day."""
    return call(api, method, path, body, {**ids, "currency": "EUR", "day": DAY})


def test_every_sales_operation_has_an_isolation_case(db):
    covered = {(method, path) for method, path, _ in RECORD_CALLS} | COLLECTION_CALLS

    assert schema_operations(PREFIX) == covered


@pytest.mark.parametrize(("method", "path", "body"), RECORD_CALLS)
def test_another_workspaces_sales_record_is_not_found(sides, method, path, body):
    looker, other = sides
    before = _state(other.workspace)

    # The move names a stage of the looker's own pipeline: only the deal is foreign.
    ids = {**other.ids, "stage_id": looker.ids["stage_id"]}
    response = _send(looker.api, method, path, body, ids)

    assert_not_found(response, hidden=other.source)
    assert _state(other.workspace) == before


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("/sales/leads", ("lead_id",)),
        ("/sales/web-forms", ("form_id",)),
        ("/sales/scoring/rules", ("rule_id",)),
        ("/sales/pipelines", ("pipeline_id",)),
        ("/sales/deals", ("deal_id", "won_deal_id")),
        ("/sales/products", ("product_id",)),
        ("/sales/orders", ("order_id", "won_order_id")),
        ("/sales/exchange-rates", ("rate_id",)),
    ],
)
def test_lists_show_only_the_callers_own_records(sides, path, keys):
    looker, _ = sides

    assert listed_ids(looker.api.get(path)) == {looker.ids[k] for k in keys}


def test_filters_by_another_workspaces_ids_find_nothing(sides):
    looker, other = sides

    for path, params in [
        ("/sales/deals", {"pipeline_id": other.ids["pipeline_id"]}),
        ("/sales/deals", {"company_id": other.ids["company_id"]}),
        ("/sales/orders", {"contact_id": other.ids["contact_id"]}),
        ("/sales/orders", {"company_id": other.ids["company_id"]}),
        ("/sales/leads", {"q": other.source}),
    ]:
        assert listed_ids(looker.api.get(path, params)) == set(), (path, params)


def test_lead_conversion_by_source_counts_only_the_callers_leads(sides):
    looker, _ = sides

    rows = looker.api.get("/sales/leads/conversion-by-source").json()

    assert [(r["source"], r["leads"]) for r in rows] == [(looker.source, 1)]


def test_the_forecast_and_the_board_count_only_the_callers_deals(sides):
    looker, other = sides

    forecast = looker.api.get(
        "/sales/forecast", {"start": "2026-01-01", "end": "2027-01-01", "by_owner": False}
    ).json()
    theirs = looker.api.get(
        "/sales/forecast",
        {"start": "2026-01-01", "end": "2027-01-01", "pipeline_id": other.ids["pipeline_id"]},
    ).json()
    board = looker.api.get(f"/sales/pipelines/{looker.ids['pipeline_id']}/board").json()

    [year] = [t for t in forecast["totals"] if t["period"] == "2026-04"]
    assert year["pipeline"] == looker.amount
    assert sum(Decimal(t["closed_won"]) for t in forecast["totals"]) == Decimal(looker.amount)
    assert theirs["rows"] == theirs["totals"] == []
    assert sum(column["deal_count"] for column in board["columns"]) == 2


def test_the_scoring_threshold_is_the_callers_own(sides):
    looker, other = sides

    response = looker.api.put("/sales/scoring/threshold", {"mql_threshold": 77})

    assert response.json() == {"mql_threshold": 77}
    assert looker.api.get("/sales/scoring/threshold").json() == {"mql_threshold": 77}
    assert other.api.get("/sales/scoring/threshold").json() == {"mql_threshold": 50}


def test_an_exchange_rate_set_here_leaves_the_other_workspaces_rate(sides):
    looker, other = sides
    before = _state(other.workspace)

    response = looker.api.put(f"/sales/exchange-rates/EUR/{DAY}", {"rate": "1.5"})

    assert response.status_code == 200, response.content
    assert response.json()["rate"] == "1.5000000000"
    assert _state(other.workspace) == before


def test_names_taken_in_another_workspace_are_free_here(sides):
    looker, other = sides

    pipeline = looker.api.post(
        "/sales/pipelines",
        {
            "name": "New business 2",
            "stages": [{"name": "W", "outcome": "won"}, {"name": "L", "outcome": "lost"}],
        },
    )
    product = looker.api.post("/sales/products", {"sku": "SKU-2", "name": "Gadget"})
    same_sku = other.api.post("/sales/products", {"sku": "SKU-2", "name": "Gadget"})

    assert pipeline.status_code == product.status_code == same_sku.status_code == 201


def test_writes_cannot_link_another_workspaces_records(sides):
    looker, other = sides
    before = _state(other.workspace)

    deal = looker.api.post(
        "/sales/deals",
        {
            "name": "Sneaky",
            "pipeline_id": other.ids["pipeline_id"],
            "company_id": other.ids["company_id"],
            "contacts": [{"id": other.ids["contact_id"]}],
            "lines": [{"product_id": other.ids["product_id"], "unit_price": "1"}],
        },
    )
    lead = looker.api.post("/sales/leads", {"email": "x@y.io", "owner_id": _owner_id(other)})
    order = looker.api.post(
        "/sales/orders",
        {"contact_id": other.ids["contact_id"], "lines": [{"unit_price": "1"}]},
    )
    rule_less = looker.api.post(
        "/sales/deals/{}/move".format(looker.ids["deal_id"]), {"stage_id": other.ids["stage_id"]}
    )

    assert set(problem_fields(deal)) == {
        "pipeline_id",
        "company_id",
        "contacts",
        "lines.0.product_id",
    }
    assert set(problem_fields(lead)) == {"owner_id"}
    assert set(problem_fields(order)) == {"contact_id"}
    assert set(problem_fields(rule_less)) == {"stage_id"}
    assert _state(other.workspace) == before


def _owner_id(world: World) -> int:
    return world.workspace.memberships.get(role="owner").user_id


def test_an_order_pushed_with_another_workspaces_external_id_is_a_new_order_here(sides):
    looker, other = sides
    before = _state(other.workspace)
    order = {
        "external_id": "ERP-1",
        "contact_id": looker.ids["contact_id"],
        "lines": [{"description": "x", "unit_price": "5"}],
    }

    single = looker.api.post("/sales/orders", {**order, "external_id": "ERP-2"})
    bulk = looker.api.post("/sales/orders/bulk", {"items": [order]})

    assert single.status_code == 201
    assert bulk.json()["results"][0]["status"] == "updated"
    assert bulk.json()["results"][0]["id"] == looker.ids["order_id"]
    assert _state(other.workspace) == before


def test_converting_a_lead_never_links_another_workspaces_contact_or_company(sides):
    looker, other = sides
    lead = looker.api.post(
        "/sales/leads",
        {
            "email": f"{other.source.lower()}@example.com",
            "domain": f"{other.source.lower()}.example",
            "company_name": "Lookalike",
        },
    ).json()

    done = looker.api.post(f"/sales/leads/{lead['id']}/convert", {}).json()

    assert done["contact_created"] and done["company_created"]
    assert done["contact_id"] != other.ids["contact_id"]
    assert done["company_id"] != other.ids["company_id"]


def test_web_forms_and_rules_are_created_in_the_callers_workspace(sides):
    looker, _ = sides

    form = looker.api.post("/sales/web-forms", {"name": "Contact us"}).json()
    rule = looker.api.post(
        "/sales/scoring/rules",
        {
            "target": "lead",
            "field": "job_title",
            "operator": "contains",
            "value": "VP",
            "points": 20,
        },
    ).json()

    with workspace_scope(looker.workspace):
        assert WebForm.objects.filter(pk=form["id"]).exists()
        assert ScoringRule.objects.filter(pk=rule["id"]).exists()


# --- roles ---------------------------------------------------------------------------------

WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("post", "/sales/leads", {"email": "eve@example.com"}),
    ("patch", "/sales/leads/{lead_id}", {"first_name": "Eve"}),
    ("delete", "/sales/leads/{lead_id}", None),
    ("post", "/sales/leads/{lead_id}/convert", {}),
    ("post", "/sales/leads/{lead_id}/disqualify", {"reason": "spam"}),
    ("post", "/sales/web-forms", {"name": "Eve's form"}),
    ("patch", "/sales/web-forms/{form_id}", {"active": False}),
    (
        "post",
        "/sales/scoring/rules",
        {"target": "lead", "field": "phone", "operator": "present", "points": 1},
    ),
    ("delete", "/sales/scoring/rules/{rule_id}", None),
    ("put", "/sales/scoring/threshold", {"mql_threshold": 5}),
    (
        "post",
        "/sales/pipelines",
        {
            "name": "Eve",
            "stages": [{"name": "W", "outcome": "won"}, {"name": "L", "outcome": "lost"}],
        },
    ),
    ("post", "/sales/deals", {"name": "Eve's deal"}),
    ("patch", "/sales/deals/{deal_id}", {"name": "Eve's deal"}),
    ("delete", "/sales/deals/{deal_id}", None),
    ("post", "/sales/deals/{deal_id}/move", {"stage_id": "{stage_id}"}),
    ("post", "/sales/products", {"sku": "EVE", "name": "Eve"}),
    ("post", "/sales/orders", {"contact_id": "{contact_id}", "lines": [{"unit_price": "1"}]}),
    ("post", "/sales/orders/bulk", {"items": [{"external_id": "ERP-1", "company_id": 1}]}),
    ("put", "/sales/exchange-rates/{currency}/{day}", {"rate": "9"}),
]


def test_every_sales_write_has_a_viewer_case(db):
    writes = {(m, p) for m, p in schema_operations(PREFIX) if m != "get"}

    assert writes == {(m, p) for m, p, _ in WRITES}


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_viewer_cannot_write_sales_records(ours, viewer, method, path, body):
    before = _state(ours.workspace)

    response = _send(ApiClient.with_token(viewer, ours.workspace), method, path, body, ours.ids)

    assert response.status_code == 403, response.content
    problem_fields(response)
    assert _state(ours.workspace) == before


def test_a_member_works_deals_but_not_the_pipeline_settings(ours, member):
    api = ApiClient.with_token(member, ours.workspace)

    moved = api.post(f"/sales/deals/{ours.ids['deal_id']}/move", {"stage_id": ours.ids["stage_id"]})
    pipeline = api.post("/sales/pipelines", {"name": "Mine", "stages": []})
    deleted = api.delete(f"/sales/deals/{ours.ids['deal_id']}")

    assert moved.status_code == 200
    assert pipeline.status_code == deleted.status_code == 403
