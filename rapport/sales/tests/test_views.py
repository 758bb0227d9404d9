"""Sales pages: board and its drag, deals, leads, web forms, forecast, purchases."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.sales.board import deal_place
from rapport.sales.leads import lead_create, web_form_create
from rapport.sales.models import Deal, DealActivity, Lead, Order, WebForm
from rapport.sales.queries import BOARD_CARDS_PER_STAGE
from rapport.sales.services import deal_create, exchange_rate_set, order_upsert
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
outsider_client = fixtures.outsider_client
owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(workspace):
    with workspace_scope(workspace):
        return make_pipeline(workspace)


@pytest.fixture
def stages(workspace, pipeline):
    with workspace_scope(workspace):
        return stage_ids(pipeline)


FORECAST = [
    "/forecast/",
    *(f"/forecast/panels/{p}/" for p in ("kpis", "vs-actual", "conversion", "at-risk")),
]


def make_deal(workspace, pipeline, **data):
    with workspace_scope(workspace):
        return deal_create(
            workspace=workspace,
            actor=None,
            data={"name": "Initech renewal", "amount": "1200.00", "pipeline_id": pipeline.pk}
            | data,
        )


@pytest.fixture
def deal(workspace, pipeline, owner):
    return make_deal(workspace, pipeline, owner_id=owner.pk)


@pytest.fixture
def lead(workspace):
    with workspace_scope(workspace):
        return lead_create(
            workspace=workspace,
            actor=None,
            data={"first_name": "Ada", "last_name": "Byron", "email": "ada@engines.io"},
        )


@pytest.fixture
def theirs(other_workspace):
    """One of each record in the other workspace."""
    with workspace_scope(other_workspace):
        pipeline = make_pipeline(other_workspace)
        deal = deal_create(
            workspace=other_workspace,
            actor=None,
            # Past its close date, so it would show among the deals at risk if scoping failed.
            data={"name": "Secret", "amount": "5", "expected_close_date": "2020-01-01"},
        )
        lead = lead_create(workspace=other_workspace, actor=None, data={"email": "x@globex.io"})
        contact = make_contact(other_workspace, first_name="Hidden")
        company = make_company(other_workspace, name="Globex")
    return {
        "pipeline": pipeline,
        "deal": deal,
        "lead": lead,
        "contact": contact,
        "company": company,
    }


def fresh(workspace, model, pk):
    with workspace_scope(workspace):
        return model.objects.get(pk=pk)


def ui_audit(workspace, **lookup):
    with workspace_scope(workspace):
        return list(AuditEntry.objects.filter(source="ui", **lookup))


# --- tenancy and roles ----------------------------------------------------------------------


def _record_urls(deal_id, lead_id, contact_id, company_id, pipeline_id):
    return [
        ("get", f"/deals/{deal_id}/"),
        ("get", f"/deals/{deal_id}/edit/"),
        ("get", f"/deals/{deal_id}/timeline/"),
        ("get", f"/deals/{deal_id}/fields/name/"),
        ("post", f"/deals/{deal_id}/fields/name/"),
        ("post", f"/deals/{deal_id}/move/"),
        ("post", f"/deals/{deal_id}/contacts/"),
        ("post", f"/deals/{deal_id}/lines/"),
        ("get", f"/deals/board/?pipeline={pipeline_id}"),
        ("get", f"/leads/{lead_id}/"),
        ("get", f"/leads/{lead_id}/edit/"),
        ("get", f"/leads/{lead_id}/fields/first_name/"),
        ("post", f"/leads/{lead_id}/fields/first_name/"),
        ("post", f"/leads/{lead_id}/disqualify/"),
        ("post", f"/leads/{lead_id}/convert/"),
        ("get", f"/contacts/{contact_id}/purchases/"),
        ("get", f"/companies/{company_id}/purchases/"),
    ]


def test_an_outsider_gets_404_for_every_record_page_of_this_workspace(
    outsider_client, workspace, pipeline, deal, lead
):
    contact = make_contact(workspace, first_name="Ann")
    company = make_company(workspace, name="Initech")
    urls = _record_urls(deal.pk, lead.pk, contact.pk, company.pk, pipeline.pk)
    for method, url in urls:
        data = {"stage": "1", "reason": "x"} if method == "post" else None
        response = getattr(outsider_client, method)(url, data)
        assert response.status_code == 404, (method, url)
    assert fresh(workspace, Lead, lead.pk).status == "new"
    assert fresh(workspace, Deal, deal.pk).name == "Initech renewal"


def test_the_lists_show_nothing_of_another_workspace(owner_client, theirs, deal, lead):
    for url in ("/deals/", "/deals/board/", "/leads/", "/settings/web-forms/", *FORECAST):
        response = owner_client.get(url)
        assert response.status_code == 200, url
        assert b"Secret" not in response.content and b"globex" not in response.content, url
    for url in (f"/deals/{theirs['deal'].pk}/", f"/leads/{theirs['lead'].pk}/"):
        assert owner_client.get(url).status_code == 404


def test_a_viewer_reads_every_page_but_cannot_write(
    viewer_client, workspace, deal, lead, stages, pipeline
):
    contact = make_contact(workspace, first_name="Vic")
    for url in (
        "/deals/",
        "/deals/board/",
        f"/deals/{deal.pk}/",
        "/leads/",
        f"/leads/{lead.pk}/",
        *FORECAST,
        "/settings/web-forms/",
        f"/contacts/{contact.pk}/purchases/",
    ):
        assert viewer_client.get(url).status_code == 200, url
    writes = [
        ("/deals/new/", {"name": "Sneaky", "amount": "1"}),
        (f"/deals/{deal.pk}/edit/", {"name": "Renamed"}),
        (f"/deals/{deal.pk}/fields/name/", {"name": "Renamed"}),
        (f"/deals/{deal.pk}/move/", {"stage": stages["Won"]}),
        (f"/deals/{deal.pk}/contacts/", {"email": "vic@x.io"}),
        ("/leads/new/", {"email": "new@x.io", "status": "new"}),
        (f"/leads/{lead.pk}/edit/", {"first_name": "Renamed", "status": "new"}),
        (f"/leads/{lead.pk}/fields/first_name/", {"first_name": "Renamed"}),
        (f"/leads/{lead.pk}/disqualify/", {"reason": "spam"}),
        (f"/leads/{lead.pk}/convert/", {"with_deal": "on", "pipeline": pipeline.pk}),
        ("/settings/web-forms/", {"name": "Sneaky form"}),
    ]
    for url, data in writes:
        assert viewer_client.post(url, data).status_code == 403, url
    assert viewer_client.get("/deals/new/").status_code == 403
    deal_now = fresh(workspace, Deal, deal.pk)
    assert (deal_now.name, deal_now.stage_id) == ("Initech renewal", deal.stage_id)
    lead_now = fresh(workspace, Lead, lead.pk)
    assert (lead_now.first_name, lead_now.status) == ("Ada", "new")
    with workspace_scope(workspace):
        assert Deal.objects.count() == 1 and Lead.objects.count() == 1
        assert not WebForm.objects.exists() and not Order.objects.exists()


def test_signed_out_visitors_go_to_the_login_page(client, deal):
    for url in ("/deals/", "/deals/board/", f"/deals/{deal.pk}/", "/leads/", *FORECAST):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


# --- the board ------------------------------------------------------------------------------


def test_the_board_shows_a_column_per_stage_with_its_count_and_total(
    owner_client, workspace, pipeline, stages, owner
):
    acme = make_company(workspace, name="Initech")
    make_deal(workspace, pipeline, name="Big one", amount="1000.50", company_id=acme.pk)
    make_deal(workspace, pipeline, name="Small one", amount="99.50", owner_id=owner.pk)
    response = owner_client.get("/deals/board/")
    content = response.content.decode()
    for name in ("Qualify", "Proposal", "Won", "Lost"):
        assert f">{name}</h2>" in content
    assert "2 deals" in content and "1,100 USD" in content
    assert "Big one" in content and "Initech" in content and "1,000.50" in content
    filtered = owner_client.get(f"/deals/board/?owner={owner.pk}").content.decode()
    assert "Small one" in filtered and "Big one" not in filtered


def test_a_card_escapes_its_values_and_flags_a_late_close(
    owner_client, workspace, pipeline, stages, owner
):
    hostile = make_company(workspace, name="<b>Evil</b> & Co")
    make_deal(
        workspace,
        pipeline,
        name='<script>alert("x")</script>',
        company_id=hostile.pk,
        owner_id=owner.pk,
        expected_close_date="2020-01-31",
    )
    make_deal(workspace, pipeline, name="Undated")

    content = owner_client.get("/deals/board/").content.decode()

    assert "<script>alert" not in content and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in content
    assert 'data-name="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in content
    assert 'class="deal-card-date is-late" title="Expected close">Jan 31, 2020</span>' in content
    assert '<span class="muted">No close date</span>' in content


def test_the_board_costs_a_bounded_number_of_queries(
    owner_client, workspace, pipeline, owner, django_assert_max_num_queries
):
    company = make_company(workspace, name="Initech")
    for i in range(40):
        make_deal(workspace, pipeline, name=f"Deal {i}", owner_id=owner.pk, company_id=company.pk)
    # session, user, membership, memberships menu, pipelines and their stages, members, the
    # exchange rates, the counts and totals, the cards of every stage in one query
    with django_assert_max_num_queries(10):
        response = owner_client.get("/deals/board/")
    # A column shows its first BOARD_CARDS_PER_STAGE cards and links to the rest.
    assert response.content.count(b'class="deal-card"') == BOARD_CARDS_PER_STAGE
    assert b"15 more in the list" in response.content


def test_a_drop_moves_the_deal_records_the_history_and_audits_it(
    member_client, workspace, deal, stages
):
    response = member_client.post(f"/deals/{deal.pk}/move/", {"stage": stages["Proposal"]})
    assert response.status_code == 200
    assert b'id="board"' in response.content
    moved = fresh(workspace, Deal, deal.pk)
    assert moved.stage_id == stages["Proposal"]
    with workspace_scope(workspace):
        assert moved.stage_changes.count() == 2
    [entry] = ui_audit(workspace, object_id=deal.pk, action="update")
    assert entry.changes["stage"] == [stages["Qualify"], stages["Proposal"]]


def test_a_drop_on_the_lost_stage_without_a_reason_is_refused_and_changes_nothing(
    member_client, workspace, deal, stages
):
    response = member_client.post(f"/deals/{deal.pk}/move/", {"stage": stages["Lost"]})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lost_reason", "message": "is required to mark a deal lost"}
    ]
    assert fresh(workspace, Deal, deal.pk).stage_id == stages["Qualify"]
    retry = member_client.post(
        f"/deals/{deal.pk}/move/", {"stage": stages["Lost"], "lost_reason": "Budget cut"}
    )
    assert retry.status_code == 200
    lost = fresh(workspace, Deal, deal.pk)
    assert (lost.outcome, lost.lost_reason) == ("lost", "Budget cut")


def test_a_drop_on_a_stage_of_another_pipeline_is_refused(member_client, workspace, deal):
    with workspace_scope(workspace):
        other = stage_ids(make_pipeline(workspace, name="Renewals"))
    response = member_client.post(f"/deals/{deal.pk}/move/", {"stage": other["Won"]})
    assert response.status_code == 422
    assert fresh(workspace, Deal, deal.pk).pipeline_id == deal.pipeline_id


def test_a_drop_within_a_column_puts_the_card_between_its_new_neighbours(
    owner_client, workspace, pipeline, stages
):
    first, second, third = (make_deal(workspace, pipeline, name=n) for n in ("A", "B", "C"))
    response = owner_client.post(
        f"/deals/{third.pk}/move/",
        {"stage": stages["Qualify"], "above": first.pk, "below": second.pk},
    )
    assert response.status_code == 200
    with workspace_scope(workspace):
        order = list(
            Deal.objects.filter(stage_id=stages["Qualify"])
            .order_by("position", "id")
            .values_list("name", flat=True)
        )
    assert order == ["A", "C", "B"]


def test_dropping_at_the_top_and_bottom_keeps_the_rest_in_order(workspace, pipeline, stages):
    a, b, c = (make_deal(workspace, pipeline, name=n) for n in ("A", "B", "C"))
    with workspace_scope(workspace):
        qualify = stages["Qualify"]
        deal_place(workspace=workspace, actor=None, deal=c, stage_id=qualify, below_id=a.pk)
        deal_place(workspace=workspace, actor=None, deal=a, stage_id=qualify, above_id=b.pk)
        names = list(
            Deal.objects.filter(stage_id=qualify)
            .order_by("position", "id")
            .values_list("name", flat=True)
        )
    assert names == ["C", "B", "A"]


def test_moving_a_deal_to_won_creates_its_order(member_client, workspace, deal, stages):
    member_client.post(f"/deals/{deal.pk}/move/", {"stage": stages["Won"]})
    with workspace_scope(workspace):
        order = Order.objects.get(deal=deal)
    assert order.total == Decimal("1200.00") and order.channel == "sales"


# --- deals: list, forms, page ---------------------------------------------------------------


def test_the_deal_list_filters_and_totals_per_currency(
    owner_client, workspace, pipeline, stages, owner
):
    make_deal(workspace, pipeline, name="Euro deal", amount="100", currency="EUR")
    make_deal(workspace, pipeline, name="Dollar A", amount="10", expected_close_date="2030-01-15")
    make_deal(
        workspace,
        pipeline,
        name="Dollar B",
        amount="5",
        owner_id=owner.pk,
        stage_id=stages["Proposal"],
    )
    content = owner_client.get("/deals/").content.decode()
    assert "100.00 EUR" in content and "15.00 USD" in content and "in 2 deals" in content
    by_stage = owner_client.get(f"/deals/?stage={stages['Proposal']}").content.decode()
    assert "Dollar B" in by_stage and "Dollar A" not in by_stage
    by_owner = owner_client.get(f"/deals/?owner={owner.pk}").content.decode()
    assert "Dollar B" in by_owner and "Euro deal" not in by_owner
    by_close = owner_client.get("/deals/?close_from=2030-01-01&close_to=2030-01-15").content
    assert b"Dollar A" in by_close and b"Dollar B" not in by_close
    open_only = owner_client.get("/deals/?outcome=won").content
    assert b"No deals match" in open_only


def test_the_deal_list_pages_with_a_cursor(owner_client, workspace, pipeline):
    for i in range(52):
        make_deal(workspace, pipeline, name=f"Deal {i:02d}")
    first = owner_client.get("/deals/")
    assert first.content.count(b"<tr>") == 51  # header + 50
    cursor = first.content.decode().split('rel="next" href="?cursor=')[1].split('"')[0]
    second = owner_client.get(f"/deals/?cursor={cursor}")
    assert b"Deal 00" in second.content and b"Deal 51" not in second.content


def test_a_deal_created_from_the_form_is_audited_from_the_ui(
    member_client, workspace, stages, owner
):
    response = member_client.post(
        "/deals/new/",
        {
            "name": "Globex expansion",
            "amount": "2,500.00",
            "currency": "USD",
            "stage": stages["Proposal"],
            "owner": owner.pk,
            "forecast_category": "commit",
        },
    )
    with workspace_scope(workspace):
        created = Deal.objects.get(name="Globex expansion")
    assert response.status_code == 302 and response["Location"] == f"/deals/{created.pk}/"
    assert created.amount == Decimal("2500.00") and created.stage_id == stages["Proposal"]
    [entry] = ui_audit(workspace, object_id=created.pk, action="create")
    assert entry.changes["name"] == [None, "Globex expansion"]


def test_a_bad_deal_form_shows_the_errors_and_saves_nothing(member_client, workspace, stages):
    response = member_client.post(
        "/deals/new/",
        {
            "name": "",
            "amount": "12.345",
            "currency": "XXQ",
            "stage": stages["Lost"],
            "company": "Nobody Inc",
            "forecast_category": "pipeline",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "No company named" in content
    with workspace_scope(workspace):
        assert not Deal.objects.exists()
    fixed = member_client.post(
        "/deals/new/",
        {"name": "", "amount": "12.345", "currency": "XXQ", "forecast_category": "pipeline"},
    )
    content = fixed.content.decode()
    assert "is required" in content and "at most 2 decimal places" in content
    assert "not an ISO 4217 currency code" in content
    with workspace_scope(workspace):
        assert not Deal.objects.exists()


def test_the_deal_page_shows_fields_contacts_lines_history_and_timeline(
    owner_client, workspace, deal, stages
):
    contact = make_contact(workspace, first_name="Dana", emails=["dana@initech.io"])
    owner_client.post(
        f"/deals/{deal.pk}/contacts/", {"email": "dana@initech.io", "role": "champion"}
    )
    owner_client.post(f"/deals/{deal.pk}/move/", {"stage": stages["Proposal"]})
    content = owner_client.get(f"/deals/{deal.pk}/").content.decode()
    assert "Initech renewal" in content and "1,200.00" in content
    assert "Dana" in content and "Champion" in content
    assert "Stage history" in content and "Qualify" in content and "so far" in content
    assert 'id="timeline-items"' in content and 'name="deal"' in content
    with workspace_scope(workspace):
        assert list(deal.contact_links.values_list("contact_id", "role")) == [
            (contact.pk, "champion")
        ]


def test_an_unknown_contact_email_is_an_error_on_the_deal_page(owner_client, workspace, deal):
    response = owner_client.post(f"/deals/{deal.pk}/contacts/", {"email": "ghost@x.io"})
    assert b"No contact has this email." in response.content
    with workspace_scope(workspace):
        assert not deal.contact_links.exists()


def test_a_field_edited_in_place_is_saved_and_a_bad_value_is_shown(owner_client, workspace, deal):
    response = owner_client.post(f"/deals/{deal.pk}/fields/amount/", {"amount": "-5"})
    assert b"must not be negative" in response.content
    assert fresh(workspace, Deal, deal.pk).amount == Decimal("1200.00")
    response = owner_client.post(f"/deals/{deal.pk}/fields/amount/", {"amount": "1500"})
    assert b"1,500.00" in response.content
    assert "timeline-changed" in response["HX-Trigger"]
    assert fresh(workspace, Deal, deal.pk).amount == Decimal("1500.00")


def test_a_note_added_on_the_deal_page_is_linked_to_the_deal(owner_client, workspace, deal):
    response = owner_client.post(
        "/activities/new/", {"kind": "note", "deal": deal.pk, "note-body": "Sent the proposal"}
    )
    assert response.status_code == 200 and b"Sent the proposal" in response.content
    with workspace_scope(workspace):
        assert DealActivity.objects.filter(deal=deal).count() == 1
    assert b"Sent the proposal" in owner_client.get(f"/deals/{deal.pk}/timeline/").content


# --- leads ----------------------------------------------------------------------------------


def test_a_lead_field_edited_in_place_is_saved_audited_and_a_bad_value_is_shown(
    owner_client, workspace, lead
):
    page = owner_client.get(f"/leads/{lead.pk}/").content.decode()
    assert f'hx-get="/leads/{lead.pk}/fields/email/?edit=1"' in page
    response = owner_client.post(f"/leads/{lead.pk}/fields/email/", {"email": "not an email"})
    assert b"field-error" in response.content
    assert fresh(workspace, Lead, lead.pk).email == "ada@engines.io"
    response = owner_client.post(f"/leads/{lead.pk}/fields/first_name/", {"first_name": "Augusta"})
    assert b"Augusta" in response.content and b'id="record-title"' in response.content
    assert "timeline-changed" in response["HX-Trigger"]
    assert fresh(workspace, Lead, lead.pk).first_name == "Augusta"
    [change] = ui_audit(workspace, entity="sales.lead", object_id=lead.pk, action="update")
    assert change.changes["first_name"] == ["Ada", "Augusta"]


def test_a_converted_lead_shows_its_fields_without_inline_edit(
    owner_client, workspace, lead, pipeline
):
    owner_client.post(f"/leads/{lead.pk}/convert/", {"pipeline": pipeline.pk})
    assert fresh(workspace, Lead, lead.pk).status == "converted"
    page = owner_client.get(f"/leads/{lead.pk}/").content.decode()
    assert f"/leads/{lead.pk}/fields/" not in page and "Ada" in page
    response = owner_client.post(f"/leads/{lead.pk}/fields/first_name/", {"first_name": "X"})
    assert b"cannot be changed" in response.content
    assert fresh(workspace, Lead, lead.pk).first_name == "Ada"


def test_the_lead_list_filters_by_status_source_and_search(owner_client, workspace, lead):
    with workspace_scope(workspace):
        lead_create(
            workspace=workspace,
            actor=None,
            data={"first_name": "Zed", "source": "event", "status": "working"},
        )
    assert b"Zed" in owner_client.get("/leads/?status=working").content
    assert b"Ada" not in owner_client.get("/leads/?status=working").content
    assert b"Ada" not in owner_client.get("/leads/?source=event").content
    content = owner_client.get("/leads/?q=ada@").content
    assert b"Ada" in content and b"Zed" not in content


def test_a_bad_lead_form_shows_the_errors_and_saves_nothing(member_client, workspace):
    response = member_client.post(
        "/leads/new/", {"email": "not-an-email", "phone": "12", "status": "new"}
    )
    assert response.status_code == 200
    assert b"field-error" in response.content
    with workspace_scope(workspace):
        assert not Lead.objects.exists()


def test_the_lead_page_shows_the_score_and_its_reasons(owner_client, workspace, lead):
    with workspace_scope(workspace):
        Lead.objects.filter(pk=lead.pk).update(score=30, score_reasons=["+30 title is VP"])
    content = owner_client.get(f"/leads/{lead.pk}/").content.decode()
    assert "+30 title is VP" in content and 'class="score score-lg">30<' in content


def test_disqualifying_needs_a_reason(member_client, workspace, lead):
    response = member_client.post(f"/leads/{lead.pk}/disqualify/", {"reason": ""})
    assert response.status_code == 422
    assert fresh(workspace, Lead, lead.pk).status == "new"
    response = member_client.post(f"/leads/{lead.pk}/disqualify/", {"reason": "Student"})
    assert response.status_code == 302
    disqualified = fresh(workspace, Lead, lead.pk)
    assert (disqualified.status, disqualified.disqualify_reason) == ("disqualified", "Student")
    assert ui_audit(workspace, object_id=lead.pk, action="update")


def test_converting_with_a_deal_says_what_was_created_and_what_was_linked(
    member_client, workspace, pipeline, lead
):
    make_company(workspace, name="Engines Ltd", domain="engines.io")
    response = member_client.post(
        f"/leads/{lead.pk}/convert/",
        {"with_deal": "on", "amount": "900", "currency": "USD", "pipeline": pipeline.pk},
        follow=True,
    )
    converted = fresh(workspace, Lead, lead.pk)
    assert converted.status == "converted"
    assert response.redirect_chain[-1][0] == f"/contacts/{converted.converted_contact_id}/"
    content = response.content.decode()
    assert "created contact Ada Byron" in content
    assert "linked existing company Engines Ltd" in content
    assert "created deal Engines Ltd deal" in content
    deal = fresh(workspace, Deal, converted.converted_deal_id)
    assert deal.amount == Decimal("900.00")
    # The lead's page names what it became, and its status reads as a word.
    page = member_client.get(f"/leads/{lead.pk}/").content.decode()
    into = page.split('id="converted-into">')[1].split("</ul>")[0]
    assert ">Ada Byron</a>" in into and ">Engines Ltd</a>" in into
    assert ">Engines Ltd deal</a>" in into
    assert page.split(">Status<")[1].startswith('/span><span class="kv-value">Converted<')


def test_a_bad_conversion_shows_the_error_and_converts_nothing(
    member_client, workspace, pipeline, lead
):
    response = member_client.post(
        f"/leads/{lead.pk}/convert/",
        {"with_deal": "on", "amount": "abc", "currency": "USD", "pipeline": pipeline.pk},
    )
    assert response.status_code == 422 and b"is not a decimal number" in response.content
    assert fresh(workspace, Lead, lead.pk).status == "new"
    with workspace_scope(workspace):
        assert not Deal.objects.exists()


# --- web forms, forecast, purchases ---------------------------------------------------------


def test_the_web_forms_page_lists_keys_origins_and_the_embed_snippet(admin_user, workspace):
    client = fixtures.signed_in(admin_user)
    response = client.post(
        "/settings/web-forms/", {"name": "Website", "allowed_origins": "https://acme.io"}
    )
    assert response.status_code == 302
    with workspace_scope(workspace):
        form = WebForm.objects.get()
    content = client.get("/settings/web-forms/").content.decode()
    assert form.key in content and "https://acme.io" in content
    assert f"/forms/{form.key}/" in content and "&lt;form method=&quot;post&quot;" in content
    bad = client.post("/settings/web-forms/", {"name": "X", "allowed_origins": "acme.io"})
    assert b"must be a scheme and host" in bad.content
    with workspace_scope(workspace):
        assert WebForm.objects.count() == 1


def test_a_member_may_see_web_forms_but_not_create_one(member_client, workspace):
    with workspace_scope(workspace):
        web_form_create(workspace=workspace, actor=None, name="Website")
    assert b"Website" in member_client.get("/settings/web-forms/").content
    assert member_client.post("/settings/web-forms/", {"name": "Mine"}).status_code == 403


def test_the_forecast_shows_closed_won_and_loads_kpis_and_deals_at_risk_as_panels(
    owner_client, workspace, pipeline, stages
):
    won = make_deal(workspace, pipeline, name="Won deal", amount="700")
    late = make_deal(workspace, pipeline, name="Late deal", expected_close_date="2020-01-01")
    owner_client.post(f"/deals/{won.pk}/move/", {"stage": stages["Won"]})
    content = owner_client.get("/forecast/").content.decode()
    assert 'id="closed-won-now">700<' in content
    assert "forecast-data" in content
    for panel in ("kpis", "vs-actual", "conversion", "at-risk"):
        assert f'hx-get="/forecast/panels/{panel}/"' in content
    kpis = owner_client.get("/forecast/panels/kpis/").content.decode()
    assert "Win rate" in kpis and "100%" in kpis
    at_risk = owner_client.get("/forecast/panels/at-risk/").content.decode()
    assert "Late deal" in at_risk and f"/deals/{late.pk}/" in at_risk
    quarters = owner_client.get("/forecast/?granularity=quarter").content.decode()
    today = dt.date.today()
    assert f"{today.year}-Q{(today.month - 1) // 3 + 1}" in quarters


def test_forecast_panels_follow_the_chosen_owner(owner_client, owner, member, workspace, pipeline):
    make_deal(
        workspace, pipeline, name="Mine late", expected_close_date="2020-01-01", owner_id=owner.pk
    )
    make_deal(
        workspace,
        pipeline,
        name="Theirs late",
        expected_close_date="2020-01-01",
        owner_id=member.pk,
    )
    page = owner_client.get(f"/forecast/?owner={member.pk}").content.decode()
    assert f'hx-get="/forecast/panels/at-risk/?owner={member.pk}"' in page
    at_risk = owner_client.get(f"/forecast/panels/at-risk/?owner={member.pk}").content.decode()
    assert "Theirs late" in at_risk and "Mine late" not in at_risk
    assert owner_client.get("/forecast/panels/nope/").status_code == 404


def test_the_forecast_names_a_missing_exchange_rate(owner_client, workspace, pipeline):
    make_deal(
        workspace, pipeline, name="Yen deal", currency="JPY", expected_close_date=dt.date.today()
    )
    content = owner_client.get("/forecast/").content.decode()
    assert "no JPY→USD exchange rate" in content


def test_purchases_show_orders_with_lines_and_lifetime_revenue(owner_client, workspace):
    contact = make_contact(workspace, first_name="Buyer")
    with workspace_scope(workspace):
        for i, total in enumerate(("100.00", "50.00")):
            order_upsert(
                workspace=workspace,
                actor=None,
                data={
                    "external_id": f"ERP-{i}",
                    "contact_id": contact.pk,
                    "lines": [{"sku": "W-1", "description": "Widget", "unit_price": total}],
                },
            )
    content = owner_client.get(f"/contacts/{contact.pk}/purchases/").content.decode()
    assert 'id="lifetime-revenue">150.00 USD<' in content
    assert "ERP-0" in content and "ERP-1" in content and "1 × Widget" in content
    page = owner_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f'hx-get="/contacts/{contact.pk}/purchases/"' in page


def test_the_board_names_a_missing_exchange_rate_instead_of_failing(
    owner_client, workspace, pipeline
):
    make_deal(workspace, pipeline, name="Euro deal", amount="10", currency="EUR")
    response = owner_client.get("/deals/board/")
    assert response.status_code == 200
    assert "need an exchange rate: no EUR" in response.content.decode()


def test_the_lifetime_revenue_says_when_it_was_converted(owner_client, workspace):
    contact = make_contact(workspace, first_name="Abroad")
    with workspace_scope(workspace):
        for i, currency in enumerate(("USD", "EUR")):
            order_upsert(
                workspace=workspace,
                actor=None,
                data={
                    "external_id": f"ERP-{currency}",
                    "contact_id": contact.pk,
                    "currency": currency,
                    "ordered_at": "2026-03-02T10:00:00Z",
                    "lines": [{"sku": f"W-{i}", "description": "Widget", "unit_price": "100"}],
                },
            )
        exchange_rate_set(
            workspace=workspace, actor=None, currency="EUR", day=dt.date(2026, 3, 1), rate="1.5"
        )
    content = owner_client.get(f"/contacts/{contact.pk}/purchases/").content.decode()

    assert 'id="lifetime-revenue">250.00 USD<' in content
    assert 'id="revenue-converted"' in content and "(converted to USD)" in content


def test_a_deal_amount_too_long_for_its_column_is_refused_in_place(owner_client, deal):
    """On SQLite such an amount was stored and the deal's page answered 500 from then on."""
    refused = owner_client.post(
        f"/deals/{deal.pk}/fields/amount/", {"amount": "99999999999999999999"}
    )

    assert refused.status_code == 200
    assert "at most 15 digits before the decimal point" in refused.content.decode()
    assert owner_client.get(f"/deals/{deal.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("quantity", "said"),
    [
        ("1.005", "at most 2 decimal places"),
        ("1000000000", "at most 8 digits before the decimal point"),
    ],
)
def test_a_deal_line_quantity_the_service_refuses_is_said_on_the_deal_page(
    owner_client, workspace, owner, pipeline, quantity, said
):
    """The add-line form took three decimal places and any size; the service refusing it left
    a line without a quantity to total (a 500), or a number too long for its column."""
    from rapport.sales.services import product_create

    with workspace_scope(workspace):
        seat = product_create(
            workspace=workspace,
            actor=owner,
            data={"sku": "SEAT", "name": "Seat", "prices": {"USD": "49.00"}},
        )
    deal = make_deal(workspace, pipeline, currency="USD")

    response = owner_client.post(
        f"/deals/{deal.pk}/lines/", {"product": seat.pk, "quantity": quantity}
    )

    assert response.status_code == 200
    assert said in response.content.decode()
    with workspace_scope(workspace):
        assert not Deal.objects.get(pk=deal.pk).lines.exists()


def test_the_deal_pages_task_assignees_offer_each_person_once(owner_client, member, deal):
    content = owner_client.get(f"/deals/{deal.pk}/").content.decode()
    select = re.search(r'<select name="task-assignee".*?</select>', content, re.S)
    assert select
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0)) == ["Me", "mia"]
