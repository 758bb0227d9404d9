"""Sales through `/api/v1/sales/`: leads and their conversion, web forms, scoring, pipelines,
deals and the kanban move, products, order pushes, exchange rates, the forecast, purchases."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.sales.models import Deal, DealStageChange, Lead, Order
from rapport.sales.services import deal_create, exchange_rate_set, order_upsert
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


@pytest.fixture
def pipeline(workspace, owner):
    with workspace_scope(workspace):
        return make_pipeline(workspace, owner)


@pytest.fixture
def stages(pipeline):
    with workspace_scope(pipeline.workspace):
        return stage_ids(pipeline)


def _ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.json()


def _count(workspace, model, **filters) -> int:
    with workspace_scope(workspace):
        return model.objects.filter(**filters).count()


def _pages(api, path: str, params: dict) -> list[list[int]]:
    """The ids of each page, following `next_cursor` to the end."""
    pages, cursor = [], None
    while True:
        body = _ok(api.get(path, {**params, **({"cursor": cursor} if cursor else {})}))
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if not cursor:
            return pages


# --- leads ---------------------------------------------------------------------------------


def test_it_captures_a_lead_with_normalised_email_and_score(api):
    _ok(
        api.post(
            "/sales/scoring/rules",
            {
                "target": "lead",
                "field": "job_title",
                "operator": "contains",
                "value": "VP",
                "points": 20,
            },
        ),
        201,
    )

    lead = _ok(
        api.post(
            "/sales/leads",
            {
                "first_name": "Ann",
                "email": " Ann@Example.COM ",
                "job_title": "VP Sales",
                "source": "webinar",
            },
        ),
        201,
    )

    assert lead["email"] == "ann@example.com"
    assert lead["status"] == "new"
    assert (lead["score"], lead["score_reasons"]) == (20, ["+20 job title contains VP"])


def test_a_bad_lead_is_a_problem_naming_each_field(api):
    typed = api.post("/sales/leads", {"email": "ann@example.com", "status": "converted"})
    meant = api.post("/sales/leads", {"email": "not-an-email", "owner_id": 999})

    assert typed.status_code == meant.status_code == 422
    assert set(problem_fields(typed)) == {"status"}
    assert set(problem_fields(meant)) == {"email", "owner_id"}


def test_leads_filter_by_status_owner_source_and_text_across_cursor_pages(api, owner):
    for i in range(5):
        _ok(api.post("/sales/leads", {"first_name": f"Ann{i}", "source": "ads"}), 201)
    _ok(api.post("/sales/leads", {"first_name": "Bob", "source": "ads", "owner_id": owner.pk}), 201)
    _ok(api.post("/sales/leads", {"last_name": "Ng", "source": "fair", "status": "working"}), 201)

    ads = _pages(api, "/sales/leads", {"source": "ads", "limit": 2})
    mine = _ok(api.get("/sales/leads", {"owner_id": owner.pk}))["items"]
    working = _ok(api.get("/sales/leads", {"status": "working"}))["items"]
    found = _ok(api.get("/sales/leads", {"q": "ann"}))["items"]

    assert [len(p) for p in ads] == [2, 2, 2]
    assert len({i for p in ads for i in p}) == 6
    assert [x["first_name"] for x in mine] == ["Bob"]
    assert [x["last_name"] for x in working] == ["Ng"]
    assert len(found) == 5


def test_it_updates_and_deletes_a_lead(api, workspace):
    lead = _ok(api.post("/sales/leads", {"first_name": "Ann"}), 201)

    patched = _ok(api.patch(f"/sales/leads/{lead['id']}", {"status": "working"}))
    deleted = api.delete(f"/sales/leads/{lead['id']}")

    assert patched["status"] == "working"
    assert deleted.status_code == 204
    assert _count(workspace, Lead) == 0


def test_converting_a_new_prospect_creates_contact_company_and_deal(api, workspace, stages):
    lead = _ok(
        api.post(
            "/sales/leads",
            {
                "first_name": "Ann",
                "email": "ann@initech.io",
                "company_name": "Initech",
                "domain": "initech.io",
            },
        ),
        201,
    )

    done = _ok(
        api.post(
            f"/sales/leads/{lead['id']}/convert",
            {
                "deal": {
                    "amount": "5000",
                    "currency": "EUR",
                    "stage_id": stages["Proposal"],
                    "expected_close_date": "2026-06-30",
                }
            },
        )
    )

    assert done["contact_created"] and done["company_created"] and done["deal_created"]
    deal = _ok(api.get(f"/sales/deals/{done['deal_id']}"))
    assert (deal["amount"], deal["currency"], deal["stage_id"]) == (
        "5000.00",
        "EUR",
        stages["Proposal"],
    )
    assert deal["company_id"] == done["company_id"]
    assert deal["contacts"] == [{"contact_id": done["contact_id"], "role": "decision_maker"}]
    after = _ok(api.get(f"/sales/leads/{lead['id']}"))
    assert after["status"] == "converted"
    assert after["converted_contact_id"] == done["contact_id"]


def test_converting_links_the_existing_contact_and_company(api, workspace):
    company = make_company(workspace, name="Initech", domain="initech.io")
    contact = make_contact(workspace, emails=["ann@initech.io"], company_ids=[company.pk])
    lead = _ok(
        api.post("/sales/leads", {"email": "ANN@initech.io", "company_name": "Initech"}), 201
    )

    done = _ok(api.post(f"/sales/leads/{lead['id']}/convert", {}))

    assert done == {
        "lead_id": lead["id"],
        "contact_id": contact.pk,
        "contact_created": False,
        "company_id": company.pk,
        "company_created": False,
        "deal_id": None,
        "deal_created": False,
    }
    assert _count(workspace, Contact) == _count(workspace, Company) == 1


def test_a_lead_converts_only_once(api, workspace):
    lead = _ok(api.post("/sales/leads", {"email": "ann@initech.io", "company_name": "I"}), 201)
    _ok(api.post(f"/sales/leads/{lead['id']}/convert", {}))

    again = api.post(f"/sales/leads/{lead['id']}/convert", {"deal": {"amount": "10"}})

    assert again.status_code == 422
    assert set(problem_fields(again)) == {"status"}
    assert _count(workspace, Contact) == _count(workspace, Company) == 1
    assert _count(workspace, Deal) == 0


def test_a_bad_deal_in_a_conversion_names_its_fields_and_converts_nothing(api, workspace, pipeline):
    lead = _ok(api.post("/sales/leads", {"email": "ann@initech.io"}), 201)

    response = api.post(
        f"/sales/leads/{lead['id']}/convert", {"deal": {"amount": "-1", "stage_id": 424242}}
    )

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"deal.amount", "deal.stage_id"}
    assert _count(workspace, Contact) == 0
    assert _ok(api.get(f"/sales/leads/{lead['id']}"))["status"] == "new"


def test_disqualifying_needs_a_reason(api):
    lead = _ok(api.post("/sales/leads", {"email": "spam@bots.io"}), 201)

    blank = api.post(f"/sales/leads/{lead['id']}/disqualify", {"reason": "  "})
    done = _ok(api.post(f"/sales/leads/{lead['id']}/disqualify", {"reason": "Spam"}))

    assert set(problem_fields(blank)) == {"reason"}
    assert (done["status"], done["disqualify_reason"]) == ("disqualified", "Spam")


def test_conversion_rates_by_source(api):
    for email, source in [("a@x.io", "ads"), ("b@x.io", "ads"), ("c@x.io", "fair")]:
        _ok(api.post("/sales/leads", {"email": email, "source": source}), 201)
    first = _ok(api.get("/sales/leads", {"q": "a@x.io"}))["items"][0]
    _ok(api.post(f"/sales/leads/{first['id']}/convert", {}))

    rows = {r["source"]: r for r in _ok(api.get("/sales/leads/conversion-by-source"))}

    assert (rows["ads"]["leads"], rows["ads"]["converted"], rows["ads"]["conversion_rate"]) == (
        2,
        1,
        0.5,
    )
    assert rows["fair"]["conversion_rate"] == 0


# --- web forms -----------------------------------------------------------------------------


def test_a_new_web_form_comes_with_its_key_and_an_embeddable_form(api, workspace):
    form = _ok(
        api.post(
            "/sales/web-forms", {"name": "Contact us", "allowed_origins": ["https://acme.io"]}
        ),
        201,
    )

    assert form["url"] == f"http://testserver/forms/{form['key']}/"
    html = form["embed_html"]
    assert html.startswith(f'<form method="post" action="{form["url"]}"')
    assert "<script" not in html
    assert 'style="position:absolute;left:-10000px" aria-hidden="true"' in html
    assert '<input name="website" tabindex="-1" autocomplete="off">' in html
    # The snippet's fields are the ones the public endpoint reads.
    posted = Client().post(
        f"/forms/{form['key']}/", {"first_name": "Ann", "email": "ann@site.io", "website": ""}
    )
    assert posted.status_code == 200
    with workspace_scope(workspace):
        assert Lead.objects.get().source == "web form"


def test_a_deactivated_web_form_stops_answering(api):
    form = _ok(api.post("/sales/web-forms", {"name": "Contact us"}), 201)

    patched = _ok(api.patch(f"/sales/web-forms/{form['id']}", {"active": False}))

    assert patched["active"] is False
    assert Client().post(f"/forms/{form['key']}/", {"email": "ann@site.io"}).status_code == 404


def test_a_web_form_origin_must_be_a_scheme_and_host(api):
    response = api.post(
        "/sales/web-forms", {"name": "", "allowed_origins": ["https://acme.io/path"]}
    )

    assert set(problem_fields(response)) == {"name", "allowed_origins.0"}


# --- scoring -------------------------------------------------------------------------------


def test_scoring_rules_are_listed_created_and_deleted(api, workspace):
    bad = api.post("/sales/scoring/rules", {"target": "lead", "field": "shoe_size", "points": 5000})
    rule = _ok(
        api.post(
            "/sales/scoring/rules",
            {
                "target": "contact",
                "activity_kind": "call",
                "window_days": 30,
                "points": 5,
                "max_points": 20,
            },
        ),
        201,
    )

    listed = _ok(api.get("/sales/scoring/rules"))
    deleted = api.delete(f"/sales/scoring/rules/{rule['id']}")

    assert {"field", "operator", "points"} <= set(problem_fields(bad))
    assert [r["id"] for r in listed] == [rule["id"]]
    assert deleted.status_code == 204
    assert _ok(api.get("/sales/scoring/rules")) == []


def test_the_mql_threshold_is_read_and_set(api):
    assert _ok(api.get("/sales/scoring/threshold")) == {"mql_threshold": 50}

    bad = api.put("/sales/scoring/threshold", {"mql_threshold": 0})
    _ok(api.put("/sales/scoring/threshold", {"mql_threshold": 80}))

    assert set(problem_fields(bad)) == {"mql_threshold"}
    assert _ok(api.get("/sales/scoring/threshold")) == {"mql_threshold": 80}


# --- pipelines and deals -------------------------------------------------------------------


def test_it_creates_a_pipeline_with_its_ordered_stages(api):
    created = _ok(
        api.post(
            "/sales/pipelines",
            {
                "name": "Renewals",
                "stages": [
                    {"name": "Due", "probability": "70"},
                    {"name": "Renewed", "outcome": "won"},
                    {"name": "Churned", "outcome": "lost"},
                ],
            },
        ),
        201,
    )

    got = _ok(api.get(f"/sales/pipelines/{created['id']}"))

    assert got == created
    assert [(s["name"], s["probability"], s["outcome"]) for s in got["stages"]] == [
        ("Due", "70.00", "open"),
        ("Renewed", "100.00", "won"),
        ("Churned", "0.00", "lost"),
    ]
    assert [p["name"] for p in _ok(api.get("/sales/pipelines"))] == ["Renewals"]


def test_a_pipeline_without_won_and_lost_stages_is_refused(api):
    response = api.post(
        "/sales/pipelines", {"name": "", "stages": [{"name": "A", "probability": 150}]}
    )

    assert set(problem_fields(response)) == {"name", "stages", "stages.0.probability"}


def test_it_creates_a_deal_with_contacts_roles_and_lines(api, workspace, stages):
    contact = make_contact(workspace)
    company = make_company(workspace)
    product = _ok(
        api.post("/sales/products", {"sku": "W-1", "name": "Widget", "prices": {"USD": "99.50"}}),
        201,
    )

    deal = _ok(
        api.post(
            "/sales/deals",
            {
                "name": "Initech rollout",
                "company_id": company.pk,
                "contacts": [{"id": contact.pk, "role": "economic_buyer"}],
                "lines": [{"product_id": product["id"], "quantity": "3"}],
                "expected_close_date": "2026-05-31",
                "forecast_category": "commit",
            },
        ),
        201,
    )

    assert (deal["amount"], deal["currency"]) == ("298.50", "USD")
    assert deal["contacts"] == [{"contact_id": contact.pk, "role": "economic_buyer"}]
    assert [(ln["quantity"], ln["unit_price"], ln["total"]) for ln in deal["lines"]] == [
        ("3.000", "99.50", "298.50")
    ]
    assert deal["stage_name"] == "Qualify"
    assert [h["to_stage_id"] for h in deal["stage_history"]] == [stages["Qualify"]]


def test_a_bad_deal_is_a_problem_naming_each_field(api, pipeline):
    response = api.post(
        "/sales/deals",
        {
            "amount": "12.345",
            "currency": "XXY",
            "expected_close_date": "soon",
            "contacts": [{"id": 424242}],
        },
    )

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"expected_close_date", "name"}  # JSON types first
    response = api.post(
        "/sales/deals",
        {"name": "X", "amount": "12.345", "currency": "XXY", "contacts": [{"id": 424242}]},
    )
    assert set(problem_fields(response)) == {"amount", "currency", "contacts"}


def test_deals_filter_by_pipeline_stage_owner_outcome_company_and_close_range(
    api, workspace, owner, member, stages
):
    company = make_company(workspace)
    with workspace_scope(workspace):
        for i, day in enumerate(["2026-04-01", "2026-04-30", "2026-05-01", "2026-06-15"]):
            deal_create(
                workspace=workspace,
                actor=owner,
                data={
                    "name": f"d{i}",
                    "expected_close_date": day,
                    "owner_id": (owner if i % 2 else member).pk,
                    "company_id": company.pk if i == 3 else None,
                },
            )
    other = _ok(
        api.post(
            "/sales/pipelines",
            {
                "name": "P2",
                "stages": [{"name": "W", "outcome": "won"}, {"name": "L", "outcome": "lost"}],
            },
        ),
        201,
    )
    won = _ok(api.post("/sales/deals", {"name": "won", "pipeline_id": other["id"]}), 201)

    def names(**params) -> list[str]:
        return sorted(d["name"] for d in _ok(api.get("/sales/deals", params))["items"])

    assert names(expected_close_after="2026-04-01", expected_close_before="2026-05-01") == [
        "d0",
        "d1",
    ]
    assert names(owner_id=member.pk) == ["d0", "d2"]
    assert names(company_id=company.pk) == ["d3"]
    assert names(pipeline_id=other["id"]) == ["won"]
    assert names(outcome="won") == ["won"]
    assert names(stage_id=stages["Qualify"]) == ["d0", "d1", "d2", "d3"]
    assert won["outcome"] == "won"
    assert [len(p) for p in _pages(api, "/sales/deals", {"limit": 2})] == [2, 2, 1]
    assert set(problem_fields(api.get("/sales/deals", {"outcome": "maybe"}))) == {"outcome"}


def test_it_patches_and_deletes_a_deal(api, workspace, pipeline):
    deal = _ok(api.post("/sales/deals", {"name": "D", "amount": "10"}), 201)

    patched = _ok(api.patch(f"/sales/deals/{deal['id']}", {"next_step": "Call CFO", "amount": 12}))
    deleted = api.delete(f"/sales/deals/{deal['id']}")

    assert (patched["next_step"], patched["amount"]) == ("Call CFO", "12.00")
    assert deleted.status_code == 204
    assert _count(workspace, Deal) == 0


def test_dragging_a_deal_moves_it_keeps_its_history_and_audits_it(api, workspace, stages):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        deal = _ok(api.post("/sales/deals", {"name": "D", "amount": "10"}), 201)

    with time_machine.travel(dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC), tick=False):
        moved = _ok(
            api.post(
                f"/sales/deals/{deal['id']}/move",
                {"stage_id": stages["Proposal"], "position": 2.5},
            )
        )

    assert (moved["stage_id"], moved["position"]) == (stages["Proposal"], 2.5)
    assert moved["stage_entered_at"] == "2026-03-05T09:00:00Z"
    assert [(h["from_stage_id"], h["to_stage_id"]) for h in moved["stage_history"]] == [
        (None, stages["Qualify"]),
        (stages["Qualify"], stages["Proposal"]),
    ]
    assert _ok(api.get(f"/sales/deals/{deal['id']}")) == moved
    with workspace_scope(workspace):
        entry = AuditEntry.objects.filter(entity="sales.deal", action="update").get()
        assert entry.source == "api"
        assert entry.changes["stage"] == [stages["Qualify"], stages["Proposal"]]


def test_a_move_that_is_not_allowed_fails_cleanly(api, workspace, stages):
    deal = _ok(api.post("/sales/deals", {"name": "D"}), 201)
    elsewhere = _ok(
        api.post(
            "/sales/pipelines",
            {
                "name": "P2",
                "stages": [{"name": "W", "outcome": "won"}, {"name": "L", "outcome": "lost"}],
            },
        ),
        201,
    )

    lost = api.post(f"/sales/deals/{deal['id']}/move", {"stage_id": stages["Lost"]})
    foreign = api.post(
        f"/sales/deals/{deal['id']}/move", {"stage_id": elsewhere["stages"][0]["id"]}
    )
    missing = api.post(f"/sales/deals/{deal['id']}/move", {"position": 1})

    assert set(problem_fields(lost)) == {"lost_reason"}
    assert set(problem_fields(foreign)) == {"stage_id"}
    assert set(problem_fields(missing)) == {"stage_id"}
    assert _ok(api.get(f"/sales/deals/{deal['id']}"))["stage_id"] == stages["Qualify"]
    with workspace_scope(workspace):
        assert DealStageChange.objects.count() == 1


def test_moving_a_deal_to_won_records_its_order(api, workspace, stages):
    contact = make_contact(workspace)
    deal = _ok(
        api.post("/sales/deals", {"name": "D", "amount": "700", "contacts": [{"id": contact.pk}]}),
        201,
    )

    _ok(api.post(f"/sales/deals/{deal['id']}/move", {"stage_id": stages["Won"]}))

    purchases = _ok(api.get(f"/sales/contacts/{contact.pk}/purchases"))
    assert [(o["deal_id"], o["total"], o["channel"]) for o in purchases["items"]] == [
        (deal["id"], "700.00", "sales")
    ]


def test_the_board_shows_each_stage_with_its_count_sum_and_cards(api, stages, pipeline, member):
    for name, amount in [("a", "10"), ("b", "15.50")]:
        _ok(api.post("/sales/deals", {"name": name, "amount": amount}), 201)
    c = _ok(api.post("/sales/deals", {"name": "c", "amount": "5", "owner_id": member.pk}), 201)
    _ok(api.post(f"/sales/deals/{c['id']}/move", {"stage_id": stages["Proposal"]}))

    board = _ok(api.get(f"/sales/pipelines/{pipeline.pk}/board"))
    members = _ok(api.get(f"/sales/pipelines/{pipeline.pk}/board", {"owner_id": member.pk}))

    columns = {col["stage"]["name"]: col for col in board["columns"]}
    assert list(columns) == ["Qualify", "Proposal", "Won", "Lost"]
    assert (columns["Qualify"]["deal_count"], columns["Qualify"]["amount_sum"]) == (2, "25.50")
    assert [d["name"] for d in columns["Proposal"]["deals"]] == ["c"]
    assert [col["deal_count"] for col in members["columns"]] == [0, 1, 0, 0]


# --- products and orders -------------------------------------------------------------------


def test_products_are_created_listed_and_read(api):
    made = _ok(
        api.post(
            "/sales/products", {"sku": "W-1", "name": "Widget", "prices": {"usd": "9.90", "EUR": 9}}
        ),
        201,
    )
    _ok(api.post("/sales/products", {"sku": "A-1", "name": "Anvil", "active": False}), 201)

    dup = api.post("/sales/products", {"sku": "W-1", "name": "Again", "prices": {"EUR": "x"}})

    assert made["prices"] == [
        {"currency": "EUR", "unit_price": "9.00"},
        {"currency": "USD", "unit_price": "9.90"},
    ]
    assert set(problem_fields(dup)) == {"prices.EUR"}
    dup = api.post("/sales/products", {"sku": "W-1", "name": "Again"})
    assert set(problem_fields(dup)) == {"sku"}
    assert [p["name"] for p in _ok(api.get("/sales/products"))["items"]] == ["Anvil", "Widget"]
    assert [p["name"] for p in _ok(api.get("/sales/products", {"active": True}))["items"]] == [
        "Widget"
    ]
    assert _ok(api.get(f"/sales/products/{made['id']}")) == made


def _order(contact_id: int, **over) -> dict:
    return {
        "external_id": "SHOP-1001",
        "ordered_at": "2026-02-10T10:00:00+01:00",
        "status": "paid",
        "channel": "ecommerce",
        "currency": "EUR",
        "contact_id": contact_id,
        "lines": [{"sku": "W-1", "description": "Widget", "quantity": "2", "unit_price": "10.00"}],
        **over,
    }


def test_pushing_the_same_order_twice_updates_it_instead_of_duplicating(api, workspace):
    contact = make_contact(workspace)

    first = api.post("/sales/orders", _order(contact.pk))
    second = api.post(
        "/sales/orders",
        _order(contact.pk, status="refunded", lines=[{"quantity": 3, "unit_price": "10"}]),
    )

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert (second.json()["status"], second.json()["total"]) == ("refunded", "30.00")
    assert first.json()["ordered_at"] == "2026-02-10T09:00:00Z"
    assert _count(workspace, Order) == 1


def test_an_order_without_external_id_is_always_new(api, workspace):
    contact = make_contact(workspace)
    order = _order(contact.pk)
    del order["external_id"]

    assert api.post("/sales/orders", order).status_code == 201
    assert api.post("/sales/orders", order).status_code == 201
    assert _count(workspace, Order) == 2


def test_a_bad_order_is_a_problem_naming_each_field(api, workspace):
    response = api.post(
        "/sales/orders", {"currency": "EURO", "status": "lost", "lines": [{"unit_price": "-1"}]}
    )
    assert set(problem_fields(response)) == {"status"}

    response = api.post("/sales/orders", {"currency": "EURO", "lines": [{"unit_price": "-1"}]})
    assert set(problem_fields(response)) == {"currency", "contact_id", "lines.0.unit_price"}
    assert _count(workspace, Order) == 0


def test_a_bulk_push_writes_the_good_orders_and_reports_the_bad_ones(api, workspace):
    contact = make_contact(workspace)
    api.post("/sales/orders", _order(contact.pk, external_id="SHOP-1"))

    response = api.post(
        "/sales/orders/bulk",
        {
            "items": [
                _order(contact.pk, external_id="SHOP-1", status="fulfilled"),
                _order(contact.pk, external_id="SHOP-2"),
                _order(contact.pk, external_id="SHOP-3", lines=[]),
                _order(contact.pk, external_id="SHOP-4", ordered_at="yesterday"),
                {"external_id": "SHOP-5", "colour": "red"},
            ]
        },
    )

    body = _ok(response)
    assert (body["created"], body["updated"], body["failed"]) == (1, 1, 3)
    results = body["results"]
    assert [r["status"] for r in results] == ["updated", "created", "error", "error", "error"]
    assert [e["field"] for e in results[2]["errors"]] == ["lines"]
    assert [e["field"] for e in results[3]["errors"]] == ["ordered_at"]
    assert {e["field"] for e in results[4]["errors"]} == {"colour"}
    with workspace_scope(workspace):
        assert dict(Order.objects.values_list("external_id", "status")) == {
            "SHOP-1": "fulfilled",
            "SHOP-2": "paid",
        }


def test_a_bulk_push_holds_at_most_a_thousand_orders(api):
    response = api.post("/sales/orders/bulk", {"items": [{}] * 1001})

    assert set(problem_fields(response)) == {"items"}


def test_orders_filter_by_contact_company_external_id_and_dates(api, workspace):
    ann, bob = make_contact(workspace), make_contact(workspace, first_name="Bob")
    company = make_company(workspace)
    a = _ok(api.post("/sales/orders", _order(ann.pk, external_id="SHOP-A")), 201)
    b = _ok(
        api.post(
            "/sales/orders",
            _order(
                bob.pk,
                external_id="ERP-B",
                company_id=company.pk,
                ordered_at="2026-03-01T00:00:00Z",
            ),
        ),
        201,
    )

    def ids(**params) -> list[int]:
        return [o["id"] for o in _ok(api.get("/sales/orders", params))["items"]]

    assert ids(contact_id=ann.pk) == [a["id"]]
    assert ids(company_id=company.pk) == [b["id"]]
    assert ids(external_id="ERP-B") == [b["id"]]
    assert ids(q="shop") == [a["id"]]
    assert ids(ordered_after="2026-03-01T00:00:00Z") == [b["id"]]
    assert ids(ordered_before="2026-03-01T00:00:00Z") == [a["id"]]
    assert set(problem_fields(api.get("/sales/orders", {"ordered_after": "soon"}))) == {
        "ordered_after"
    }
    assert _ok(api.get(f"/sales/orders/{a['id']}")) == a


# --- currency, forecast, purchases -----------------------------------------------------------


def test_exchange_rates_are_set_by_currency_and_day_and_listed(api, workspace):
    _ok(api.put("/sales/exchange-rates/eur/2026-01-01", {"rate": "1.1"}))
    again = _ok(api.put("/sales/exchange-rates/EUR/2026-01-01", {"rate": "1.12"}))
    _ok(api.put("/sales/exchange-rates/GBP/2026-02-01", {"rate": 1.3}))

    listed = _ok(api.get("/sales/exchange-rates", {"currency": "eur"}))["items"]

    assert again == {
        "id": again["id"],
        "currency": "EUR",
        "day": "2026-01-01",
        "rate": "1.1200000000",
    }
    assert listed == [again]
    assert set(problem_fields(api.put("/sales/exchange-rates/USD/2026-01-01", {"rate": "1"}))) == {
        "currency"
    }
    assert set(problem_fields(api.put("/sales/exchange-rates/EUR/2026-01-01", {"rate": "0"}))) == {
        "rate"
    }
    bad_day = api.put("/sales/exchange-rates/EUR/someday", {"rate": "1"})
    assert bad_day.status_code == 400
    assert set(problem_fields(bad_day)) == {"day"}


def _at(day: str):
    return time_machine.travel(dt.datetime.fromisoformat(day + "T12:00:00+00:00"), tick=False)


def test_the_forecast_matches_a_hand_computed_fixture(api, workspace, owner, member, stages):
    _ok(api.put("/sales/exchange-rates/EUR/2026-01-01", {"rate": "1.10"}))
    _ok(api.put("/sales/exchange-rates/EUR/2026-03-01", {"rate": "1.20"}))
    with _at("2026-02-01"):
        won = _ok(api.post("/sales/deals", {"name": "w", "amount": "1000", "currency": "EUR"}), 201)
    with _at("2026-02-15"):
        _ok(api.post(f"/sales/deals/{won['id']}/move", {"stage_id": stages["Won"]}))
    with _at("2026-03-10"):
        commit = _ok(
            api.post(
                "/sales/deals",
                {
                    "name": "c",
                    "amount": "1000",
                    "expected_close_date": "2026-04-20",
                    "forecast_category": "commit",
                    "owner_id": member.pk,
                },
            ),
            201,
        )
        _ok(api.post(f"/sales/deals/{commit['id']}/move", {"stage_id": stages["Proposal"]}))
        _ok(
            api.post(
                "/sales/deals",
                {
                    "name": "b",
                    "amount": "500",
                    "currency": "EUR",
                    "expected_close_date": "2026-05-02",
                    "forecast_category": "best_case",
                },
            ),
            201,
        )

    with _at("2026-03-15"):
        monthly = _ok(api.get("/sales/forecast", {"start": "2026-02-01", "end": "2026-06-01"}))
        quarterly = _ok(
            api.get(
                "/sales/forecast",
                {
                    "start": "2026-01-01",
                    "end": "2026-07-01",
                    "granularity": "quarter",
                    "by_owner": False,
                },
            )
        )

    assert monthly["currency"] == "USD"
    rows = {(r["period"], r["owner_id"]): r for r in monthly["rows"]}
    # Won on 15 February: 1000 EUR at the 1 January rate 1.10.
    assert rows[("2026-02", None)]["closed_won"] == "1100.00"
    # April: 1000 USD in Proposal (60%), commit.
    april = rows[("2026-04", member.pk)]
    assert (april["pipeline"], april["weighted"], april["commit"]) == (
        "1000.00",
        "600.00",
        "1000.00",
    )
    # May: 500 EUR at the latest rate 1.20 = 600 USD in Qualify (20%), best case.
    may = rows[("2026-05", None)]
    assert (may["pipeline"], may["weighted"], may["commit"], may["best_case"]) == (
        "600.00",
        "120.00",
        "0",
        "600.00",
    )
    totals = {t["period"]: t for t in quarterly["totals"]}
    assert totals["2026-Q1"]["closed_won"] == "1100.00"
    assert totals["2026-Q2"]["weighted"] == "720.00"
    assert totals["2026-Q2"]["best_case"] == "1600.00"
    assert [r["owner_id"] for r in quarterly["rows"]] == [None, None]


def test_a_forecast_needs_a_valid_range(api):
    backwards = api.get("/sales/forecast", {"start": "2026-05-01", "end": "2026-04-01"})
    weekly = api.get(
        "/sales/forecast", {"start": "2026-04-01", "end": "2026-05-01", "granularity": "week"}
    )
    missing = api.get("/sales/forecast")

    assert backwards.status_code == weekly.status_code == missing.status_code == 400
    assert set(problem_fields(backwards)) == {"end"}
    assert set(problem_fields(weekly)) == {"granularity"}
    assert set(problem_fields(missing)) == {"start", "end"}


def test_purchase_histories_come_with_lifetime_revenue_at_each_orders_rate(api, workspace, owner):
    company = make_company(workspace)
    contact = make_contact(workspace, company_ids=[company.pk])
    with workspace_scope(workspace):
        for day, rate in [(dt.date(2026, 1, 1), "1.10"), (dt.date(2026, 3, 1), "1.20")]:
            exchange_rate_set(workspace=workspace, actor=owner, currency="EUR", day=day, rate=rate)
    for ext, at, status in [
        ("A", "2026-02-01T10:00:00Z", "paid"),  # 20 EUR × 1.10 = 22.00
        ("B", "2026-03-05T10:00:00Z", "fulfilled"),  # 20 EUR × 1.20 = 24.00
        ("C", "2026-03-06T10:00:00Z", "refunded"),  # not revenue
    ]:
        _ok(
            api.post(
                "/sales/orders",
                _order(
                    contact.pk, external_id=ext, ordered_at=at, status=status, company_id=company.pk
                ),
            ),
            201,
        )

    by_contact = _ok(api.get(f"/sales/contacts/{contact.pk}/purchases", {"limit": 2}))
    by_company = _ok(api.get(f"/sales/companies/{company.pk}/purchases"))

    assert (by_contact["lifetime_revenue"], by_contact["currency"]) == ("46.00", "USD")
    assert [o["external_id"] for o in by_contact["items"]] == ["C", "B"]
    assert by_contact["next_cursor"]
    assert by_company["lifetime_revenue"] == "46.00"
    assert [o["external_id"] for o in by_company["items"]] == ["C", "B", "A"]


# --- query counts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/sales/deals", "/sales/leads", "/sales/orders", "/sales/products"]
)
def test_sales_lists_cost_the_same_queries_for_3_or_30_rows(
    api,
    workspace,
    owner,
    pipeline,
    path,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    contact = make_contact(workspace)

    def seed(start: int, n: int) -> None:
        with workspace_scope(workspace):
            for i in range(start, start + n):
                deal = deal_create(
                    workspace=workspace,
                    actor=owner,
                    data={"name": f"d{i}", "contacts": [{"id": contact.pk}]},
                )
                order_upsert(
                    workspace=workspace,
                    actor=owner,
                    data={
                        "external_id": f"E{i}",
                        "contact_id": contact.pk,
                        "lines": [{"unit_price": "1"}, {"unit_price": "2"}],
                    },
                )
                Lead.objects.create(workspace=workspace, email=f"l{i}@x.io")
        for i in range(start, start + n):
            _ok(
                api.post(
                    "/sales/products",
                    {"sku": f"S{i}", "name": f"P{i}", "prices": {"USD": "1", "EUR": "1"}},
                ),
                201,
            )
        assert deal

    seed(0, 3)
    api.get(path)  # the token's last-used write happens on first use only
    with django_assert_max_num_queries(6) as few:
        api.get(path, {"limit": 200})
    # Counted now: the seeding's own requests reset the connection's query log.
    queries = len(few.captured_queries)
    seed(3, 27)
    with django_assert_num_queries(queries):
        response = api.get(path, {"limit": 200})
    assert len(response.json()["items"]) == 30


def test_the_board_costs_the_same_queries_whatever_its_stages(
    api, workspace, owner, pipeline, django_assert_max_num_queries
):
    with workspace_scope(workspace):
        for i in range(30):
            deal_create(workspace=workspace, actor=owner, data={"name": f"d{i}"})
    api.get(f"/sales/pipelines/{pipeline.pk}/board")

    # The caller, the pipeline, its stages, the exchange rates, the totals, the cards of all
    # (4) stages in one query.
    with django_assert_max_num_queries(6):
        board = _ok(api.get(f"/sales/pipelines/{pipeline.pk}/board"))

    assert board["columns"][0]["deal_count"] == 30


def test_money_is_a_decimal_string_in_the_schema(db):
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]

    for name, field in [
        ("DealOut", "amount"),
        ("OrderOut", "total"),
        ("ForecastRowOut", "weighted"),
        ("PurchasesOut", "lifetime_revenue"),
    ]:
        assert schemas[name]["properties"][field]["type"] == "string", name
