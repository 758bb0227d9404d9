"""Suggestions while typing in forms and filters (company names), as JSON for a datalist."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from rapport.contacts.queries import company_names_starting
from rapport.web.access import member_required

SUGGESTIONS = 10


@member_required
@require_GET
def company_names(request: HttpRequest) -> JsonResponse:
    text = request.GET.get("q", "")[:200]
    return JsonResponse({"names": company_names_starting(text=text, limit=SUGGESTIONS)})
