"""The review queue page: ranked pairs side by side, merge link, "not a duplicate" by htmx."""

import pytest
from django.urls import reverse

from rapport.contacts.models import Contact
from rapport.dedupe import views
from rapport.dedupe.models import PairStatus
from rapport.dedupe.tests.factories import pair_of, plant
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(workspace):
    return plant(workspace)


def test_the_queue_shows_both_records_reasons_and_the_merge_link(member_client, planted):
    ann, anne = sorted((planted["ann"], planted["anne"]), key=lambda c: c.pk)

    html = member_client.get("/duplicates/").content.decode()

    assert "ann@acme.io" in html
    assert "same email" in html
    assert reverse("merge:merge_contacts", args=[ann.pk, anne.pk]) in html


def test_the_queue_says_how_many_pairs_it_holds_and_how_many_it_shows(
    member_client, planted, monkeypatch
):
    html = member_client.get("/duplicates/").content.decode()
    assert "2 pairs, most likely first." in html

    monkeypatch.setattr(views, "QUEUE_SIZE", 1)
    html = member_client.get("/duplicates/").content.decode()
    assert "The 1 most likely of 2 pairs" in html
    assert html.count('<tr id="pair-') == 1


def test_a_record_without_a_company_shows_its_city_alone(member_client, workspace, planted):
    with workspace_scope(workspace):
        Contact.objects.filter(pk=planted["ann"].pk).update(city="Lyon")

    html = member_client.get("/duplicates/").content.decode()

    assert '<div class="muted">Lyon</div>' in html


def test_the_companies_tab_lists_company_pairs(member_client, planted):
    html = member_client.get("/duplicates/?entity=company").content.decode()

    assert "Acme Ltd" in html
    assert "acme.io" in html


def test_not_a_duplicate_through_htmx_replaces_the_row_and_is_remembered(
    member_client, workspace, planted
):
    pair = pair_of(workspace, planted["ann"], planted["anne"])

    response = member_client.post(f"/duplicates/{pair.pk}/not-duplicate/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    # The decision (with its undo) takes the row's place; the count follows, out of band.
    body = response.content.decode()
    assert body.count("<tr") == 1
    assert "Merge" not in body
    assert 'id="queue-count" hx-swap-oob="true"' in body
    assert "1 pair left to review" in body
    assert pair_of(workspace, planted["ann"], planted["anne"]).status == PairStatus.NOT_DUPLICATE
    assert f"pair-{pair.pk}" not in member_client.get("/duplicates/").content.decode()


def test_a_viewer_sees_the_queue_but_cannot_decide(viewer_client, workspace, planted):
    pair = pair_of(workspace, planted["ann"], planted["anne"])

    page = viewer_client.get("/duplicates/")
    response = viewer_client.post(f"/duplicates/{pair.pk}/not-duplicate/")

    assert page.status_code == 200
    assert "Not a duplicate" not in page.content.decode()
    assert response.status_code == 403
    assert viewer_client.post("/duplicates/run/").status_code == 403
    assert pair_of(workspace, planted["ann"], planted["anne"]).status == PairStatus.OPEN


def test_an_outsider_neither_sees_nor_decides_our_pairs(outsider_client, workspace, planted):
    pair = pair_of(workspace, planted["ann"], planted["anne"])

    assert "ann@acme.io" not in outsider_client.get("/duplicates/").content.decode()
    assert outsider_client.post(f"/duplicates/{pair.pk}/not-duplicate/").status_code == 404
    assert pair_of(workspace, planted["ann"], planted["anne"]).status == PairStatus.OPEN


def test_the_contact_form_warns_of_a_likely_duplicate_and_saves_when_confirmed(
    member_client, workspace, planted
):
    from rapport.contacts.models import Contact

    form = {
        "first_name": "Annabel",
        "last_name": "Lee",
        "emails": "ann@acme.io",
        "lifecycle_stage": "lead",
    }
    with workspace_scope(workspace):
        before = Contact.objects.count()

    warned = member_client.post("/contacts/new/", form)
    saved = member_client.post("/contacts/new/", {**form, "save_anyway": "1"})

    assert warned.status_code == 200
    assert 'id="duplicate-warning"' in warned.content.decode()
    assert "Save anyway" in warned.content.decode()
    assert saved.status_code == 302
    with workspace_scope(workspace):
        assert Contact.objects.count() == before + 1


def test_the_company_form_warns_on_a_known_domain(member_client, planted):
    response = member_client.post("/companies/new/", {"name": "Wayne Co", "domain": "wayne.io"})

    assert 'id="duplicate-warning"' in response.content.decode()
    assert "Wayne Enterprises" in response.content.decode()
