"""The contact page's "download personal data" button: a POST (it is recorded in the audit
trail, so it is a write and carries a CSRF token) answered with a JSON file."""

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from rapport.contacts.queries import contact_get
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
