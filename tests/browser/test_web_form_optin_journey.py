"""Double opt-in in the browser: the admin points a web form at a list, a visitor fills the
public form, opens the link in the confirmation mail, confirms, and the admin finds the new
contact on the list."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from rapport.marketing.models import ConsentEvent, StaticListMember, SubscriptionRequest
from rapport.marketing.services import static_list_create
from rapport.sales.models import WebForm
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_a_visitor_subscribes_through_the_web_form_with_double_opt_in(
    page, browser, live_server, log_in, workspace, owner, settings
):
    settings.RAPPORT_PUBLIC_URL = live_server.url  # the link in the mail leads here
    with workspace_scope(workspace):
        newsletter = static_list_create(
            workspace=workspace, actor=owner, data={"name": "Newsletter"}
        )

    # The admin makes a web form that subscribes to the newsletter.
    log_in("olivia")
    page.get_by_role("link", name="Web forms").click()
    new_form = page.locator("section", has=page.get_by_role("heading", name="New web form"))
    new_form.get_by_label("Name").fill("Newsletter signup")
    new_form.get_by_label("Subscribe to list").select_option(label="Newsletter")
    expect(new_form.get_by_label(re.compile("Double opt-in"))).to_be_checked()
    new_form.get_by_role("button", name="Create web form").click()
    card = page.locator(".web-form-card", has_text="Newsletter signup")
    expect(card).to_contain_text("Newsletter (double opt-in)")
    with workspace_scope(workspace):
        form = WebForm.objects.get()

    # A visitor, in a browser of their own, fills the public form.
    visitor_context = browser.new_context(base_url=live_server.url)
    visitor_context.set_default_timeout(10_000)
    visitor = visitor_context.new_page()
    try:
        visitor.goto(f"/forms/{form.key}/")
        visitor.get_by_label("First name").fill("Grace")
        visitor.get_by_label("Last name").fill("Hopper")
        visitor.get_by_label("Email").fill("Grace@Navy.example")
        visitor.get_by_role("button", name="Send").click()
        expect(visitor.locator(".optin-pending")).to_contain_text("open the link in the email")

        [message] = mail.outbox
        assert message.to == ["grace@navy.example"]
        [link] = re.findall(r"https?://\S+/subscribe/confirm/\S+/", message.body)
        assert link.startswith(live_server.url)

        # Opening the link only asks; nothing is subscribed yet.
        visitor.goto(urlsplit(link).path)
        expect(visitor.get_by_text("Subscribe grace@navy.example to “Newsletter”?")).to_be_visible()
        with scopes_disabled():
            assert not StaticListMember.objects.exists()
            assert SubscriptionRequest.objects.get().confirmed_at is None

        visitor.get_by_role("button", name="Confirm my subscription").click()
        expect(visitor.locator(".optin-result")).to_have_text(
            "Thank you: grace@navy.example is subscribed to “Newsletter”."
        )
        # The link used again is harmless.
        visitor.goto(urlsplit(link).path)
        expect(visitor.locator(".optin-result")).to_contain_text("already subscribed")
    finally:
        visitor_context.close()

    with scopes_disabled():
        [event] = ConsentEvent.objects.all()
        assert (event.purpose, event.status) == ("email_marketing", "opted_in")
        assert event.source == "web form double opt-in: Newsletter signup"

    # The admin finds Grace on the list.
    page.goto(f"/marketing/lists/{newsletter.pk}/")
    members = page.locator("#members")
    expect(members).to_contain_text("Grace Hopper")
    expect(members).to_contain_text("grace@navy.example")
    expect(members.locator("tbody tr")).to_have_count(1)
