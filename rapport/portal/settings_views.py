"""The agent side's page for the customer portal: where it is and what contacts may see."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rapport.core.errors import ServiceValidationError
from rapport.portal.forms import PortalSettingsForm
from rapport.portal.queries import portal_settings_get
from rapport.portal.services import portal_settings_update
from rapport.tenancy.roles import SETTINGS_WRITE
from rapport.web.access import check_scope, member_required, workspace_of
from rapport.web.forms import add_service_errors


@member_required
def portal_settings(request: HttpRequest) -> HttpResponse:
    workspace = workspace_of(request)
    current = portal_settings_get(workspace=workspace)
    if request.method == "POST":
        check_scope(request, SETTINGS_WRITE)
        form = PortalSettingsForm(request.POST)
        if form.is_valid():
            try:
                portal_settings_update(
                    workspace=workspace,
                    actor=request.user,
                    share_company_tickets=form.cleaned_data["share_company_tickets"],
                )
            except ServiceValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Saved the portal settings.")
                return redirect("portal_settings")
    else:
        form = PortalSettingsForm(initial={"share_company_tickets": current.share_company_tickets})
    portal_url = request.build_absolute_uri(reverse("portal:start", args=[workspace.slug]))
    context = {"form": form, "portal_url": portal_url, "current": current}
    return render(request, "portal/settings.html", context)
