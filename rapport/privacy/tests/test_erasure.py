"""Erasing a person leaves no trace of their name, address or phone anywhere in the
database (but the suppression list), keeps the orders, and changes nothing on a refusal."""

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.campaigns.models import Suppression
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.marketing.services import consent_record
from rapport.merge.tests.factories import contact_pair
from rapport.privacy.erasure import person_erase
from rapport.sales.models import Order
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db
TEXT = (models.CharField, models.TextField)


def mentions(needle: str) -> set[str]:
    """Every `app.model.column` of the database whose value contains `needle`."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if isinstance(f, TEXT):
                rows = model._base_manager.filter(**{f"{f.attname}__icontains": needle})
            elif isinstance(f, models.JSONField):
                rows = model._base_manager.annotate(_text=Cast(f.attname, models.TextField()))
                rows = rows.filter(_text__icontains=needle)
            else:
                continue
            if rows.exists():
                found.add(f"{model._meta.label_lower}.{f.name}")
    return found


@pytest.fixture
def pair(workspace, owner):
    return contact_pair(workspace, owner)


TRACES = ["annie@globex.io", "Annie", "4155550199"]


def test_no_trace_of_the_person_is_left_but_the_suppression_list(workspace, owner, pair):
    bob = pair.other
    before = {trace: mentions(trace) for trace in TRACES}
    with workspace_scope(workspace):
        orders = list(Order.objects.filter(contact=bob).values_list("pk", flat=True))
        erasure = person_erase(workspace=workspace, actor=owner, contact=bob, confirm="Annie Lee")

    after = {trace: mentions(trace) for trace in TRACES}
    assert all(before.values())  # the fixture put each trace in several places
    assert after == {trace: set() for trace in TRACES}, after
    with workspace_scope(workspace):
        assert not Contact.objects.filter(pk=bob.pk).exists()
        assert list(Order.objects.filter(pk__in=orders).values_list("contact_id", flat=True)) == [
            None
        ]
        entry = AuditEntry.objects.get(action="erase")
        assert Contact.objects.filter(pk=pair.survivor.pk).exists()
    assert (entry.actor_id, entry.object_id, entry.object_repr) == (owner.pk, bob.pk, "[erased]")
    assert erasure.deleted["contacts.contact"] == 1 and erasure.scrubbed > 0


def test_a_wrong_confirmation_changes_nothing(workspace, owner, pair):
    bob = pair.other
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as refused:
        person_erase(workspace=workspace, actor=owner, contact=bob, confirm="Ann Lee")

    assert "confirm" in str(refused.value)
    assert mentions("annie@globex.io")
    with workspace_scope(workspace):
        assert Contact.objects.filter(pk=bob.pk).exists()
        assert not AuditEntry.objects.filter(action="erase").exists()


def test_the_page_shows_what_goes_refuses_a_wrong_name_and_then_erases(workspace, owner, pair):
    bob = pair.other
    client = Client()
    client.force_login(owner)
    url = f"/privacy/contacts/{bob.pk}/erase/"

    page = client.get(url).content.decode()
    wrong = client.post(url, {"confirm": "Ann Lee"})
    with workspace_scope(workspace):
        kept = Contact.objects.filter(pk=bob.pk).exists()
    done = client.post(url, {"confirm": "Annie Lee"})

    assert "Links to deals (the deals stay): <strong>2</strong>" in page
    assert "Tickets: <strong>1</strong>" in page
    assert "Activities about this person only: <strong>1</strong>" in page
    assert "Activities shared with others (they stay): <strong>1</strong>" in page
    assert wrong.status_code == 422 and "to confirm" in wrong.content.decode() and kept
    assert done.status_code == 302 and done["Location"] == "/contacts/"
    with workspace_scope(workspace):
        assert not Contact.objects.filter(pk=bob.pk).exists()


def test_a_manager_can_neither_open_the_page_nor_erase_through_the_api(workspace, owner, pair):
    from rapport.tenancy.services import membership_add, user_create

    manager = user_create(username="max", password="correct horse battery staple")
    membership_add(workspace=workspace, user=manager, role="manager")
    client = Client()
    client.force_login(manager)
    bob = pair.other

    page = client.get(f"/privacy/contacts/{bob.pk}/erase/")
    api = ApiClient.with_token(manager, workspace).post(
        f"/privacy/contacts/{bob.pk}/erase", {"confirm": "Annie Lee"}
    )

    assert (page.status_code, api.status_code) == (403, 403)
    with workspace_scope(workspace):
        assert Contact.objects.filter(pk=bob.pk).exists()


def test_the_api_erases_with_the_name_and_names_the_field_without_it(workspace, owner, pair):
    api = ApiClient.with_token(owner, workspace)
    bob = pair.other

    refused = api.post(f"/privacy/contacts/{bob.pk}/erase", {"confirm": "Bob"})
    done = api.post(f"/privacy/contacts/{bob.pk}/erase", {"confirm": "Annie Lee"})

    assert refused.status_code == 422 and "confirm" in problem_fields(refused)
    assert done.status_code == 200
    assert done.json()["deleted"]["contacts.contact"] == 1 and done.json()["scrubbed"] > 0


def test_an_opted_out_persons_addresses_stay_suppressed_and_an_opted_in_ones_do_not(
    workspace, owner
):
    no = make_contact(workspace, first_name="No", emails=["no@x.example", "no2@x.example"])
    yes = make_contact(workspace, first_name="Yes", emails=["yes@x.example"])
    with workspace_scope(workspace):
        for contact, status in ((no, "opted_out"), (yes, "opted_in")):
            consent_record(
                workspace=workspace,
                actor=owner,
                contact=contact,
                purpose="email_marketing",
                status=status,
                source="form",
            )
        first = person_erase(workspace=workspace, actor=owner, contact=no, confirm="No Lee")
        second = person_erase(workspace=workspace, actor=owner, contact=yes, confirm="Yes Lee")
        kept = sorted(Suppression.objects.values_list("email", "reason"))

    assert (first.suppressed, second.suppressed) == (2, 0)
    assert kept == [("no2@x.example", "unsubscribe"), ("no@x.example", "unsubscribe")]
    assert mentions("no@x.example") == {"campaigns.suppression.email"}
    assert mentions("yes@x.example") == set()
