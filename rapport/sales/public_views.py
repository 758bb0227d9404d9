"""The public web-to-lead form: reached by its key, no login, CSRF-exempt by design.

Cross-site posts are accepted only from the form's allowed origins; the same form is also
served as a hosted page that can be embedded in an iframe.
"""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rapport.audit.context import audit_source
from rapport.core.errors import ServiceValidationError
from rapport.sales.leads import (
    HONEYPOT,
    WEB_CAMPAIGN,
    WEB_FIELDS,
    RateLimited,
    web_lead_submit,
)
from rapport.sales.models import WebForm
from rapport.tenancy.access import workspace_scope


def _cors(response: HttpResponse, origin: str | None, form: WebForm) -> HttpResponse:
    if origin and origin in form.allowed_origins:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Vary"] = "Origin"
    return response


def _same_origin(request: HttpRequest, origin: str) -> bool:
    return origin == f"{request.scheme}://{request.get_host()}"


def _context(form: WebForm, values: dict[str, str], errors: dict[str, list[str]]) -> dict:
    fields = [
        {
            "name": n,
            "label": n.replace("_", " ").capitalize(),
            "value": values.get(n, ""),
            "errors": errors.get(n, []),
        }
        for n in WEB_FIELDS
    ]
    return {
        "form": form,
        "fields": fields,
        "honeypot": HONEYPOT,
        "campaign": {"name": WEB_CAMPAIGN, "value": values.get(WEB_CAMPAIGN, "")},
    }


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST", "OPTIONS"])
def web_form(request: HttpRequest, key: str) -> HttpResponse:
    form = get_object_or_404(WebForm.unscoped.select_related("workspace"), key=key, active=True)
    origin = request.headers.get("Origin")
    wants_json = request.content_type == "application/json" or "json" in request.headers.get(
        "Accept", ""
    )
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204), origin, form)
    if request.method == "GET":
        # A link from a campaign may carry its id, for the submission to credit.
        linked = {WEB_CAMPAIGN: request.GET.get(WEB_CAMPAIGN, "")}
        return render(request, "sales/web_form.html", _context(form, linked, {}))
    if origin and not _same_origin(request, origin) and origin not in form.allowed_origins:
        return JsonResponse({"title": "Origin not allowed", "status": 403}, status=403)
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
            data = {k: str(v) for k, v in payload.items() if isinstance(v, (str, int))}
        except (ValueError, AttributeError):
            return JsonResponse({"title": "Body is not a JSON object", "status": 400}, status=400)
    else:
        data = {k: request.POST.get(k, "") for k in [*WEB_FIELDS, WEB_CAMPAIGN, HONEYPOT]}
    try:
        with workspace_scope(form.workspace), audit_source("webform"):
            web_lead_submit(
                form=form,
                data=data,
                address=request.META.get("REMOTE_ADDR", ""),
                user_agent=request.headers.get("User-Agent", ""),
            )
    except RateLimited:
        return _cors(
            JsonResponse({"title": "Too many submissions", "status": 429}, status=429), origin, form
        )
    except ServiceValidationError as exc:
        if wants_json:
            body = {
                "title": "Invalid submission",
                "status": 422,
                "errors": [{"field": e.field, "message": e.message} for e in exc.errors],
            }
            return _cors(JsonResponse(body, status=422), origin, form)
        context = _context(form, data, exc.as_dict())
        return render(request, "sales/web_form.html", context, status=422)
    if wants_json:
        return _cors(JsonResponse({"ok": True}, status=201), origin, form)
    return render(request, "sales/web_form_thanks.html", {"form": form})
