"""Sales settings (pipelines, scoring), the product catalogue and the order book."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from rapport.core.errors import ServiceValidationError
from rapport.core.pagination import Page
from rapport.sales import queries
from rapport.sales.forms import (
    OrderFilterForm,
    PipelineForm,
    ProductForm,
    ScoringRuleForm,
    ThresholdForm,
)
from rapport.sales.scoring import (
    scoring_rule_create,
    scoring_rule_delete,
    scoring_threshold_get,
    scoring_threshold_set,
)
from rapport.sales.services import pipeline_create, product_create
from rapport.tenancy.roles import RECORDS_WRITE, SETTINGS_WRITE
from rapport.web.access import check_scope, found_or_404, member_required, workspace_of
from rapport.web.forms import add_service_errors
from rapport.web.htmx import is_partial

T = TypeVar("T", bound=Model)


def _page_or_404(getter: Callable[..., Page[T]], **kwargs: Any) -> Page[T]:
    """A list page; a tampered cursor is a page that does not exist."""
    try:
        return getter(**kwargs)
    except ServiceValidationError as exc:
        raise Http404 from exc


@member_required
def pipelines(request: HttpRequest) -> HttpResponse:
    form = PipelineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        check_scope(request, SETTINGS_WRITE)
        if form.is_valid():
            try:
                created = pipeline_create(
                    workspace=workspace_of(request),
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    stages=form.stage_data(),
                )
            except ServiceValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Created the pipeline “{created.name}”.")
                return redirect("sales:pipelines")
    return render(
        request, "sales/pipelines.html", {"pipelines": queries.pipeline_list(), "form": form}
    )


@member_required
def products(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        check_scope(request, RECORDS_WRITE)
        if form.is_valid():
            try:
                created = product_create(
                    workspace=workspace_of(request), actor=request.user, data=form.product_data()
                )
            except ServiceValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Added {created.name} to the catalogue.")
                return redirect("sales:products")
    page = _page_or_404(queries.product_list, cursor=request.GET.get("cursor") or None)
    return render(
        request, "sales/products.html", {"page": page, "form": form, "params": request.GET}
    )


@member_required
def orders(request: HttpRequest) -> HttpResponse:
    """Every order, filtered by status, channel, dates or external id; a bad filter is named
    and the list shows nothing rather than more than was asked for."""
    form = OrderFilterForm(request.GET)
    page: Page[Any] = Page(items=[], next_cursor=None, prev_cursor=None)
    if form.is_valid():
        page = _page_or_404(
            queries.order_list,
            f=form.order_filter(),
            cursor=form.cleaned_data.get("cursor") or None,
        )
    context = {"form": form, "page": page, "params": request.GET}
    if is_partial(request, "order-table"):
        return render(request, "sales/_order_table.html", context)
    return render(request, "sales/orders.html", context)


@member_required
def scoring(request: HttpRequest) -> HttpResponse:
    """Scoring rules and the marketing-qualified threshold (admins change them)."""
    rule_form = ScoringRuleForm(request.POST if "add_rule" in request.POST else None)
    threshold_form = ThresholdForm(
        request.POST if "set_threshold" in request.POST else None,
        initial={"mql_threshold": scoring_threshold_get()},
    )
    if request.method == "POST":
        check_scope(request, SETTINGS_WRITE)
        workspace = workspace_of(request)
        try:
            if "delete_rule" in request.POST:
                rule = found_or_404(
                    queries.scoring_rule_get, rule_id=int(request.POST["delete_rule"])
                )
                scoring_rule_delete(workspace=workspace, actor=request.user, rule=rule)
                messages.success(request, "Rule removed; scores change as records change.")
                return redirect("sales:scoring")
            if rule_form.is_bound and rule_form.is_valid():
                scoring_rule_create(
                    workspace=workspace, actor=request.user, data=rule_form.rule_data()
                )
                messages.success(request, "Rule added; scores change as records change.")
                return redirect("sales:scoring")
            if threshold_form.is_bound and threshold_form.is_valid():
                scoring_threshold_set(
                    workspace=workspace,
                    actor=request.user,
                    threshold=threshold_form.cleaned_data["mql_threshold"],
                )
                messages.success(request, "Threshold saved.")
                return redirect("sales:scoring")
        except ServiceValidationError as exc:
            add_service_errors(rule_form if rule_form.is_bound else threshold_form, exc)
    return render(
        request,
        "sales/scoring.html",
        {
            "rules": queries.scoring_rule_list(),
            "rule_form": rule_form,
            "threshold_form": threshold_form,
        },
    )
