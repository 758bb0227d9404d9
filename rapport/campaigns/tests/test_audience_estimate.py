"""A draft's audience counted before sending: each skip rule in the send's own order, the
same figures the send then writes, and the panel on the draft's page."""

from collections import Counter

import pytest

from rapport.campaigns.audience import audience_estimate
from rapport.campaigns.models import Recipient, Suppression
from rapport.campaigns.services import campaign_audience, campaign_start
from rapport.campaigns.tests.factories import make_campaign, opt_in
from rapport.contacts.tests.factories import make_contact
from rapport.marketing.services import segment_create
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

outsider_client = fixtures.outsider_client
owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(workspace, owner):
    """Seven contacts: two who may be mailed, and one for each skip rule, one of them caught
    by two rules (no consent and do-not-email: the earlier rule names it)."""
    yes = [make_contact(workspace, first_name=n, emails=[f"{n}@x.example"]) for n in ("a", "b")]
    unasked = make_contact(workspace, first_name="c", emails=["c@x.example"])
    refused = make_contact(workspace, first_name="d", emails=["d@x.example"], do_not_email=True)
    both = make_contact(workspace, first_name="e", emails=["e@x.example"], do_not_email=True)
    left = make_contact(workspace, first_name="f", emails=["f@x.example"])
    nowhere = make_contact(workspace, first_name="g")
    opt_in(workspace, *yes, refused, left, nowhere)
    with workspace_scope(workspace):
        Suppression.objects.create(workspace=workspace, email="f@x.example", reason="unsubscribe")
        everyone = segment_create(workspace=workspace, actor=owner, data={"name": "Everyone"})
    del unasked, both
    return make_campaign(workspace, owner, segment_id=everyone.pk)


def test_each_contact_is_counted_under_the_first_rule_that_skips_it(workspace, draft):
    with workspace_scope(workspace):
        estimate = audience_estimate(
            contacts=campaign_audience(workspace=workspace, campaign=draft)
        )

    assert (estimate.total, estimate.reachable) == (7, 2)
    assert (estimate.no_email, estimate.do_not_email) == (1, 2)
    assert (estimate.suppressed, estimate.no_consent) == (1, 1)


def test_the_send_then_writes_what_the_estimate_foresaw(workspace, owner, draft):
    with workspace_scope(workspace):
        estimate = audience_estimate(
            contacts=campaign_audience(workspace=workspace, campaign=draft)
        )
        campaign_start(workspace=workspace, actor=owner, campaign=draft)
        written = Counter(Recipient.objects.values_list("skip_reason", flat=True))

    assert written == {
        "": estimate.reachable,
        "no email address": estimate.no_email,
        "do not email": estimate.do_not_email,
        "unsubscribed or bounced before": estimate.suppressed,
        "no consent to email marketing": estimate.no_consent,
    }


def test_the_drafts_page_loads_who_it_would_reach(owner_client, outsider_client, draft):
    page = owner_client.get(f"/campaigns/{draft.pk}/").content.decode()
    panel = owner_client.get(f"/campaigns/{draft.pk}/audience/").content.decode()

    assert f'hx-get="/campaigns/{draft.pk}/audience/"' in page
    assert '<strong data-audience="reachable">2</strong> of 7 contacts' in panel
    assert '<li data-skip="do_not_email">2 marked “do not email”</li>' in panel
    assert outsider_client.get(f"/campaigns/{draft.pk}/audience/").status_code == 404


def test_a_draft_shows_no_empty_report_until_someone_is_queued_or_a_lead_came(owner_client, draft):
    page = owner_client.get(f"/campaigns/{draft.pk}/").content.decode()

    assert 'id="report"' not in page and "chart-funnel" not in page
