"""Double opt-in upkeep: unconfirmed requests are purged after their retention, confirmed ones
kept as evidence; two confirmations of one new address at once make one contact."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.core.schedules import schedules
from rapport.marketing import optin
from rapport.marketing.models import SubscriptionRequest
from rapport.marketing.optin import subscription_confirm, subscription_request_create
from rapport.marketing.services import static_list_create
from rapport.marketing.tasks import subscription_requests_purge_all
from rapport.tenancy.access import workspace_scope


def _request(workspace, static_list, email="tom@example.org"):
    with workspace_scope(workspace):
        return subscription_request_create(
            workspace=workspace,
            static_list=static_list,
            form_name="Signup",
            web_form_id=None,
            double_opt_in=True,
            data={"email": email},
            ip_address="192.0.2.1",
            user_agent="test",
        )


def _lists(workspace, owner, *names):
    with workspace_scope(workspace):
        return [
            static_list_create(workspace=workspace, actor=owner, data={"name": name})
            for name in names
        ]


@pytest.mark.django_db
def test_expired_unconfirmed_requests_are_purged_after_retention_and_confirmed_kept(
    workspace, owner, settings
):
    settings.RAPPORT_OPTIN_RETENTION_DAYS = 30
    (news,) = _lists(workspace, owner, "News")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        stale = _request(workspace, news, "old@example.org")
        confirmed = _request(workspace, news, "yes@example.org")
        with workspace_scope(workspace):
            subscription_confirm(subscription=confirmed, ip_address=None, user_agent="")
    with time_machine.travel(start + dt.timedelta(days=20), tick=False):
        recent = _request(workspace, news, "new@example.org")
    # 7 days to expire + 30 of retention: the first request is past it, the recent one not.
    with time_machine.travel(start + dt.timedelta(days=38), tick=False):
        assert subscription_requests_purge_all.call() == 1

    with workspace_scope(workspace):
        left = set(SubscriptionRequest.objects.values_list("pk", flat=True))
        deleted = AuditEntry.objects.filter(action="delete", object_id=str(stale.pk))
        assert deleted.count() == 1
    assert left == {confirmed.pk, recent.pk}


def test_the_purge_is_scheduled_nightly():
    found = {s.name: s for s in schedules()}
    assert found["subscription_requests_purge"].task is subscription_requests_purge_all


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_two_confirmations_of_one_new_address_at_once_make_one_contact(
    workspace, owner, monkeypatch
):
    news, offers = _lists(workspace, owner, "News", "Offers")
    requests = [_request(workspace, news), _request(workspace, offers)]
    real_create = optin.contact_create

    def slow_create(**kwargs):
        # Widens the window between "no contact with this address" and the insert.
        threading.Event().wait(0.5)
        return real_create(**kwargs)

    monkeypatch.setattr(optin, "contact_create", slow_create)
    errors: list = []

    def confirm(subscription):
        try:
            with workspace_scope(workspace):
                subscription_confirm(subscription=subscription, ip_address=None, user_agent="")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    with workspace_scope(workspace):
        assert Contact.objects.filter(emails__email="tom@example.org").count() == 1
        contacts = set(SubscriptionRequest.objects.values_list("contact_id", flat=True))
    assert len(contacts) == 1 and None not in contacts


@pytest.mark.django_db
@pytest.mark.parametrize("block", ["do_not_email", "suppressed"])
def test_a_blocked_address_that_confirms_stays_blocked_and_is_told(workspace, owner, block):
    from django.test import Client

    from rapport.campaigns.models import Suppression
    from rapport.contacts.tests.factories import make_contact
    from rapport.marketing.models import ConsentEvent
    from rapport.marketing.optin import optin_token

    (news,) = _lists(workspace, owner, "News")
    contact = make_contact(workspace, first_name="Tom", emails=["tom@example.org"])
    with workspace_scope(workspace):
        if block == "do_not_email":
            Contact.objects.filter(pk=contact.pk).update(do_not_email=True)
        else:
            Suppression.objects.create(workspace=workspace, email="tom@example.org")
    subscription = _request(workspace, news)

    page = Client().post(f"/subscribe/confirm/{optin_token(subscription)}/")

    assert page.status_code == 200
    assert "will not mail this address for now" in page.content.decode()
    with workspace_scope(workspace):
        contact.refresh_from_db()
        event = ConsentEvent.objects.get(contact=contact)
        assert (block != "do_not_email") or contact.do_not_email
        if block == "suppressed":
            assert Suppression.objects.filter(email="tom@example.org").exists()
    assert "not mailed:" in event.note


@pytest.mark.django_db
def test_the_api_lists_a_lists_subscription_requests_and_not_anothers(
    workspace, owner, other_workspace
):
    from rapport.api.testing import ApiClient

    news, offers = _lists(workspace, owner, "News", "Offers")
    asked = _request(workspace, news, "tom@example.org")
    _request(workspace, offers, "ann@example.org")
    api = ApiClient.with_token(owner, workspace)

    page = api.get(f"/marketing/lists/{news.pk}/subscription-requests")

    assert page.status_code == 200
    items = page.json()["items"]
    assert [(i["id"], i["email"], i["confirmed_at"]) for i in items] == [
        (asked.pk, "tom@example.org", None)
    ]
    assert items[0]["ip_address"] == "192.0.2.1"
    with workspace_scope(other_workspace):
        theirs = static_list_create(workspace=other_workspace, actor=None, data={"name": "X"})
    assert api.get(f"/marketing/lists/{theirs.pk}/subscription-requests").status_code == 404
