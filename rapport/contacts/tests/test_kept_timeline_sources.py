"""Timeline sources a workspace has no rows for are skipped, by an answer kept per data
version: a write shows at once, and another workspace's answer is never used."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.tests.factories import make_contact
from rapport.service.services import ticket_create
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
keep_pages = fixtures.keep_pages

pytestmark = pytest.mark.django_db


def _ticket(workspace, owner, contact, subject):
    with workspace_scope(workspace):
        return ticket_create(
            workspace=workspace,
            actor=owner,
            data={"subject": subject, "body": "b", "requester_id": contact.pk},
        )


def test_a_ticket_shows_at_once_after_the_workspace_had_none(
    owner_client, workspace, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ann = make_contact(workspace, first_name="Ann")
    first = owner_client.get(f"/contacts/{ann.pk}/")
    assert first.status_code == 200
    assert b"Broken &lt;login&gt;" not in first.content
    with django_capture_on_commit_callbacks(execute=True):
        _ticket(workspace, owner, ann, "Broken <login>")
    page = owner_client.get(f"/contacts/{ann.pk}/").content
    assert b"Broken &lt;login&gt;" in page
    timeline = owner_client.get(f"/contacts/{ann.pk}/timeline/").content
    assert b"Broken &lt;login&gt;" in timeline


def test_an_empty_source_costs_no_query_once_known(
    owner_client, workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ann = make_contact(workspace, first_name="Ann")
    owner_client.get(f"/contacts/{ann.pk}/timeline/")
    with CaptureQueriesContext(connection) as queries:
        assert owner_client.get(f"/contacts/{ann.pk}/timeline/").status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "service_ticket" not in sql
    assert "merge_mergerecord" not in sql
    assert "activities_activity" in sql  # the other sources still run


def test_another_workspaces_tickets_are_not_this_ones(
    owner_client,
    outsider_client,
    workspace,
    other_workspace,
    outsider,
    django_capture_on_commit_callbacks,
):
    other = other_workspace
    with django_capture_on_commit_callbacks(execute=True):
        ann = make_contact(workspace, first_name="Ann")
        bob = make_contact(other, first_name="Bob")
    # this workspace learns it has no tickets; the other gets one
    owner_client.get(f"/contacts/{ann.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        _ticket(other, outsider, bob, "Outsider ticket")
    assert b"Outsider ticket" in outsider_client.get(f"/contacts/{bob.pk}/").content
    assert b"Outsider ticket" not in owner_client.get(f"/contacts/{ann.pk}/").content


def test_a_new_member_is_in_the_quick_add_assignees_at_once(
    owner_client, workspace, django_capture_on_commit_callbacks
):
    from rapport.tenancy.models import Role
    from rapport.tenancy.services import membership_add, user_create

    with django_capture_on_commit_callbacks(execute=True):
        ann = make_contact(workspace, first_name="Ann")
    assert b"zoe-newcomer" not in owner_client.get(f"/contacts/{ann.pk}/").content
    with django_capture_on_commit_callbacks(execute=True):
        zoe = user_create(username="zoe-newcomer", password="correct horse battery staple")
        membership_add(workspace=workspace, user=zoe, role=Role.MEMBER)
    page = owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    assert f'<option value="{zoe.pk}">zoe-newcomer</option>' in page


def test_a_first_open_shows_at_once_though_opens_do_not_raise_the_version(
    owner_client, client, workspace, owner, django_capture_on_commit_callbacks
):
    """Opens come through the public pixel and leave the data version alone; the campaign
    events source is skipped only while the workspace has no recipient at all, and the first
    recipients come with `campaign_start`'s audited change, which raises it."""
    from rapport.campaigns.models import Recipient
    from rapport.campaigns.services import campaign_start
    from rapport.campaigns.tests.factories import make_campaign, opt_in
    from rapport.contacts.models import Contact
    from rapport.tenancy.models import Workspace

    with django_capture_on_commit_callbacks(execute=True):
        ann = make_contact(workspace, first_name="Ann", emails=["ann@client.example"])
        opt_in(workspace, ann)
        campaign = make_campaign(workspace, owner, name="Spring <launch>")
    page = f"/contacts/{ann.pk}/"
    owner_client.get(page)  # known: no recipients, the source skipped
    with django_capture_on_commit_callbacks(execute=True), workspace_scope(workspace):
        campaign_start(
            workspace=workspace,
            actor=owner,
            campaign=campaign,
            audience=Contact.objects.filter(pk=ann.pk),
        )
    sent = owner_client.get(page).content.decode()
    assert '<strong>Sent</strong> campaign <span class="tl-subject">Spring &lt;launch&gt;' in sent
    assert "<strong>Opened</strong>" not in sent
    with workspace_scope(workspace):
        recipient = Recipient.objects.get(contact=ann)
    version = Workspace.objects.get(pk=workspace.pk).data_version

    assert client.get(f"/t/o/{recipient.token}.gif").status_code == 200

    assert Workspace.objects.get(pk=workspace.pk).data_version == version
    html = owner_client.get(page).content.decode()
    assert '<strong>Opened</strong> campaign <span class="tl-subject">Spring &lt;launch&gt;' in html
    timeline = owner_client.get(f"/contacts/{ann.pk}/timeline/").content.decode()
    assert "Spring &lt;launch&gt;" in timeline


def test_campaign_events_are_not_asked_while_no_campaign_was_sent(
    owner_client, workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ann = make_contact(workspace, first_name="Ann")
    owner_client.get(f"/contacts/{ann.pk}/")
    with CaptureQueriesContext(connection) as queries:
        assert owner_client.get(f"/contacts/{ann.pk}/").status_code == 200
    assert "campaigns_trackingevent" not in " ".join(q["sql"] for q in queries.captured_queries)


def test_the_contact_pages_queries_do_not_grow_with_its_timeline(
    owner_client, workspace, owner, member, django_capture_on_commit_callbacks
):
    """A page of items (notes, tasks with authors and assignees, a change naming an owner)
    costs what a page of two items costs: no query per item, however they are written."""
    from rapport.contacts.services import contact_update
    from rapport.contacts.tests.factories import make_activity, make_company

    with django_capture_on_commit_callbacks(execute=True):
        company = make_company(workspace, name="Initech")
        few = make_contact(workspace, first_name="Few", company_ids=[company.pk])
        many = make_contact(workspace, first_name="Many", company_ids=[company.pk])
        make_activity(workspace, owner, contact_ids=[few.pk])
        for i in range(12):
            make_activity(workspace, owner, contact_ids=[many.pk], body=f"note {i}")
            make_activity(
                workspace,
                member,
                kind="task",
                subject=f"task {i}",
                assignee_id=member.pk,
                contact_ids=[many.pk],
            )
        with workspace_scope(workspace):
            for contact in (few, many):  # a change naming an owner on both
                contact_update(
                    workspace=workspace, actor=owner, contact=contact, data={"owner_id": member.pk}
                )
    counts, items = [], []
    for contact in (few, many, few, many):
        with CaptureQueriesContext(connection) as queries:
            html = owner_client.get(f"/contacts/{contact.pk}/").content.decode()
        counts.append(len(queries))
        items.append(html.count('class="tl-item'))
    assert items[2] <= 4 and items[3] >= 15  # a page's worth (items at one instant wait)
    assert counts[2] == counts[3] <= 9  # 12 before contact_get read its relations in one
