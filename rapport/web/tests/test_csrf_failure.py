"""A write with a stale CSRF token says what happened and what to do, never that the user's
role forbids it."""

import pytest
from django.test import Client

from rapport.activities.models import Activity
from rapport.contacts.tests.factories import make_activity, make_contact
from rapport.web.access import STALE_PAGE
from rapport.web.tests import fixtures

plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(workspace, owner):
    contact = make_contact(workspace, first_name="Ann", last_name="Lee")
    return make_activity(workspace, owner, kind="task", subject="Call", contact_ids=[contact.pk])


def _strict(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def test_an_htmx_write_without_its_token_is_told_to_reload(owner, task):
    response = _strict(owner).post(f"/activities/{task.pk}/done/", HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == STALE_PAGE
    assert Activity.unscoped.get(pk=task.pk).done_at is None


def test_a_form_sent_without_its_token_gets_a_page_saying_so(owner):
    response = _strict(owner).post("/contacts/new/", {"first_name": "Bo"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "Page out of date" in html and "Reload it and try again" in html
    assert "Your role" not in html


def test_a_signed_out_write_is_told_to_reload_too(task):
    htmx = _strict().post(f"/activities/{task.pk}/done/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 403
    assert htmx.content.decode() == STALE_PAGE

    plain = _strict().post("/contacts/new/", {"first_name": "Bo"})
    assert plain.status_code == 403
    assert "Page out of date" in plain.content.decode()
