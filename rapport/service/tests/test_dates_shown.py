"""A ticket's times carry the year when it is not this one: a conversation from last year must
not read as last week's."""

import datetime as dt

import pytest
import time_machine

from rapport.contacts.tests.factories import make_contact
from rapport.service.tests.factories import make_ticket
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


def test_last_years_message_shows_its_year_and_this_years_does_not(owner_client, workspace, owner):
    ann = make_contact(workspace, first_name="Ann", emails=["ann@acme.io"])
    with time_machine.travel(dt.datetime(2025, 12, 9, 21, 10, tzinfo=dt.UTC), tick=False):
        old = make_ticket(workspace, owner, ann, subject="Old one", body="Hello")
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        new = make_ticket(workspace, owner, ann, subject="New one", body="Hello")

        old_page = owner_client.get(f"/tickets/{old.pk}/").content.decode()
        new_page = owner_client.get(f"/tickets/{new.pk}/").content.decode()

    assert ">Dec 9, 2025, 21:10</time>" in old_page
    assert ">Mar 3, 09:00</time>" in new_page
