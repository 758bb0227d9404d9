"""The campaign pages: list, report, campaign and template forms, live preview and test send;
who may see and change what."""

import re

import pytest
from django.core import mail

from rapport.audit.models import AuditEntry
from rapport.campaigns.models import Campaign, EmailTemplate, EventKind, Recipient, TrackingEvent
from rapport.campaigns.tests.factories import make_campaign
from rapport.contacts.tests.factories import make_contact
from rapport.sales.models import Lead
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, first_name="Ann", emails=["ann@client.example"])


@pytest.fixture
def campaign(workspace, owner, ann):
    campaign = make_campaign(workspace, owner, name="Spring launch", cost="5000", budget="12500")
    with workspace_scope(workspace):
        recipient = Recipient.objects.create(
            workspace=workspace, campaign=campaign, contact=ann, email=ann.email, status="sent"
        )
        for kind in (EventKind.OPEN, EventKind.OPEN, EventKind.CLICK):
            TrackingEvent.objects.create(
                workspace=workspace,
                recipient=recipient,
                campaign=campaign,
                contact=ann,
                kind=kind,
                at=recipient.created_at,
            )
    return campaign


def test_the_list_shows_each_campaign_with_its_counts_and_rates(owner_client, workspace, campaign):
    bob = make_contact(workspace, first_name="Bob", emails=["bob@client.example"])
    with workspace_scope(workspace):
        Recipient.objects.create(
            workspace=workspace, campaign=campaign, contact=bob, email=bob.email, status="sent"
        )
        Recipient.objects.create(
            workspace=workspace,
            campaign=campaign,
            contact=bob,
            email="x@y.example",
            status="failed",
        )
        Lead.objects.create(workspace=workspace, email="lead@x.io", campaign=campaign)
    page = owner_client.get("/campaigns/").content.decode()

    row = page.split("Spring launch")[1].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    # status, sent on (not yet), sent, opened and clicked with their rates, leads
    assert cells == ["Draft", "—", "2", "1 50%", "1 50%", "1"]


def test_the_report_counts_recipients_once_and_shows_roi(owner_client, campaign):
    page = owner_client.get(f"/campaigns/{campaign.pk}/").content.decode()

    assert 'data-kpi="opened">1<' in page
    assert 'data-kpi="clicked">1<' in page
    assert "-1.00×" in page  # a cost, nothing won yet
    assert "Cost 5,000.00 USD · budget 12,500.00 USD" in page
    assert 'id="campaign-funnel"' in page


def test_a_template_with_a_syntax_error_is_refused_on_its_field(owner_client, workspace):
    response = owner_client.post(
        "/campaigns/templates/new/",
        {"name": "Broken", "subject": "Hi {{ contact.first_name", "body_text": "x"},
    )

    assert response.status_code == 200
    assert "line 1" in response.content.decode()
    with workspace_scope(workspace):
        assert not EmailTemplate.objects.exists()


def test_a_template_and_a_campaign_are_created_and_audited(owner_client, workspace):
    owner_client.post(
        "/campaigns/templates/new/",
        {"name": "Hello", "subject": "Hi {{ contact.first_name }}", "body_text": "Hello"},
    )
    with workspace_scope(workspace):
        template = EmailTemplate.objects.get()
    response = owner_client.post(
        "/campaigns/new/",
        {"name": "Q3", "template": template.pk, "budget": "100", "cost": "20", "currency": "eur"},
    )

    with workspace_scope(workspace):
        campaign = Campaign.objects.get()
        entities = set(AuditEntry.objects.values_list("entity", flat=True))
    assert response.status_code == 302
    assert (campaign.currency, str(campaign.cost)) == ("EUR", "20.00")
    assert {"campaigns.emailtemplate", "campaigns.campaign"} <= entities


def test_the_preview_renders_unsaved_text_as_the_chosen_contact(owner_client, ann):
    response = owner_client.post(
        "/campaigns/templates/preview/",
        {
            "contact": ann.pk,
            "subject": "Hi {{ contact.first_name }}",
            "body_html": "<p>{{ contact.first_name }}</p><script>x()</script>",
        },
        headers={"HX-Request": "true"},
    )

    page = response.content.decode()
    assert '<span id="preview-subject">Hi Ann</span>' in page
    assert 'sandbox=""' in page  # the HTML body runs nothing in the editor
    assert "<script>" not in page  # srcdoc holds it escaped


