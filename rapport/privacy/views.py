"""The contact page's privacy buttons: "Personal data" (a POST: the export is recorded in the
audit trail, so it is a write and carries a CSRF token) answered with a JSON file, and
"Erase", whose page shows what goes and asks for the person's name before it runs."""

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rapport.contacts.queries import contact_get
from rapport.core.errors import ServiceValidationError
from rapport.privacy.erasure import erasure_preview, person_erase
from rapport.privacy.services import personal_data_export
from rapport.tenancy.roles import PRIVACY_MANAGE
from rapport.web.access import found_or_404, membership_of, scope_required


@require_POST
@scope_required(PRIVACY_MANAGE)
def contact_personal_data(request: HttpRequest, pk: int) -> HttpResponse:
    contact = found_or_404(contact_get, contact_id=pk)
    membership = membership_of(request)
    data = personal_data_export(workspace=membership.workspace, actor=request.user, contact=contact)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="personal-data-contact-{pk}.json"'
    return response


@scope_required(PRIVACY_MANAGE)
def contact_erase(request: HttpRequest, pk: int) -> HttpResponse:
    contact = found_or_404(contact_get, contact_id=pk)
    confirm, error = "", ""
    if request.method == "POST":
        confirm = request.POST.get("confirm", "")
        try:
            erasure = person_erase(
                workspace=membership_of(request).workspace,
                actor=request.user,
                contact=contact,
                confirm=confirm,
            )
        except ServiceValidationError as exc:
            error = exc.errors[0].message
        else:
            rows = sum(erasure.deleted.values())
            files = f", {erasure.files} files" if erasure.files else ""
            messages.success(request, f"The person was erased: {rows} rows{files} deleted.")
            return redirect("contacts:contact_list")
    context = {
        "contact": contact,
        "preview": erasure_preview(contact),
        "confirm": confirm,
        "error": error,
    }
    return render(request, "privacy/erase.html", context, status=422 if error else 200)
