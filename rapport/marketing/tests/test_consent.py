"""Consent: the latest statement per purpose decides, nothing is overwritten, "do not email"
refuses email purposes, and a merge keeps both records' history."""

import datetime as dt

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.marketing.models import ConsentEvent
from rapport.marketing.queries import consent_allowed_q, consent_allows, consent_history
from rapport.marketing.services import consent_record
from rapport.merge.services import merge_contacts

DAY = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)


def _say(workspace, owner, contact, status, purpose="newsletter", at=None, source="web form"):
    return consent_record(
        workspace=workspace,
        actor=owner,
        contact=contact,
        purpose=purpose,
        status=status,
        source=source,
        at=at,
    )


def test_unknown_consent_allows_nothing(scoped, owner):
    ann = make_contact(scoped, owner, emails=["ann@acme.io"])

    assert consent_allows(contact=ann, purpose="newsletter") is False


def test_the_latest_statement_decides_and_history_keeps_all(scoped, owner):
    ann = make_contact(scoped, owner, emails=["ann@acme.io"])
    _say(scoped, owner, ann, "opted_in", at=DAY)
    assert consent_allows(contact=ann, purpose="newsletter") is True
    assert consent_allows(contact=ann, purpose="sms") is False

    _say(scoped, owner, ann, "opted_out", at=DAY + dt.timedelta(days=1), source="unsubscribe")
    # A statement dated earlier (an old paper form typed in late) does not override it.
    _say(scoped, owner, ann, "opted_in", at=DAY - dt.timedelta(days=30), source="paper form")

    assert consent_allows(contact=ann, purpose="newsletter") is False
    history = [(e.status, e.source) for e in consent_history(contact=ann)]
    assert history == [
        ("opted_out", "unsubscribe"),
        ("opted_in", "web form"),
        ("opted_in", "paper form"),
    ]
    assert AuditEntry.objects.filter(entity="marketing.consentevent").count() == 3


def test_do_not_email_refuses_email_purposes_but_not_sms(scoped, owner):
    ann = make_contact(scoped, owner, emails=["ann@acme.io"])
    _say(scoped, owner, ann, "opted_in", purpose="newsletter")
    _say(scoped, owner, ann, "opted_in", purpose="sms")
    contact_update(workspace=scoped, actor=owner, contact=ann, data={"do_not_email": True})

    assert consent_allows(contact=ann, purpose="newsletter") is False
    assert consent_allows(contact=ann, purpose="sms") is True


def test_the_allowed_condition_combines_with_any_query_in_sql(
    scoped, owner, django_assert_num_queries
):
    ann = make_contact(scoped, owner, first_name="Ann")
    bob = make_contact(scoped, owner, first_name="Bob")
    make_contact(scoped, owner, first_name="Cy")
    _say(scoped, owner, ann, "opted_in")
    _say(scoped, owner, bob, "opted_out")

    with django_assert_num_queries(1):
        allowed = list(
            Contact.objects.filter(consent_allowed_q("newsletter")).values_list("pk", flat=True)
        )

    assert allowed == [ann.pk]


def test_bad_statements_name_each_field(scoped, owner):
    ann = make_contact(scoped, owner)

    with pytest.raises(ServiceValidationError) as caught:
        consent_record(
            workspace=scoped,
            actor=owner,
            contact=ann,
            purpose="carrier pigeon",
            status="maybe",
            source="",
            at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC),
        )

    assert {e.field for e in caught.value.errors} == {"purpose", "status", "source", "at"}
    assert not ConsentEvent.objects.exists()


def test_a_merge_keeps_both_histories_and_the_latest_wish_wins(scoped, owner):
    ann = make_contact(scoped, owner, first_name="Ann")
    annie = make_contact(scoped, owner, first_name="Annie")
    _say(scoped, owner, ann, "opted_in", at=DAY)
    _say(scoped, owner, annie, "opted_out", at=DAY + dt.timedelta(days=2), source="unsubscribe")

    merge_contacts(workspace=scoped, actor=owner, survivor=ann, other=annie, choices={})

    assert [e.source for e in consent_history(contact=ann)] == ["unsubscribe", "web form"]
    assert consent_allows(contact=ann, purpose="newsletter") is False
