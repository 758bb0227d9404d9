"""The two pages that choose the zone times are shown in: the workspace's default (admins)
and each user's own (`tenancy.time_zones`)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from rapport.core.errors import ServiceValidationError
from rapport.tenancy.roles import SETTINGS_WRITE
from rapport.tenancy.services import user_time_zone_set, workspace_time_zone_set
from rapport.tenancy.time_zones import user_time_zone, zone_names
from rapport.web.access import check_scope, member_required, workspace_of
from rapport.web.forms import add_service_errors


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
    if request.method == "POST":
        check_scope(request, SETTINGS_WRITE)
        form = TimeZoneForm(request.POST)
        if form.is_valid():
            try:
                workspace_time_zone_set(
                    workspace=workspace,
                    actor=request.user,
                    time_zone=form.cleaned_data["time_zone"],
                )
            except ServiceValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Times now default to {workspace.time_zone}.")
                return redirect("workspace_settings")
    else:
        form = TimeZoneForm(initial={"time_zone": workspace.time_zone})
    return render(request, "web/workspace_settings.html", {"form": form})


@member_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own zone, in every workspace; blank follows the workspace's."""
    default_label = f"The workspace's ({workspace_of(request).time_zone})"
    if request.method == "POST":
        form = TimeZoneForm(request.POST, default_label=default_label)
        if form.is_valid():
            try:
                user_time_zone_set(user=request.user, time_zone=form.cleaned_data["time_zone"])
            except ServiceValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Saved your time zone.")
                return redirect("profile")
    else:
        initial = {"time_zone": user_time_zone(request.user)}
        form = TimeZoneForm(initial=initial, default_label=default_label)
    return render(request, "web/profile.html", {"form": form})
