"""The forecast page and its panels.

The page itself computes only the forecast table and chart; the KPI tiles, forecast versus
actual, lead conversion and the deals at risk are each an htmx panel loaded right after it,
so the figures a manager came for are not held up by aggregates over the whole deal table,
and each panel can fail or be refreshed alone. The figures and panels are kept per workspace
data version (`sales.kept`) as rendered HTML: they show records only, the same to every
member, so a repeat request renders only the page shell and the filter form.
"""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from rapport.contacts.forms import members_of, user_label
from rapport.core.errors import ServiceValidationError
from rapport.sales import forecast as forecasting
from rapport.sales import kpis, leads
from rapport.sales.forecast_page import forecast_table, past_months
from rapport.sales.forms import ForecastForm
from rapport.sales.kept import kept_for_today
from rapport.web.access import member_required, workspace_of

AT_RISK_SHOWN = 10
KPI_DAYS = 90


def _error(exc: ServiceValidationError) -> str:
    return "; ".join(e.message for e in exc.errors)


@member_required
@require_GET
def forecast_page(request: HttpRequest) -> HttpResponse:
    workspace = workspace_of(request)
    form = ForecastForm(request.GET)
    granularity = form.value("granularity", "month")
    owner_id = form.value("owner")
    currency = workspace.base_currency

    def build() -> dict[str, Any]:
        """The owners (for the filter) and the rendered tables, chart data and panel loaders:
        records only, rendered without the request, the same to every member."""
        figures: dict[str, Any] = {
            "granularity": granularity,
            "owner_id": owner_id,
            "panel_query": f"?owner={owner_id}" if owner_id else "",
            "owners": [(u.pk, user_label(u)) for u in members_of(workspace)],
        }
        try:
            figures["table"] = forecast_table(
                workspace=workspace,
                today=timezone.now().date(),
                granularity=granularity,
                owner_id=owner_id,
            )
        except ServiceValidationError as exc:  # typically: an exchange rate is missing
            figures["error"] = _error(exc)
        table = figures.get("table")
        return {
            "owners": figures["owners"],
            "has_chart": bool(table and table.rows),
            "body": render_to_string("sales/_forecast_body.html", figures),
        }

    context: dict[str, Any] = {
        "granularity": granularity,
        "owner_id": owner_id,
        "currency": currency,
        **kept_for_today(
            workspace=workspace,
            name="forecast-page",
            inputs=(granularity, owner_id, currency),
            build=build,
        ),
    }
    return render(request, "sales/forecast.html", context)


def _kpis(request: HttpRequest, owner_id: int | None) -> dict[str, Any]:
    today = timezone.now().date()
    try:
        found = kpis.sales_kpis(
            workspace=workspace_of(request),
            start=today - dt.timedelta(days=KPI_DAYS),
            end=today + dt.timedelta(days=1),
            owner_id=owner_id,
        )
    except ServiceValidationError as exc:
        return {"error": _error(exc)}
    return {"kpis": found, "days": KPI_DAYS}


def _vs_actual(request: HttpRequest, owner_id: int | None) -> dict[str, Any]:
    periods = past_months(timezone.now().date())
    try:
        rows = forecasting.forecast_vs_actual(workspace=workspace_of(request), periods=periods)
    except ServiceValidationError as exc:
        return {"error": _error(exc)}
    return {"vs_actual": rows}


def _conversion(request: HttpRequest, owner_id: int | None) -> dict[str, Any]:
    return {"conversion": leads.lead_conversion_by_source()}


def _at_risk(request: HttpRequest, owner_id: int | None) -> dict[str, Any]:
    at_risk = kpis.deals_at_risk()
    if owner_id is not None:
        at_risk = at_risk.filter(owner_id=owner_id)
    return {
        "at_risk": list(at_risk[:AT_RISK_SHOWN]),
        "at_risk_count": at_risk.count(),
        "today": timezone.now().date(),
    }


PANELS = {
    "kpis": _kpis,
    "vs-actual": _vs_actual,
    "conversion": _conversion,
    "at-risk": _at_risk,
}


@member_required
@require_GET
def forecast_panel(request: HttpRequest, name: str) -> HttpResponse:
    panel = PANELS.get(name)
    if panel is None:
        raise Http404("no such panel")
    owner_id = ForecastForm(request.GET).value("owner")
    template = f"sales/_forecast_{name.replace('-', '_')}.html"
    html = kept_for_today(
        workspace=workspace_of(request),
        name=f"forecast-{name}",
        inputs=(owner_id,),
        build=lambda: render_to_string(template, panel(request, owner_id)),
    )
    return HttpResponse(html)
