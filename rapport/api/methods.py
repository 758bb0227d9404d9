"""HEAD, OPTIONS and a wrong method, answered once for every path of the API.

Ninja dispatches a path's operations by method and answers any other method with a plain-text
405, HEAD and OPTIONS included. Declaring HEAD and OPTIONS on each operation would double the
OpenAPI document; wrapping each path's view instead keeps the document as it is:

- HEAD runs the path's GET and answers its status and headers (`Content-Length` too) without
  the body;
- OPTIONS answers 204 with the path's methods in `Allow` (no credentials needed: the public
  OpenAPI document says as much);
- any other method the path lacks is a 405 problem with `Allow`.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase

from rapport.api.problem import problem_response

View = Callable[..., HttpResponseBase]


def _allowed(not_allowed: HttpResponseNotAllowed) -> str:
    methods = {m.strip() for m in not_allowed["Allow"].split(",") if m.strip()}
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    return ", ".join(sorted(methods))


def without_body(response: HttpResponseBase) -> HttpResponseBase:
    """A HEAD's answer: the GET's headers, its length included, and no body."""
    if response.streaming:
        # Its length is unknown without reading it all; a file is still closed with the response.
        response.streaming_content = iter(())  # type: ignore[attr-defined]
    else:
        assert isinstance(response, HttpResponse)
        response["Content-Length"] = str(len(response.content))
        response.content = b""
    return response


def _as_get(view: View, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    request.method = "GET"
    try:
        return view(request, *args, **kwargs)
    finally:
        request.method = "HEAD"


def every_method_answered(view: View) -> View:
    """Wrap one URL pattern's view (a ninja path, the schema, the catch-all 404)."""

    @wraps(view)  # keeps ninja's csrf_exempt flag: CSRF is the auth layer's job here
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return without_body(response) if request.method == "HEAD" else response
        allowed = _allowed(response)
        if request.method == "HEAD" and "GET" in allowed.split(", "):
            return without_body(_as_get(view, request, *args, **kwargs))
        if request.method == "OPTIONS":
            options = HttpResponse(status=204)
            del options["Content-Type"]
            options["Allow"] = allowed
            return options
        problem = problem_response(
            405, f"{request.method} is not allowed here; use one of: {allowed}."
        )
        problem["Allow"] = allowed
        return without_body(problem) if request.method == "HEAD" else problem

    return wrapper
