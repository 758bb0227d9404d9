"""The links in a campaign message work without a login and cannot be forged."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from rapport.audit.models import AuditEntry
from rapport.campaigns.models import EventKind, Recipient, Suppression, TrackingEvent
from rapport.campaigns.tests.factories import make_campaign
from rapport.campaigns.tracking import click_signature, click_url, unsubscribe_url
from rapport.contacts.tests.factories import make_contact
from rapport.core.timeline import timeline_for
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def recipient(workspace, owner) -> Recipient:
    contact = make_contact(workspace, first_name="Ann", emails=["ann@client.example"])
    campaign = make_campaign(workspace, owner)
    with workspace_scope(workspace):
        return Recipient.objects.create(
            workspace=workspace, campaign=campaign, contact=contact, email="ann@client.example"
        )


def _events(workspace):
    with workspace_scope(workspace):
        return list(TrackingEvent.objects.values_list("kind", "url"))


def _path(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


def test_the_open_pixel_records_an_open_on_the_contacts_timeline(client, recipient, workspace):
    response = client.get(f"/t/o/{recipient.token}.gif")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert _events(workspace) == [("open", "")]
    with workspace_scope(workspace):
        items = timeline_for(recipient.contact).items
    assert [(i.kind, i.obj.kind) for i in items if i.kind == "campaign_event"] == [
        ("campaign_event", EventKind.OPEN)
    ]


def test_a_signed_click_redirects_and_is_recorded(client, recipient, workspace):
    target = "https://shop.example/spring?utm=1&x=2"

    response = client.get(_path(click_url(recipient.token, target)))

    assert response.status_code == 302
    assert response["Location"] == target
    assert _events(workspace) == [("click", target)]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token, sig: (token, "https://evil.example/", sig),  # another target
        lambda token, sig: (token, "https://shop.example/spring", sig[:-1] + "x"),  # bad signature
        lambda token, sig: (token, "https://shop.example/spring", ""),  # none
        lambda token, sig: ("A" * 24, "https://shop.example/spring", sig),  # another token
    ],
)
def test_a_forged_click_link_is_not_found_and_redirects_nowhere(
    client, recipient, workspace, tamper
):
    good = click_signature(recipient.token, "https://shop.example/spring")
    token, url, signature = tamper(recipient.token, good)

    response = client.get(f"/t/c/{token}/?" + urlencode({"u": url, "s": signature}))

    assert response.status_code == 404
    assert "Location" not in response
    assert _events(workspace) == []


def test_a_signed_link_to_a_non_web_scheme_is_refused(client, recipient):
    url = "javascript:alert(1)"
    query = urlencode({"u": url, "s": click_signature(recipient.token, url)})

    assert client.get(f"/t/c/{recipient.token}/?{query}").status_code == 404


def test_one_click_unsubscribe_needs_no_login_and_no_csrf_token(recipient, workspace):
    browserless = Client(enforce_csrf_checks=True)
    path = _path(unsubscribe_url(recipient.token))

    page = browserless.get(path)
    done = browserless.post(path, {"List-Unsubscribe": "One-Click"})

    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert done.status_code == 200 and b"no more of these emails" in done.content
    with workspace_scope(workspace):
        assert list(Suppression.objects.values_list("email", "reason")) == [
            ("ann@client.example", "unsubscribe")
        ]
        entry = AuditEntry.objects.get(entity="campaigns.suppression")
    assert (entry.source, entry.action) == ("campaign", "create")
    assert _events(workspace) == [("unsubscribe", "")]


def test_unsubscribing_twice_keeps_one_suppression(client, recipient, workspace):
    path = _path(unsubscribe_url(recipient.token))
    client.post(path)
    client.post(path)

    with workspace_scope(workspace):
        assert Suppression.objects.count() == 1
        assert AuditEntry.objects.filter(entity="campaigns.suppression").count() == 1


@pytest.mark.parametrize("path", ["/t/o/{t}.gif", "/t/u/{t}/"])
def test_an_unknown_or_overlong_token_is_not_found(client, recipient, workspace, path):
    for token in ("nope", "x" * 500):
        assert client.get(path.format(t=token)).status_code == 404
        assert client.post(path.format(t=token)).status_code in (404, 405)
    assert _events(workspace) == []


def test_a_sent_email_is_on_the_timeline_before_its_open_and_an_unsent_one_is_not(
    client, recipient, workspace, owner
):
    unsent = Recipient.objects.create(
        workspace=workspace,
        campaign=make_campaign(
            workspace, owner, name="Not yet", template_id=recipient.campaign.template_id
        ),
        contact=recipient.contact,
        email="ann@client.example",
    )
    with workspace_scope(workspace):
        Recipient.objects.filter(pk=recipient.pk).update(status="sent", sent_at=timezone.now())
    client.get(f"/t/o/{recipient.token}.gif")
    with workspace_scope(workspace):
        items = timeline_for(recipient.contact).items
    campaign_items = [(i.kind, i.obj.pk) for i in items if i.kind.startswith("campaign")]

    assert campaign_items[1] == ("campaign_sent", recipient.pk)
    assert campaign_items[0][0] == "campaign_event"
    assert unsent.pk not in [pk for kind, pk in campaign_items if kind == "campaign_sent"]
