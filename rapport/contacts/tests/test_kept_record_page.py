"""The whole contact (and company) page kept (docs/performance.md, tenth round): a hit renders
no template and reads no record, is the page rendered without keeping but for its own CSRF
token, writes "3 minutes ago" and overdue badges as of the request, follows every write at
once, is never served to another workspace, user or role, and is not kept while the
workspace has timeline rows that arrive without a version raise (campaign opens)."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.web.fragments import TOKEN_MARK
from rapport.web.tests import fixtures
from rapport.web.timeline_html import AGO_MARK, OVERDUE_MARK

owner_client = fixtures.owner_client
member_client = fixtures.member_client
viewer_client = fixtures.viewer_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
keep_pages = fixtures.keep_pages

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _without_token(page: str) -> str:
    tokens = set(_TOKEN.findall(page))
    assert len(tokens) == 1, tokens
    return page.replace(tokens.pop(), "TOKEN")


@pytest.fixture
def ann(workspace, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        contact = make_contact(workspace, first_name="Ann", last_name="<i>Lee")
        make_activity(workspace, owner, contact_ids=[contact.pk], body="Called <b>back</b>")
    return contact


def test_a_kept_page_renders_no_template_reads_no_record_and_is_the_rendered_page(
    owner_client, settings, ann
):
    url = f"/contacts/{ann.pk}/"
    first = owner_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        hit = owner_client.get(url)
    assert first.templates and not hit.templates
    assert "contacts_contact" not in " ".join(q["sql"] for q in queries.captured_queries)
    settings.RAPPORT_KEEP_PAGES = False
    plain = owner_client.get(url)
    pages = [r.content.decode() for r in (first, hit, plain)]
    text = "".join(pages)
    assert TOKEN_MARK not in text and AGO_MARK not in text and OVERDUE_MARK not in text
    assert _without_token(pages[0]) == _without_token(pages[1]) == _without_token(pages[2])
    assert "Ann &lt;i&gt;Lee" in pages[1] and "Called &lt;b&gt;back&lt;/b&gt;" in pages[1]


def test_each_session_gets_its_own_token_and_the_quick_add_posts_with_csrf_checks(
    owner, ann, django_capture_on_commit_callbacks
):
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(owner)
    second.force_login(owner)
    url = f"/contacts/{ann.pk}/"
    first_token = set(_TOKEN.findall(first.get(url).content.decode())).pop()
    hit = second.get(url)
    assert not hit.templates
    second_token = set(_TOKEN.findall(hit.content.decode())).pop()
    note = {"kind": "note", "contact": ann.pk, "note-body": "Kept <note>"}
    refused = second.post("/activities/new/", {**note, "csrfmiddlewaretoken": first_token})
    assert refused.status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        added = second.post("/activities/new/", {**note, "csrfmiddlewaretoken": second_token})
    assert added.status_code == 200
    assert "Kept &lt;note&gt;" in second.get(url).content.decode()


def test_ago_and_overdue_are_written_as_of_each_request(
    owner_client, workspace, owner, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        bea = make_contact(workspace, first_name="Bea")
        make_activity(
            workspace,
            owner,
            kind="task",
            subject="Send offer",
            due_at=(T0 + dt.timedelta(minutes=5)).isoformat(),
            contact_ids=[bea.pk],
        )
    url = f"/contacts/{bea.pk}/"
    with time_machine.travel(T0 + dt.timedelta(minutes=3), tick=False):
        early = owner_client.get(url)
    # within the 10 minutes a page is kept
    with time_machine.travel(T0 + dt.timedelta(minutes=9, seconds=30), tick=False):
        late = owner_client.get(url)
    assert early.templates and not late.templates  # the same kept page
    early_html, late_html = early.content.decode(), late.content.decode()
    assert "3\xa0minutes ago" in early_html and "badge-overdue" not in early_html
    assert "9\xa0minutes ago" in late_html and "3\xa0minutes ago" not in late_html
    assert '<span class="badge badge-overdue">Due ' in late_html


def test_writes_show_at_once(
    owner_client, workspace, owner, ann, django_capture_on_commit_callbacks
):
    url = f"/contacts/{ann.pk}/"
    owner_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/contacts/{ann.pk}/fields/job_title/", {"job_title": "Buyer <x>"})
    assert "Buyer &lt;x&gt;" in owner_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        task = make_activity(
            workspace, owner, kind="task", subject="Ring <Ann>", contact_ids=[ann.pk]
        )
    page = owner_client.get(url).content.decode()
    assert "Ring &lt;Ann&gt;" in page and "is-done" not in page
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/activities/{task.pk}/done/", {"done": "true"})
    assert "tl-task is-done" in owner_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/contacts/{ann.pk}/delete/")
    assert owner_client.get(url).status_code == 404


def test_a_flash_message_shows_and_is_not_kept(
    owner_client, ann, django_capture_on_commit_callbacks
):
    url = f"/contacts/{ann.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            f"/contacts/{ann.pk}/edit/",
            {"first_name": "Anna", "last_name": "Lee", "lifecycle_stage": "lead"},
        )
    flashed = owner_client.get(url).content.decode()
    assert "Saved Anna Lee." in flashed
    after = owner_client.get(url)
    assert "Saved Anna Lee." not in after.content.decode()
    assert not owner_client.get(url).templates


def test_another_user_role_or_workspace_never_gets_the_kept_page(
    owner_client, member_client, viewer_client, outsider_client, ann
):
    url = f"/contacts/{ann.pk}/"
    owners = owner_client.get(url).content.decode()
    members = member_client.get(url).content.decode()
    viewers = viewer_client.get(url).content.decode()
    assert '<p class="menu-heading">olivia<br>' in owners
    assert '<p class="menu-heading">mia<br>' in members
    assert ">Delete</a>" in owners and ">Delete</a>" not in members
    assert ">Edit</a>" in members and ">Edit</a>" not in viewers
    assert 'class="qa-panels"' in members and 'class="qa-panels"' not in viewers
    assert "Ann &lt;i&gt;Lee" in viewers
    assert outsider_client.get(url).status_code == 404


def test_a_company_page_is_kept_and_follows_a_write(
    owner_client, workspace, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        acme = make_company(workspace, name="Acme <Ltd>")
    url = f"/companies/{acme.pk}/"
    assert owner_client.get(url).templates
    assert not owner_client.get(url).templates
    with django_capture_on_commit_callbacks(execute=True):
        make_activity(workspace, owner, company_ids=[acme.pk], body="Met the <board>")
    assert "Met the &lt;board&gt;" in owner_client.get(url).content.decode()


def test_not_kept_while_the_workspace_has_campaign_recipients(
    owner_client, workspace, owner, django_capture_on_commit_callbacks
):
    """Opens and clicks arrive without a version raise: a workspace that queued a campaign
    gets its record pages rendered each time (the first open test in
    test_kept_timeline_sources.py shows the open)."""
    from rapport.campaigns.services import campaign_start
    from rapport.campaigns.tests.factories import make_campaign, opt_in
    from rapport.contacts.models import Contact
    from rapport.tenancy.access import workspace_scope

    with django_capture_on_commit_callbacks(execute=True):
        cleo = make_contact(workspace, first_name="Cleo", emails=["cleo@client.example"])
        opt_in(workspace, cleo)
        campaign = make_campaign(workspace, owner, name="Spring")
    url = f"/contacts/{cleo.pk}/"
    owner_client.get(url)
    assert not owner_client.get(url).templates
    with django_capture_on_commit_callbacks(execute=True), workspace_scope(workspace):
        campaign_start(
            workspace=workspace,
            actor=owner,
            campaign=campaign,
            audience=Contact.objects.filter(pk=cleo.pk),
        )
    owner_client.get(url)
    assert owner_client.get(url).templates
