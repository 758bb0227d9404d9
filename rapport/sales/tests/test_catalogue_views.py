"""Pipelines (settings), products and orders pages."""

import pytest
from django_scopes import scopes_disabled

from rapport.contacts.tests.factories import make_contact
from rapport.sales.models import Pipeline, Product
from rapport.sales.services import order_upsert, product_create
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
outsider_client = fixtures.outsider_client
owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db
STAGES = "Qualify, 20\nProposal, 60\nWon, won\nLost, lost"


def test_an_admin_creates_a_pipeline_from_stage_lines(owner_client, workspace):
    response = owner_client.post("/settings/pipelines/", {"name": "Partners", "stages": STAGES})
    assert response.status_code == 302
    with workspace_scope(workspace):
        pipeline = Pipeline.objects.get(name="Partners")
        stages = [(s.name, int(s.probability), s.outcome) for s in pipeline.stages.all()]
    assert stages == [
        ("Qualify", 20, "open"),
        ("Proposal", 60, "open"),
        ("Won", 100, "won"),
        ("Lost", 0, "lost"),
    ]
    page = owner_client.get("/settings/pipelines/").content.decode()
    assert "Partners" in page and "Proposal" in page


def test_a_bad_pipeline_shows_the_errors_and_saves_nothing(owner_client, workspace):
    response = owner_client.post("/settings/pipelines/", {"name": "", "stages": "Only, 150"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "is required" in text and "won stage" in text
    with scopes_disabled():
        assert not Pipeline.objects.exists()


def test_a_member_cannot_create_a_pipeline(member_client):
    assert (
        member_client.post("/settings/pipelines/", {"name": "X", "stages": STAGES}).status_code
        == 403
    )
    with scopes_disabled():
        assert not Pipeline.objects.exists()


def test_products_are_listed_and_added_with_prices(member_client, viewer_client, workspace):
    response = member_client.post(
        "/products/", {"sku": "MUG", "name": "Mug", "prices": "USD 1250.50\n11.00 EUR"}
    )
    assert response.status_code == 302
    with workspace_scope(workspace):
        mug = Product.objects.get(sku="MUG")
        assert {p.currency: str(p.unit_price) for p in mug.prices.all()} == {
            "USD": "1250.50",
            "EUR": "11.00",
        }
    # Money reads with thousands separators, as on every other page.
    assert "1,250.50 USD" in viewer_client.get("/products/").content.decode()
    assert viewer_client.post("/products/", {"sku": "X", "name": "X"}).status_code == 403
    bad = member_client.post("/products/", {"sku": "MUG", "name": "", "prices": "XYZ 1"})
    assert "exists already" in bad.content.decode() and "ISO 4217" in bad.content.decode()


def test_orders_list_newest_first_within_the_workspace(
    viewer_client, outsider_client, workspace, owner, django_assert_max_num_queries
):
    with workspace_scope(workspace):
        ann = make_contact(workspace, owner, first_name="Ann", last_name="Buyer")
        product_create(workspace=workspace, actor=owner, data={"sku": "A", "name": "A"})
        for i in range(12):
            order_upsert(
                workspace=workspace,
                actor=owner,
                data={
                    "external_id": f"SHOP-{i}",
                    "ordered_at": f"2026-03-{i + 1:02d}T10:00:00+00:00",
                    "contact_id": ann.pk,
                    "lines": [{"sku": "A", "quantity": 1, "unit_price": "1234.5"}],
                },
            )
    with django_assert_max_num_queries(12):
        page = viewer_client.get("/orders/").content.decode()
    assert page.index("SHOP-11") < page.index("SHOP-0")
    assert "Ann Buyer" in page and "1,234.50 USD" in page
    assert "SHOP-" not in outsider_client.get("/orders/").content.decode()
    assert viewer_client.get("/orders/?cursor=garbage").status_code == 404


def test_orders_filter_by_number_status_channel_and_days(
    viewer_client, owner_client, workspace, owner
):
    with workspace_scope(workspace):
        ann = make_contact(workspace, owner, first_name="Ann", last_name="Buyer")
        for number, day, status, channel in [
            ("SHOP-1", "2026-03-01T23:59:00+00:00", "paid", "ecommerce"),
            ("SHOP-2", "2026-03-02T00:00:00+00:00", "refunded", "ecommerce"),
            ("ERP-3", "2026-03-03T12:00:00+00:00", "paid", "erp"),
        ]:
            order_upsert(
                workspace=workspace,
                actor=owner,
                data={
                    "external_id": number,
                    "ordered_at": day,
                    "status": status,
                    "channel": channel,
                    "contact_id": ann.pk,
                    "lines": [{"description": "Mug", "quantity": 1, "unit_price": "5"}],
                },
            )

    def numbers(**params) -> list[str]:
        page = viewer_client.get("/orders/", params).content.decode()
        return [n for n in ("ERP-3", "SHOP-2", "SHOP-1") if n in page]

    assert numbers(q="shop") == ["SHOP-2", "SHOP-1"]
    assert numbers(status="paid") == ["ERP-3", "SHOP-1"]
    assert numbers(channel="erp") == ["ERP-3"]
    # Both ends of the day range are whole days, inclusive.
    assert numbers(ordered_from="2026-03-02", ordered_to="2026-03-02") == ["SHOP-2"]
    assert numbers(ordered_to="2026-03-01") == ["SHOP-1"]
    # A bad filter is named, and the list shows nothing rather than everything.
    bad = viewer_client.get("/orders/", {"ordered_from": "March"}).content.decode()
    assert "Ordered from: Enter a valid date." in bad and "SHOP-1" not in bad
    # Over htmx only the table comes back, with the export links carrying the filter.
    partial = owner_client.get(
        "/orders/",
        {"status": "refunded"},
        headers={"HX-Request": "true", "HX-Target": "order-table"},
    ).content.decode()
    assert "<html" not in partial and "SHOP-2" in partial and "SHOP-1" not in partial
    assert 'hx-swap-oob="true"' in partial and "status=refunded" in partial


def test_an_admin_manages_scoring_rules_and_the_threshold(owner_client, member_client, workspace):
    from rapport.sales.leads import lead_create
    from rapport.sales.models import ScoringRule, ScoringSettings

    response = owner_client.post(
        "/settings/scoring/",
        {
            "add_rule": "1",
            "target": "lead",
            "field": "job_title",
            "operator": "contains",
            "value": "VP",
            "points": "20",
        },
    )
    assert response.status_code == 302
    page = owner_client.get("/settings/scoring/").content.decode()
    assert "job title" in page and "+20" in page
    with workspace_scope(workspace):
        lead = lead_create(
            workspace=workspace, actor=None, data={"email": "vp@x.io", "job_title": "VP Sales"}
        )
        assert lead.score == 20
        rule = ScoringRule.objects.get()
    bad = owner_client.post(
        "/settings/scoring/",
        {
            "add_rule": "1",
            "target": "lead",
            "activity_kind": "call",
            "window_days": "0",
            "points": "5",
        },
    )
    assert "engagement rules apply to contacts" in bad.content.decode()
    assert (
        member_client.post(
            "/settings/scoring/", {"set_threshold": "1", "mql_threshold": "10"}
        ).status_code
        == 403
    )
    assert (
        owner_client.post(
            "/settings/scoring/", {"set_threshold": "1", "mql_threshold": "35"}
        ).status_code
        == 302
    )
    assert owner_client.post("/settings/scoring/", {"delete_rule": rule.pk}).status_code == 302
    with workspace_scope(workspace):
        assert ScoringSettings.objects.get().mql_threshold == 35
        assert not ScoringRule.objects.exists()


def test_another_workspaces_rule_cannot_be_removed(owner_client, outsider_client, workspace):
    from rapport.sales.models import ScoringRule
    from rapport.sales.scoring import scoring_rule_create

    with workspace_scope(workspace):
        rule = scoring_rule_create(
            workspace=workspace,
            actor=None,
            data={"target": "lead", "field": "source", "operator": "present", "points": 1},
        )
    assert outsider_client.post("/settings/scoring/", {"delete_rule": rule.pk}).status_code == 404
    with scopes_disabled():
        assert ScoringRule.objects.filter(pk=rule.pk).exists()
