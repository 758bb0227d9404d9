"""Pages show and read times in the member's zone (`tenancy.TimeZoneMiddleware`), say which,
and let it be chosen; the API keeps UTC; what is kept is kept per zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from rapport.activities.models import Activity
from rapport.activities.queries import open_tasks
from rapport.api.testing import ApiClient
from rapport.contacts.tests.factories import make_activity, make_contact
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.data_version import kept
from rapport.tenancy.models import Workspace
from rapport.tenancy.services import user_time_zone_set, workspace_time_zone_set
from rapport.tenancy.time_zones import user_time_zone
from rapport.web import fragments
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
member_client = fixtures.member_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db

AUCKLAND = ZoneInfo("Pacific/Auckland")


@pytest.fixture(autouse=True)
def no_kept_fragments():
    fragments.clear()
    yield
    fragments.clear()


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, first_name="Ann")


def _local(value: dt.datetime, zone: ZoneInfo, fmt: str) -> str:
    return value.astimezone(zone).strftime(fmt)


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_user_in_auckland_sees_a_tasks_due_time_in_auckland(owner_client, owner, workspace, ann):
    # Five days on, at 10:17 UTC: 23:17 (or 22:17) in Auckland, possibly the next day.
    due = (timezone.now() + dt.timedelta(days=5)).replace(hour=10, minute=17, second=0)
    make_activity(
        workspace, owner, kind="task", subject="Renewal", due_at=due, contact_ids=[ann.pk]
    )
    assert "10:17" in _page(owner_client, "/tasks/")
    user_time_zone_set(user=owner, time_zone="Pacific/Auckland")
    page = _page(owner_client, "/tasks/")
    assert _local(due, AUCKLAND, "%H:%M") in page
    assert "10:17" not in page
    assert "Times in Pacific/Auckland" in page  # the user menu says so


def test_due_today_is_the_rest_of_the_readers_day(owner, workspace, ann):
    now = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)  # Mar 11, 01:00 in Auckland
    late_evening = dt.datetime(2026, 3, 11, 10, 30, tzinfo=dt.UTC)  # Mar 11, 23:30 there
    make_activity(
        workspace, owner, kind="task", subject="Late", due_at=late_evening, contact_ids=[ann.pk]
    )
    with workspace_scope(workspace):
        for zone, today in (("UTC", []), ("Pacific/Auckland", ["Late"])):
            with timezone.override(ZoneInfo(zone)):
                page = open_tasks(assignee_id=owner.pk, group="today", now=now)
            assert [t.subject for t in page.items] == today, zone


def test_a_user_in_auckland_sees_an_activitys_time_on_the_timeline(
    owner_client, owner, workspace, ann
):
    at = dt.datetime(2026, 1, 15, 20, 5, tzinfo=dt.UTC)  # Jan 16, 09:05 in Auckland (NZDT)
    make_activity(workspace, owner, kind="call", occurred_at=at, contact_ids=[ann.pk])
    user_time_zone_set(user=owner, time_zone="Pacific/Auckland")
    page = _page(owner_client, f"/contacts/{ann.pk}/")
    assert "Jan 16, 2026 09:05" in page
    assert "Jan 15, 2026 20:05" not in page


def test_a_datetime_entered_in_auckland_is_stored_as_its_utc_instant(
    owner_client, owner, workspace, ann
):
    user_time_zone_set(user=owner, time_zone="Pacific/Auckland")
    response = owner_client.post(
        "/activities/new/",
        {
            "kind": "task",
            "contact": ann.pk,
            "task-subject": "Call back",
            "task-due_at": "2026-07-01T09:30",
        },
    )
    assert response.status_code == 200, response.content
    with workspace_scope(workspace):
        task = Activity.objects.get(subject="Call back")
    # July is winter in New Zealand: UTC+12.
    assert task.due_at == dt.datetime(2026, 6, 30, 21, 30, tzinfo=dt.UTC)


def test_the_workspaces_zone_applies_to_members_who_chose_none(
    owner_client, member_client, owner, member, workspace, ann
):
    due = dt.datetime(2026, 1, 15, 20, 5, tzinfo=dt.UTC)  # 21:05 in Berlin, 09:05 in Auckland
    make_activity(workspace, owner, kind="call", occurred_at=due, contact_ids=[ann.pk])
    workspace_time_zone_set(workspace=workspace, actor=owner, time_zone="Europe/Berlin")
    user_time_zone_set(user=owner, time_zone="Pacific/Auckland")
    members_page = _page(member_client, f"/contacts/{ann.pk}/")
    owners_page = _page(owner_client, f"/contacts/{ann.pk}/")
    assert "Jan 15, 2026 21:05" in members_page
    assert "Times in Europe/Berlin" in members_page
    assert "Jan 16, 2026 09:05" in owners_page
    assert "Times in Pacific/Auckland" in owners_page


def test_date_time_inputs_say_the_zone_they_are_read_in(owner_client, owner, workspace, ann):
    workspace_time_zone_set(workspace=workspace, actor=owner, time_zone="America/Lima")
    page = _page(owner_client, f"/contacts/{ann.pk}/")
    assert 'id="id_task-due_at_zone">Times in America/Lima</small>' in page


def test_the_api_answers_in_utc_whatever_the_users_zone(owner, workspace, ann):
    workspace_time_zone_set(workspace=workspace, actor=owner, time_zone="Europe/Berlin")
    user_time_zone_set(user=owner, time_zone="Pacific/Auckland")
    api = ApiClient.with_token(owner, workspace)
    created = api.post(
        "/activities",
        {
            "kind": "task",
            "subject": "API task",
            "due_at": "2030-01-01T09:00:00",  # no offset: read as UTC, not as the user's zone
            "contact_ids": [ann.pk],
        },
    )
    assert created.status_code == 201, created.content
    body = api.get(f"/activities/{created.json()['id']}").json()
    assert dt.datetime.fromisoformat(body["due_at"]) == dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
    assert body["due_at"].endswith(("Z", "+00:00"))


# --- the settings pages -----------------------------------------------------------------


def test_an_admin_sets_the_workspaces_zone_and_a_member_may_not(
    owner_client, member_client, workspace
):
    assert (
        member_client.post("/settings/workspace/", {"time_zone": "Asia/Tokyo"}).status_code == 403
    )
    response = owner_client.post("/settings/workspace/", {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert Workspace.objects.get(pk=workspace.pk).time_zone == "Asia/Tokyo"
    assert "Asia/Tokyo" in _page(member_client, "/settings/workspace/")


@pytest.mark.parametrize("url", ["/settings/workspace/", "/settings/profile/"])
def test_a_bad_zone_on_a_settings_page_is_refused_on_its_field(owner_client, owner, workspace, url):
    page = owner_client.post(url, {"time_zone": "Mars/Olympus_Mons"}).content.decode()
    field = page[page.index('id="field-time_zone"') :]
    assert "Mars/Olympus_Mons is not one of the available choices" in field[: field.index("</div>")]
    assert Workspace.objects.get(pk=workspace.pk).time_zone == "UTC"
    assert user_time_zone(owner) == ""


def test_a_user_chooses_their_zone_and_blank_follows_the_workspace(owner_client, owner, workspace):
    page = _page(owner_client, "/settings/profile/")
    assert '<option value="" selected>The workspace&#x27;s (UTC)</option>' in page
    assert owner_client.post("/settings/profile/", {"time_zone": "America/Lima"}).status_code == 302
    owner.refresh_from_db()  # forgets the preference read with the user
    assert user_time_zone(owner) == "America/Lima"
    assert 'id="current-zone">America/Lima<' in _page(owner_client, "/settings/profile/")
    owner_client.post("/settings/profile/", {"time_zone": ""})
    owner.refresh_from_db()
    assert user_time_zone(owner) == ""


# --- kept HTML is kept per zone ---------------------------------------------------------


def test_the_kept_top_bar_and_quick_add_forms_follow_a_change_of_zone(
    owner_client, owner, workspace, ann
):
    """The user menu (`keptforms`) and the quick-add forms (`quick_add_panels`) are kept per
    process under keys that name the user but not their zone: the zone is in every key."""
    page = _page(owner_client, f"/contacts/{ann.pk}/")
    assert "Times in UTC" in page
    user_time_zone_set(user=owner, time_zone="Europe/Berlin")  # no data version raised
    page = _page(owner_client, f"/contacts/{ann.pk}/")
    assert "Times in UTC" not in page
    # The menu, the task's due time, and the meeting's start and end.
    assert page.count("Times in Europe/Berlin") == 4


def test_a_kept_fragment_is_kept_per_zone():
    template = Template(
        "{% load rapport_ui when_ui %}"
        '{% keptfragment "t" 1 %}{% current_zone %}{% endkeptfragment %}'
    )
    rendered = {}
    for zone in ("Europe/Berlin", "America/Lima", "Europe/Berlin"):
        with timezone.override(ZoneInfo(zone)):
            rendered[zone] = template.render(Context())
    assert rendered == {"Europe/Berlin": "Europe/Berlin", "America/Lima": "America/Lima"}


def test_a_page_kept_per_data_version_is_kept_per_zone(settings, workspace):
    settings.RAPPORT_KEEP_PAGES = True
    built = []

    def build() -> str:
        built.append(timezone.get_current_timezone_name())
        return f"at {timezone.localtime(dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)):%H:%M}"

    answers = []
    for zone in ("Europe/Berlin", "America/Lima", "Europe/Berlin"):
        with timezone.override(ZoneInfo(zone)):
            answers.append(kept(workspace=workspace, name="t", inputs=(), build=build))
    assert answers == ["at 13:00", "at 07:00", "at 13:00"]
    assert built == ["Europe/Berlin", "America/Lima"]


def test_two_members_in_other_zones_each_get_their_own_kept_record_page(
    settings, owner_client, member_client, owner, member, workspace, ann
):
    settings.RAPPORT_KEEP_PAGES = True
    at = dt.datetime(2026, 1, 15, 20, 5, tzinfo=dt.UTC)
    make_activity(workspace, owner, kind="note", occurred_at=at, contact_ids=[ann.pk])
    user_time_zone_set(user=owner, time_zone="Europe/Berlin")
    user_time_zone_set(user=member, time_zone="America/Lima")
    for _ in range(2):  # the second round is served from what the first kept
        assert "Jan 15, 2026 21:05" in _page(owner_client, f"/contacts/{ann.pk}/")
        assert "Jan 15, 2026 15:05" in _page(member_client, f"/contacts/{ann.pk}/")
