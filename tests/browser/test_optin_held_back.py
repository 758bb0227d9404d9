"""Double opt-in for an address someone else has blocked: the confirmation page thanks the
visitor, subscribes them and records the opt-in, and says plainly that the address will not be
mailed for now, and why (an earlier unsubscribe or bounce, or "do not email" on the contact)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from rapport.campaigns.models import Suppression, SuppressionReason
from rapport.contacts.tests.factories import make_contact
from rapport.marketing.models import ConsentEvent, StaticListMember
from rapport.marketing.optin import subscription_request_create
from rapport.marketing.services import static_list_create
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def _request_and_confirm(page: Page, workspace, newsletter, email: str) -> None:
    """The visitor asks to join, opens the link from the mail and confirms."""
    mail.outbox.clear()
    with workspace_scope(workspace):  # the mail goes out as the request commits
        subscription_request_create(
            workspace=workspace,
            static_list=newsletter,
            form_name="Newsletter signup",
            web_form_id=None,
            double_opt_in=True,
            data={"email": email, "first_name": "Grace"},
            ip_address="203.0.113.9",
            user_agent="test browser",
        )
    [message] = mail.outbox
    [link] = re.findall(r"https?://\S+/subscribe/confirm/\S+/", message.body)
    page.goto(urlsplit(link).path)
    page.get_by_role("button", name="Confirm my subscription").click()
    expect(page.locator(".optin-result")).to_have_text(
        f"Thank you: {email} is subscribed to “Newsletter”."
    )


def test_a_blocked_address_is_subscribed_but_told_it_will_not_be_mailed(
    page, live_server, workspace, owner, settings
):
    settings.RAPPORT_PUBLIC_URL = live_server.url
    page.set_default_timeout(10_000)
    with workspace_scope(workspace):
        newsletter = static_list_create(
            workspace=workspace, actor=owner, data={"name": "Newsletter"}
        )
        Suppression.objects.create(
            workspace=workspace, email="gone@navy.example", reason=SuppressionReason.BOUNCE
        )
        make_contact(workspace, emails=["quiet@navy.example"], do_not_email=True)

    # An address that bounced before.
    _request_and_confirm(page, workspace, newsletter, "gone@navy.example")
    held = page.locator(".optin-held")
    expect(held).to_contain_text("will not mail this address for now")
    expect(held).to_contain_text("the address is suppressed (unsubscribed or bounced before)")

    # A contact marked "do not email".
    _request_and_confirm(page, workspace, newsletter, "quiet@navy.example")
    expect(page.locator(".optin-held")).to_contain_text("the contact is marked do not email")

    # An address nobody blocked gets no such line.
    _request_and_confirm(page, workspace, newsletter, "free@navy.example")
    expect(page.locator(".optin-held")).to_have_count(0)

    with workspace_scope(workspace):
        assert StaticListMember.objects.filter(static_list=newsletter).count() == 3
        notes = sorted(ConsentEvent.objects.values_list("note", flat=True))
    assert sum("not mailed:" in note for note in notes) == 2
