"""The agent side's page for the customer portal: where it is and what contacts may see."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from rapport.portal.forms import PortalSettingsForm
from rapport.portal.queries import portal_settings_get
from rapport.portal.services import portal_settings_update
from rapport.tenancy.roles import SETTINGS_WRITE
from rapport.web.access import member_required, workspace_of
from rapport.web.forms import settings_form


@member_required
def portal_settings(request: HttpRequest) -> HttpResponse:
    workspace = workspace_of(request)
    current = portal_settings_get(workspace=workspace)

    def save(data: dict[str, Any]) -> str:
        portal_settings_update(
            workspace=workspace,
            actor=request.user,
            share_company_tickets=data["share_company_tickets"],
        )
        return "Saved the portal settings."

    form, saved = settings_form(
        request,
        PortalSettingsForm,
        initial={"share_company_tickets": current.share_company_tickets},
        save=save,
        scope=SETTINGS_WRITE,
    )
    if saved:
        return saved
    portal_url = request.build_absolute_uri(reverse("portal:start", args=[workspace.slug]))
    context = {"form": form, "portal_url": portal_url, "current": current}
    return render(request, "portal/settings.html", context)
