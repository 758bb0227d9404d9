"""Timeline actions: quick-add, edit in place, delete, and ticking a task done.

Each answers with the fragment htmx swaps in: the new or changed timeline item (or task row),
or the form again with its errors.
"""

from urllib.parse import urlsplit

from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from rapport.activities.forms import QUICK_ADD_KINDS, ActivityForm
from rapport.activities.links import link_types, other_links_attach
from rapport.activities.models import Activity
from rapport.activities.queries import activity_get, task_groups
from rapport.activities.services import activity_create as activity_create_service
from rapport.activities.services import activity_delete, activity_update, task_set_done
from rapport.activities.timeline import TAG
from rapport.core.errors import ServiceValidationError
from rapport.core.timeline import TimelineItem
from rapport.tenancy.roles import RECORDS_DELETE, RECORDS_WRITE
from rapport.web.access import found_or_404, member_required, scope_required, workspace_of


def _linked_record(request: HttpRequest) -> Model:
    """The record (contact, company, or any registered link target such as a deal) the new
    activity belongs to, named by its model's field in the form and looked up in this
    workspace's scope."""
    for lt in link_types():
        value = request.POST.get(lt.field, "")
        if value.isdigit():
            return found_or_404(lt.target._default_manager.get, pk=int(value))
    raise Http404


def _item(request: HttpRequest, activity: object, **extra: object) -> HttpResponse:
    item = TimelineItem(activity.occurred_at, "activity", TAG, activity.pk, activity)  # type: ignore[attr-defined]
    return render(request, "timeline/_activity.html", {"item": item, **extra})


@scope_required(RECORDS_WRITE)
@require_POST
def activity_create(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in QUICK_ADD_KINDS:
        raise Http404
    record = _linked_record(request)
    workspace = workspace_of(request)
    form = ActivityForm(request.POST, kind=kind, workspace=workspace, user=request.user)
    if form.is_valid():
        try:
            activity = activity_create_service(
                workspace=workspace, actor=request.user, data=form.service_data(record=record)
            )
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
        else:
            fresh = ActivityForm(kind=kind, workspace=workspace, user=request.user)
            return _item(request, activity, fresh_form=fresh, record=record)
    response = render(request, "activities/_quick_add.html", {"form": form, "record": record})
    return reswap(retarget(response, f"#quick-add-{kind}"), "outerHTML")


@member_required
def activity_item(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline item alone (after "Cancel" on its edit form)."""
    return _item(request, found_or_404(activity_get, activity_id=pk))


@scope_required(RECORDS_WRITE)
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = found_or_404(activity_get, activity_id=pk)
    workspace = workspace_of(request)
    data = request.POST if request.method == "POST" else None
    form = ActivityForm(data, kind=activity.kind, workspace=workspace, instance=activity)
    if data is not None and form.is_valid():
        try:
            activity_update(
                workspace=workspace,
                actor=request.user,
                activity=activity,
                data=form.service_data(),
            )
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
        else:
            return _item(request, found_or_404(activity_get, activity_id=pk))
    return render(request, "activities/_edit.html", {"form": form, "activity": activity})


@scope_required(RECORDS_DELETE)
@require_POST
def activity_remove(request: HttpRequest, pk: int) -> HttpResponse:
    activity = found_or_404(activity_get, activity_id=pk)
    activity_delete(workspace=workspace_of(request), actor=request.user, activity=activity)
    return HttpResponse("")


@scope_required(RECORDS_WRITE)
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    activity = found_or_404(activity_get, activity_id=pk)
    try:
        task_set_done(
            workspace=workspace_of(request),
            actor=request.user,
            activity=activity,
            done=request.POST.get("done") == "true",
        )
    except ServiceValidationError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    if request.POST.get("view") == "tasks":
        return _task_row(request, activity)
    return _item(request, activity)


def _task_row(request: HttpRequest, task: Activity) -> HttpResponse:
    """The ticked row on the tasks page, with the page's group counts out of band (their links
    keep the page's query, read from the address htmx sends)."""
    other_links_attach([task])
    everyone = request.POST.get("who") == "all"
    response = render(
        request, "activities/_task_row.html", {"task": task, "show_assignee": everyone}
    )
    page_url = urlsplit(request.headers.get("HX-Current-URL", ""))
    params = QueryDict(page_url.query)
    assignee_id = None if everyone else int(request.user.pk or 0)
    groups = task_groups(assignee_id=assignee_id, now=timezone.now())
    context = {"groups": groups, "group": params.get("due", ""), "params": params, "oob": True}
    response.write(render_to_string("web/_task_groups.html", context, request))
    return response
