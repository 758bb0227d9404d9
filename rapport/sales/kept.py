"""Sales pages and answers kept per workspace data version (`tenancy.data_version`).

The board and the forecast's figures are aggregates over every deal of the workspace (tens of
milliseconds over 100,000 deals, docs/performance.md "Sales, third round"); they change only
when the workspace's data does. Every deal write passes the audit writer, which raises the
version; the writes that are not audited raise it themselves (a card reordered within its
column, a deal's last-activity time). So an answer is kept under (workspace, version, name,
inputs) and served again until the next change, never to another workspace.

Besides the request's own inputs, a key holds the reader's day (late cards, the latest
exchange rate, the forecast's window), the language and the script prefix (`kept` adds the
time zone). What depends on the
clock within a day (a deal turning quiet after 14 days without activity) shows when the entry
expires (`KEEP_SECONDS`, ten minutes).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Schema
from ninja.renderers import JSONRenderer

from rapport.tenancy.data_version import kept
from rapport.tenancy.models import Workspace

T = TypeVar("T")

_JSON = JSONRenderer()


def kept_for_today(
    *, workspace: Workspace, name: str, inputs: tuple[object, ...], build: Callable[[], T]
) -> T:
    """`build()` kept under the workspace's data version, `inputs` and today's context."""
    context = (
        timezone.localdate(),
        get_language(),
        get_script_prefix(),
    )
    return kept(workspace=workspace, name=f"sales-{name}", inputs=(*inputs, *context), build=build)


def kept_json(
    request: HttpRequest,
    *,
    workspace: Workspace,
    name: str,
    schema: type[Schema],
    build: Callable[[], Any],
) -> HttpResponse:
    """An API answer kept as the JSON ninja sends for `schema`; its inputs are the query
    string (the path's ids belong in `name`). Bad input raises before anything is kept."""
    return kept_dumped_json(
        request,
        workspace=workspace,
        name=name,
        build=lambda: schema.from_orm(build()).model_dump(),
    )


def kept_dumped_json(
    request: HttpRequest, *, workspace: Workspace, name: str, build: Callable[[], Any]
) -> HttpResponse:
    """As `kept_json`, `build()` returning what the schema's `model_dump()` would: plain
    values in the schema's field order, with no object validated field by field (the
    board's 150 cards, docs/performance.md "Sales, seventh round")."""

    def render() -> bytes:
        return _JSON.render(request, build(), response_status=200)

    body = kept_for_today(
        workspace=workspace, name=name, inputs=(sorted(request.GET.lists()),), build=render
    )
    return HttpResponse(body, content_type=_JSON.media_type)
