"""Double opt-in from a public web form: the request, the mail, the confirmation page."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.marketing.models import ConsentEvent, StaticListMember, SubscriptionRequest
from rapport.marketing.optin import TOKEN_SALT, optin_token, subscription_confirm
from rapport.marketing.queries import consent_allows
from rapport.marketing.services import static_list_create
from rapport.sales import leads
from rapport.sales.leads import web_form_create
from rapport.sales.models import Lead
from rapport.tenancy.access import workspace_scope
from rapport.web.tests.fixtures import signed_in

GOOD = {"first_name": "tom", "last_name": "baker", "email": "Tom@Example.org"}
LINK = re.compile(r"https?://\S+/subscribe/confirm/\S+/")


@pytest.fixture
def newsletter(workspace, owner):
    with workspace_scope(workspace):
        return static_list_create(workspace=workspace, actor=owner, data={"name": "Newsletter"})


@pytest.fixture
def form(workspace, owner, newsletter):
    with workspace_scope(workspace):
        return web_form_create(
            workspace=workspace, actor=owner, name="Newsletter signup", static_list_id=newsletter.pk
        )


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """Posts the public form; the confirmation mail goes once the submission commits."""

    def post(form, data=GOOD, **headers):
        headers.setdefault("HTTP_USER_AGENT", "Mozilla/5.0 (test)")
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(f"/forms/{form.key}/", data, **headers)

    return post


def link_of(message) -> str:
    [url] = LINK.findall(message.body)
    return urlsplit(url).path


def rows(model, **filters):
    with scopes_disabled():
        return list(model.objects.filter(**filters).order_by("id"))


def test_a_submission_records_a_pending_request_and_mails_one_link(
    submit, form, newsletter, workspace
):
    response = submit(form)

    assert response.status_code == 200
    assert b"open the link in the email we just sent you" in response.content
    [lead] = rows(Lead)
    assert lead.email == "tom@example.org"  # the lead is made as before
    [request] = rows(SubscriptionRequest)
    assert (request.workspace, request.static_list, request.web_form_id) == (
        workspace,
        newsletter,
        form.pk,
    )
    assert (request.email, request.first_name, request.last_name) == (
        "tom@example.org",
        "tom",
        "baker",
    )
    assert request.ip_address == "127.0.0.1" and request.user_agent == "Mozilla/5.0 (test)"
    assert request.confirmed_at is None
    assert request.expires_at - request.requested_at == dt.timedelta(days=7)
    # Nothing joins the list and nobody is recorded as opted in before the confirmation.
    assert rows(StaticListMember) == [] and rows(ConsentEvent) == [] and rows(Contact) == []
    [message] = mail.outbox
    assert message.to == ["tom@example.org"]
    assert message.subject == "Please confirm your subscription to Newsletter"
    assert "Hello tom," in message.body and "Acme Sales" in message.body
    assert Client().get(link_of(message)).status_code == 200


def test_opening_the_link_only_asks(submit, form):
    submit(form)
    path = link_of(mail.outbox[0])

    for _ in range(2):  # a mail scanner's prefetch, then the person
        page = Client().get(path)
        assert page.status_code == 200
        assert b"Confirm my subscription" in page.content and b'method="post"' in page.content

    assert rows(StaticListMember) == [] and rows(ConsentEvent) == [] and rows(Contact) == []
    assert rows(SubscriptionRequest)[0].confirmed_at is None
    assert page["Referrer-Policy"] == "no-referrer"


def test_pressing_confirm_subscribes_and_records_the_opt_in(submit, form, newsletter, workspace):
    submit(form)
    path = link_of(mail.outbox[0])
    at = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)

    with time_machine.travel(at, tick=False):
        page = Client(HTTP_USER_AGENT="Mail client").post(path)

    assert page.status_code == 200
    assert b"is subscribed to" in page.content
    [contact] = rows(Contact)
    assert (contact.first_name, contact.last_name, contact.email) == (
        "Tom",
        "Baker",
        "tom@example.org",
    )
    [member] = rows(StaticListMember)
    assert (member.static_list, member.contact, member.workspace) == (
        newsletter,
        contact,
        workspace,
    )
    [event] = rows(ConsentEvent)
    assert (event.contact, event.purpose, event.status) == (contact, "email_marketing", "opted_in")
    assert event.source == "web form double opt-in: Newsletter signup"
    assert event.at == at and event.recorded_by is None
    assert "from 127.0.0.1" in event.note and "confirmed from 127.0.0.1" in event.note
    [request] = rows(SubscriptionRequest)
    assert request.confirmed_at == at and request.contact == contact
    assert request.confirmed_user_agent == "Mail client"
    with workspace_scope(workspace):
        assert consent_allows(contact=contact, purpose="email_marketing")
    with scopes_disabled():
        audited = set(AuditEntry.objects.filter(source="webform").values_list("entity", "action"))
    assert {
        ("marketing.subscriptionrequest", "create"),
        ("marketing.subscriptionrequest", "update"),
        ("contacts.contact", "create"),
        ("marketing.staticlist", "update"),
        ("marketing.consentevent", "create"),
    } <= audited


def test_confirming_again_changes_nothing(submit, form):
    submit(form)
    path = link_of(mail.outbox[0])
    Client().post(path)

    again = Client().post(path)
    looked = Client().get(path)

    assert again.status_code == 200 and b"already subscribed" in again.content
    assert b"already subscribed" in looked.content and b"<form" not in looked.content
    assert len(rows(Contact)) == 1 and len(rows(StaticListMember)) == 1
    assert len(rows(ConsentEvent)) == 1


def test_an_existing_contact_is_subscribed_not_duplicated(submit, form, workspace, other_workspace):
    ours = make_contact(workspace, first_name="Thomas", emails=["tom@example.org"])
    make_contact(other_workspace, first_name="Other Tom", emails=["tom@example.org"])
    submit(form)

    Client().post(link_of(mail.outbox[0]))

    with workspace_scope(workspace):
        assert list(Contact.objects.all()) == [ours]
        assert Contact.objects.get().first_name == "Thomas"  # the form does not rename them
    [member] = rows(StaticListMember)
    assert member.contact == ours
    assert rows(ConsentEvent)[0].contact == ours


def _nothing_subscribed():
    return rows(StaticListMember) == [] and rows(ConsentEvent) == [] and rows(Contact) == []


def test_forged_tampered_and_moved_tokens_are_refused(
    submit, form, workspace, other_workspace, owner
):
    submit(form)
    path = link_of(mail.outbox[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    [request] = rows(SubscriptionRequest)
    with workspace_scope(workspace):
        other_list = static_list_create(workspace=workspace, actor=owner, data={"name": "VIP"})
    payload = [request.pk, workspace.pk, request.static_list_id]
    bad = [
        "not-a-token",
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature altered
        # another id under this token's timestamp and signature
        signing.dumps([request.pk + 1, *payload[1:]], salt=TOKEN_SALT).split(":")[0]
        + ":"
        + token.split(":", 1)[1],
        signing.dumps(payload, salt="another.purpose"),  # signed, but for something else
        signing.dumps([request.pk, other_workspace.pk, payload[2]], salt=TOKEN_SALT),
        signing.dumps([request.pk, workspace.pk, other_list.pk], salt=TOKEN_SALT),
        signing.dumps({"id": request.pk}, salt=TOKEN_SALT),
        "x" * 300,
    ]

    for forged in bad:
        for method in ("get", "post"):
            page = getattr(Client(), method)(f"/subscribe/confirm/{forged}/")
            assert page.status_code == 404, forged
            assert b"not valid" in page.content

    assert _nothing_subscribed()
    assert Client().post(path).status_code == 200  # the real one still works


def test_an_expired_link_says_so_and_subscribes_nobody(submit, form):
    submit(form)
    path = link_of(mail.outbox[0])

    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        looked = Client().get(path)
        pressed = Client().post(path)

    assert looked.status_code == 410 and b"has expired" in looked.content
    assert b"<form" not in looked.content
    assert pressed.status_code == 410 and b"has expired" in pressed.content
    assert _nothing_subscribed()


def test_the_same_address_again_soon_gets_no_second_mail(submit, form):
    submit(form)
    submit(form)

    assert len(mail.outbox) == 1 and len(rows(SubscriptionRequest)) == 1
    assert len(rows(Lead)) == 2  # the leads are kept as before

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        submit(form)
    assert len(mail.outbox) == 2 and len(rows(SubscriptionRequest)) == 2


def test_a_filled_honeypot_asks_nothing_and_mails_nobody(submit, form):
    response = submit(form, {**GOOD, "website": "http://spam.example"})

    assert response.status_code == 200
    assert rows(Lead) == [] and rows(SubscriptionRequest) == [] and mail.outbox == []


def test_the_rate_limit_still_answers_429_and_mails_nobody_more(submit, form, monkeypatch):
    monkeypatch.setattr(leads, "RATE_LIMIT", 2)
    for n in range(2):
        assert submit(form, {**GOOD, "email": f"p{n}@example.org"}).status_code == 200

    refused = submit(form, {**GOOD, "email": "p9@example.org"}, HTTP_ACCEPT="application/json")

    assert refused.status_code == 429
    assert len(mail.outbox) == 2 and len(rows(SubscriptionRequest)) == 2


def test_a_json_submission_asks_the_same_way(submit, form):
    response = submit(
        form, {"email": "ann@example.org"}, content_type="application/json", HTTP_ACCEPT="json"
    )

    assert response.status_code == 201
    assert [r.email for r in rows(SubscriptionRequest)] == ["ann@example.org"]
    assert mail.outbox[0].to == ["ann@example.org"]


def test_a_bad_submission_asks_nothing(submit, form):
    response = submit(form, {"email": "not-an-email", "first_name": "T"})

    assert response.status_code == 422
    assert rows(SubscriptionRequest) == [] and mail.outbox == []


def test_a_submission_without_an_email_makes_a_lead_but_asks_nothing(submit, form):
    assert submit(form, {"first_name": "Tom"}).status_code == 200
    assert len(rows(Lead)) == 1 and rows(SubscriptionRequest) == [] and mail.outbox == []


def test_a_form_without_a_list_mails_nobody(submit, workspace, owner):
    with workspace_scope(workspace):
        plain = web_form_create(workspace=workspace, actor=owner, name="Contact us")

    response = submit(plain)

    assert response.status_code == 200 and b"email we just sent" not in response.content
    assert len(rows(Lead)) == 1 and rows(SubscriptionRequest) == [] and mail.outbox == []


def test_without_double_opt_in_the_submission_subscribes_at_once(
    submit, workspace, owner, newsletter
):
    with workspace_scope(workspace):
        single = web_form_create(
            workspace=workspace,
            actor=owner,
            name="Event signup",
            static_list_id=newsletter.pk,
            double_opt_in=False,
        )

    submit(single)

    assert mail.outbox == []
    [member] = rows(StaticListMember)
    [event] = rows(ConsentEvent)
    assert member.contact == event.contact and event.contact.email == "tom@example.org"
    assert (event.status, event.source) == ("opted_in", "web form: Event signup")
    [request] = rows(SubscriptionRequest)
    assert request.confirmed_at is not None and request.double_opt_in is False


def test_a_token_is_bound_to_its_request(submit, form):
    submit(form)
    [request] = rows(SubscriptionRequest)
    assert link_of(mail.outbox[0]).endswith(f"/{optin_token(request)}/")


def test_a_used_link_does_not_bring_back_a_deleted_contact(submit, form, workspace):
    submit(form)
    [request] = rows(SubscriptionRequest)
    Client().post(link_of(mail.outbox[0]))
    with scopes_disabled():
        Contact.objects.all().delete()

    with workspace_scope(workspace):
        again = subscription_confirm(subscription=request, ip_address=None, user_agent="")

    assert again.already and again.contact is None
    assert rows(Contact) == [] and rows(StaticListMember) == []
    assert b"already subscribed" in Client().post(link_of(mail.outbox[0])).content


def test_a_mail_server_that_is_down_keeps_the_lead_and_the_request(submit, form, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)

    response = submit(form)

    assert response.status_code == 200
    assert len(rows(Lead)) == 1 and len(rows(SubscriptionRequest)) == 1


def test_the_list_page_shows_each_sign_up_and_whether_it_was_confirmed(
    submit, form, newsletter, owner
):
    submit(form)
    reader = signed_in(owner)
    page = reader.get(f"/marketing/lists/{newsletter.pk}/").content.decode()
    assert "Web form sign-ups" in page and "tom@example.org" in page
    assert "Awaiting confirmation" in page and "Newsletter signup" in page

    Client().post(link_of(mail.outbox[0]))

    page = reader.get(f"/marketing/lists/{newsletter.pk}/").content.decode()
    assert "Confirmed " in page and "Awaiting confirmation" not in page