def test_a_test_send_goes_to_the_given_address_marked_and_untracked(owner_client, ann, mailoutbox):
    owner_client.post(
        "/campaigns/templates/test-send/",
        {
            "contact": ann.pk,
            "subject": "Hi {{ contact.first_name }}",
            "body_text": "x",
            "to": "me@acme.example",
        },
    )

    assert [(m.subject, m.to) for m in mail.outbox] == [("[Test] Hi Ann", ["me@acme.example"])]
    assert "/t/c/" not in mail.outbox[0].body


def test_a_bad_test_address_is_named(owner_client, ann, mailoutbox):
    response = owner_client.post(
        "/campaigns/templates/test-send/",
        {"contact": ann.pk, "subject": "Hi", "body_text": "x", "to": "not-an-address"},
    )

    assert "to:" in response.content.decode()
    assert mail.outbox == []


def test_an_outsider_finds_nothing(outsider_client, campaign, ann):
    for path in (f"/campaigns/{campaign.pk}/", f"/campaigns/templates/{campaign.template_id}/"):
        assert outsider_client.get(path).status_code == 404
    preview = outsider_client.post(
        "/campaigns/templates/preview/", {"contact": ann.pk, "subject": "{{ contact.email }}"}
    )
    assert preview.status_code == 404
    assert "Spring launch" not in outsider_client.get("/campaigns/").content.decode()


def test_a_viewer_reads_and_previews_but_changes_nothing(viewer_client, campaign, ann, workspace):
    assert viewer_client.get(f"/campaigns/{campaign.pk}/").status_code == 200
    assert (
        viewer_client.post(
            "/campaigns/templates/preview/", {"contact": ann.pk, "subject": "x"}
        ).status_code
        == 200
    )
    for path, data in [
        ("/campaigns/new/", {"name": "V", "template": campaign.template_id}),
        (f"/campaigns/{campaign.pk}/edit/", {"name": "V", "template": campaign.template_id}),
        (f"/campaigns/{campaign.pk}/cancel/", {}),
        ("/campaigns/templates/new/", {"name": "V", "subject": "V", "body_text": "V"}),
        ("/campaigns/templates/test-send/", {"contact": ann.pk, "subject": "V", "to": "a@b.co"}),
    ]:
        assert viewer_client.post(path, data).status_code == 403, path
    with workspace_scope(workspace):
        assert Campaign.objects.get().name == "Spring launch"


def test_a_viewer_opens_a_template_from_the_list_to_read_it(viewer_client, campaign, workspace):
    """The template list links every row to the template's page: for a viewer too."""
    path = f"/campaigns/templates/{campaign.template_id}/"
    assert path in viewer_client.get("/campaigns/templates/").content.decode()

    page = viewer_client.get(path)

    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'<input[^>]*name="subject"[^>]*readonly', html)
    assert "Save changes" not in html and "Send test" not in html
    assert viewer_client.get("/campaigns/templates/new/").status_code == 403
    assert viewer_client.post(path, {"name": "V", "subject": "V"}).status_code == 403
    with workspace_scope(workspace):
        assert EmailTemplate.objects.get().name != "V"


def test_a_draft_is_sent_from_its_page_to_its_segment(
    owner_client, workspace, owner, ann, mailoutbox, django_capture_on_commit_callbacks
):
    from rapport.campaigns.tests.factories import opt_in
    from rapport.marketing.services import segment_create

    opt_in(workspace, ann)
    with workspace_scope(workspace):
        segment = segment_create(workspace=workspace, actor=owner, data={"name": "Everyone"})
    created = owner_client.post(
        "/campaigns/new/",
        {
            "name": "Now",
            "template": make_campaign(workspace, owner).template_id,
            "segment": segment.pk,
            "budget": "0",
            "cost": "0",
        },
    )
    detail = created["Location"]

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(detail + "start/")
    page = owner_client.get(detail).content.decode()

    assert [m.to for m in mail.outbox] == [["ann@client.example"]]
    assert "segment" in page and "Everyone" in page
    assert 'data-kpi="sent">1<' in page


def test_a_budget_longer_than_its_column_is_refused(workspace, owner):
    """Through the API nothing else stopped it: SQLite stored it and the campaign's page then
    failed; PostgreSQL failed the write."""
    from rapport.campaigns.tests.factories import make_template
    from rapport.core.errors import ServiceValidationError

    template_id = make_template(workspace, owner).pk
    with pytest.raises(ServiceValidationError) as refused:
        make_campaign(workspace, owner, template_id=template_id, budget="100000000000")

    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("budget", "at most 11 digits before the decimal point")
    ]
    make_campaign(workspace, owner, template_id=template_id, budget="99999999999.99")
