"""The zone a member sees times in: their own choice, else the workspace's; names checked
against the zone database; the workspace's change audited; read with the session's user."""

import pytest
from django.contrib import admin
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.audit.models import AuditEntry
from rapport.core.errors import ServiceValidationError
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.backends import memberships_with_user
from rapport.tenancy.middleware import TimeZoneMiddleware
from rapport.tenancy.models import Membership, UserPreference, Workspace
from rapport.tenancy.services import user_create, user_time_zone_set, workspace_time_zone_set
from rapport.tenancy.time_zones import effective_time_zone, user_time_zone

pytestmark = pytest.mark.django_db


def _membership(user, workspace) -> Membership:
    return next(m for m in memberships_with_user(user.pk) if m.workspace_id == workspace.pk)


def test_a_workspace_starts_in_utc_and_its_members_follow_its_zone(owner, member, workspace):
    assert workspace.time_zone == "UTC"
    workspace_time_zone_set(workspace=workspace, actor=owner, time_zone="Europe/Berlin")
    assert Workspace.objects.get(pk=workspace.pk).time_zone == "Europe/Berlin"
    assert effective_time_zone(_membership(member, workspace)) == "Europe/Berlin"


def test_a_users_own_zone_wins_in_every_workspace_and_blank_gives_it_back(
    owner, workspace, other_workspace
):
    Membership.objects.create(workspace=other_workspace, user=owner, role="member")
    workspace_time_zone_set(workspace=workspace, actor=owner, time_zone="Europe/Berlin")
    user_time_zone_set(user=owner, time_zone="Pacific/Auckland")
    zones = {m.workspace_id: effective_time_zone(m) for m in memberships_with_user(owner.pk)}
    assert zones == {workspace.pk: "Pacific/Auckland", other_workspace.pk: "Pacific/Auckland"}
    user_time_zone_set(user=owner, time_zone="")
    assert effective_time_zone(_membership(owner, workspace)) == "Europe/Berlin"
    assert effective_time_zone(_membership(owner, other_workspace)) == "UTC"


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "europe/berlin", "CEST", "../etc/passwd", 5])
def test_names_outside_the_zone_database_are_refused_by_field(owner, workspace, bad):
    for write in (
        lambda: workspace_time_zone_set(workspace=workspace, actor=owner, time_zone=bad),
        lambda: user_time_zone_set(user=owner, time_zone=bad),
    ):
        with pytest.raises(ServiceValidationError) as caught:
            write()
        assert caught.value.as_dict().keys() == {"time_zone"}
        assert "not a known time zone" in caught.value.as_dict()["time_zone"][0]
    assert Workspace.objects.get(pk=workspace.pk).time_zone == "UTC"
    assert user_time_zone(owner) == ""


def test_a_workspace_needs_a_zone_where_a_user_may_leave_theirs_blank(owner, workspace):
    with pytest.raises(ServiceValidationError) as caught:
        workspace_time_zone_set(workspace=workspace, actor=owner, time_zone=" ")
    assert caught.value.as_dict().keys() == {"time_zone"}
    assert user_time_zone_set(user=owner, time_zone=" ").time_zone == ""


def test_the_workspaces_zone_change_is_audited_and_an_unchanged_one_is_not(owner, workspace):
    workspace_time_zone_set(workspace=workspace, actor=owner, time_zone="America/Lima")
    workspace_time_zone_set(workspace=workspace, actor=owner, time_zone="America/Lima")
    with workspace_scope(workspace):
        entries = list(AuditEntry.objects.filter(entity="tenancy.workspace"))
    assert [(e.actor_id, e.object_id, e.changes) for e in entries] == [
        (owner.pk, workspace.pk, {"time_zone": ["UTC", "America/Lima"]})
    ]


def test_a_zone_the_database_no_longer_knows_falls_back_to_utc(owner, workspace):
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Atlantis/Old")
    assert effective_time_zone(_membership(owner, workspace)) == "UTC"


@pytest.mark.parametrize("chosen", ["", "Asia/Tokyo"])
def test_the_sessions_user_comes_with_their_zone_in_the_one_query(owner, workspace, chosen):
    if chosen:
        user_time_zone_set(user=owner, time_zone=chosen)
    with CaptureQueriesContext(connection) as captured:
        membership = memberships_with_user(owner.pk)[0]
        zone = effective_time_zone(membership)
    assert len(captured.captured_queries) == 1
    assert zone == (chosen or "UTC")


@pytest.mark.parametrize(
    ("path", "with_membership", "seen"),
    [
        ("/contacts/", True, "Pacific/Auckland"),
        ("/api/v1/activities", True, "UTC"),  # the API answers and reads in UTC
        ("/login/", False, "UTC"),
    ],
)
def test_the_middleware_activates_the_members_zone_for_pages_only_and_drops_it_after(
    owner, workspace, path, with_membership, seen
):
    user_time_zone_set(user=owner, time_zone="Pacific/Auckland")
    request = RequestFactory().get(path)
    request.membership = _membership(owner, workspace) if with_membership else None  # type: ignore[attr-defined]
    zones = []

    def view(request):
        zones.append(timezone.get_current_timezone_name())
        return HttpResponse()

    TimeZoneMiddleware(view)(request)
    assert zones == [seen]
    assert timezone.get_current_timezone_name() == "UTC"  # nothing carried to the next request


@pytest.fixture
def admin_form():
    """The Django admin's form of a model, as a superuser gets it."""
    request = RequestFactory().get("/admin/")
    request.user = user_create(username="root", password="pw-pw-pw-pw-1", is_superuser=True)
    return lambda model, data, instance=None: _admin_form(request, model, data, instance)


def _admin_form(request, model, data, instance):
    form_class = admin.site._registry[model].get_form(request, instance)
    return form_class(data=data, instance=instance)


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "europe/berlin", "CEST"])
def test_the_admin_refuses_the_names_the_settings_pages_refuse(admin_form, owner, workspace, bad):
    fields = {"name": workspace.name, "slug": workspace.slug, "default_region": "US"}
    form = admin_form(Workspace, {**fields, "base_currency": "USD", "time_zone": bad}, workspace)
    assert not form.is_valid()
    assert form.errors.keys() == {"time_zone"}
    assert "not a known time zone" in form.errors["time_zone"][0]
    form = admin_form(UserPreference, {"user": owner.pk, "time_zone": bad})
    assert form.errors.keys() == {"time_zone"}


def test_the_admin_takes_a_known_name_and_a_blank_user_zone(admin_form, owner, workspace):
    fields = {"name": workspace.name, "slug": workspace.slug, "default_region": "US"}
    data = {**fields, "base_currency": "USD", "time_zone": "Asia/Tokyo"}
    assert admin_form(Workspace, data, workspace).is_valid()
    assert admin_form(UserPreference, {"user": owner.pk, "time_zone": ""}).is_valid()
