"""The two pages that choose the zone times are shown in: the workspace's default (admins)
and each user's own (`tenancy.time_zones`)."""

from functools import partial
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.tenancy.roles import SETTINGS_WRITE
from rapport.tenancy.services import user_time_zone_set, workspace_time_zone_set
from rapport.tenancy.time_zones import user_time_zone, zone_names
from rapport.web.access import member_required, workspace_of
from rapport.web.forms import settings_form


class TimeZoneForm(forms.Form):
    """One zone out of the zone database's; `default_label`, where given, names the blank
    choice (follow the workspace)."""

    time_zone = forms.ChoiceField(label="Time zone")

    def __init__(self, *args: Any, default_label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = [(name, name) for name in zone_names()]
        field: Any = self.fields["time_zone"]
        field.choices = zones if default_label is None else [("", default_label), *zones]
        field.required = default_label is None


@member_required
def workspace_settings(request: HttpRequest) -> HttpResponse:
    """Everyone sees the workspace's default zone; admins change it."""
    workspace = workspace_of(request)

    def save(data: dict[str, Any]) -> str:
        workspace_time_zone_set(
            workspace=workspace, actor=request.user, time_zone=data["time_zone"]
        )
        return f"Times now default to {workspace.time_zone}."

    form, saved = settings_form(
        request,
        TimeZoneForm,
        initial={"time_zone": workspace.time_zone},
        save=save,
        scope=SETTINGS_WRITE,
    )
    return saved or render(request, "web/workspace_settings.html", {"form": form})


@member_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own zone, in every workspace; blank follows the workspace's."""

    def save(data: dict[str, Any]) -> str:
        user_time_zone_set(user=request.user, time_zone=data["time_zone"])
        return "Saved your time zone."

    default_label = f"The workspace's ({workspace_of(request).time_zone})"
    form, saved = settings_form(
        request,
        partial(TimeZoneForm, default_label=default_label),
        initial={"time_zone": user_time_zone(request.user)},
        save=save,
    )
    return saved or render(request, "web/profile.html", {"form": form})
