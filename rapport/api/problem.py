"""Every API error as RFC 9457 problem details, naming each bad field.

One shape for all errors, whoever raises them (pydantic through ninja, a service, a lookup,
the auth layer, Django's URL routing):

    {"type": ..., "title": ..., "status": 422, "detail": ...,
     "errors": [{"field": "emails.0", "message": "..."}]}

Fields are dotted paths into the request (`emails.0`, `custom_fields.size`, `items`), the
convention the services use, so a client maps an error to its input the same way whichever
layer found it. Problems about the query string (a bad cursor, sort or filter) are 400;
problems about the body are 422.
"""

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from rapport.api.parser import UnsupportedMediaType
from rapport.core.errors import (
    FieldError,
    PermissionDenied,
    ServiceValidationError,
    StateConflict,
)
from rapport.tenancy.access import bearer_secret

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
NO_SUCH_RECORD = "no_such_record"  # the pydantic error type of a path id out of range
TYPE_BASE = "urn:rapport:problem:"
# Where ninja reports a parameter, and whether a problem there is about the query (400).
QUERY_LOCATIONS = {"query", "path", "header", "cookie"}


class ProblemFieldError(Schema):
    field: str
    message: str


class InvalidQuery(ServiceValidationError):
    """A service refused the query string (cursor, sort, filter) rather than a body: a 400."""


def problem_response(
    status: int,
    detail: str,
    *,
    errors: Iterable[FieldError] = (),
    type_name: str | None = None,
    title: str | None = None,
    extensions: dict[str, Any] | None = None,
) -> HttpResponse:
    """`extensions` are the problem type's own members (RFC 9457 section 3.2), such as the
    candidates of a `likely-duplicates` problem."""
    body = {
        "type": TYPE_BASE + type_name if type_name else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "errors": [{"field": e.field, "message": e.message} for e in errors],
        **(extensions or {}),
    }
    return HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)


def validation_problem(errors: Sequence[FieldError], *, in_query: bool) -> HttpResponse:
    if in_query:
        return problem_response(
            400,
            "The query string has invalid values.",
            errors=errors,
            type_name="invalid-query",
            title="Invalid query",
        )
    return problem_response(
        422,
        "The request has invalid fields; nothing was written.",
        errors=errors,
        type_name="validation-error",
        title="Invalid request",
    )


def field_path(loc: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in loc)


def pydantic_field_errors(errors: Iterable[Any], *, whole: str) -> list[FieldError]:
    """Pydantic's error dicts as field errors; an error about the input as a whole is `whole`."""
    return [
        FieldError(field_path(e.get("loc", ())) or whole, str(e.get("msg", "is invalid")))
        for e in errors
    ]


def _ninja_field_errors(exc: NinjaValidationError) -> tuple[list[FieldError], bool]:
    """Ninja locations read ("body", <param name>, field...) or ("query", field...).

    The parameter name is the handler's own (`payload`), meaningless to a client, so dropped.
    """
    out: list[FieldError] = []
    in_query = True
    for e in exc.errors:
        loc = list(e.get("loc", ()))
        where = str(loc[0]) if loc else "body"
        if where in QUERY_LOCATIONS:
            rest = loc[1:]
        else:
            in_query = False
            rest = loc[2:] if len(loc) > 2 else []
        message = str(e.get("msg", "is invalid"))
        out.append(FieldError(field_path(rest) or ("body" if where == "body" else where), message))
    return out, in_query and bool(out)


def _on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    if any(e.get("type") == NO_SUCH_RECORD for e in exc.errors):
        # A path id no record can have (0, or past 64 bits) names no resource: not found.
        return _on_not_found(request, exc)
    errors, in_query = _ninja_field_errors(exc)
    return validation_problem(errors, in_query=in_query)


def _on_service_validation(request: HttpRequest, exc: ServiceValidationError) -> HttpResponse:
    return validation_problem(exc.errors, in_query=isinstance(exc, InvalidQuery))


def _on_state_conflict(request: HttpRequest, exc: StateConflict) -> HttpResponse:
    return problem_response(
        409,
        "; ".join(e.message for e in exc.errors),
        errors=exc.errors,
        type_name="state-conflict",
        title="Conflict with the record's state",
    )


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Another workspace's record lands here too: the scoped manager never finds it.
    return problem_response(404, "No such resource in this workspace.")


def _on_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    needed = str(exc)
    detail = f"Your role does not allow this (needs {needed})." if needed else str(exc)
    return problem_response(403, detail or "Your role does not allow this.")


def _body_problem(cause: BaseException | None) -> HttpResponse | None:
    """Ninja answers any body it cannot parse "Cannot parse request body" (400), raised from
    the parser's exception: say which of the two failures it was."""
    if isinstance(cause, UnsupportedMediaType):
        sent = f"'{cause.content_type}'" if cause.content_type else "no Content-Type"
        return problem_response(
            415,
            f"The body must be JSON, sent as Content-Type: application/json (not {sent}).",
            type_name="unsupported-media-type",
            title="Unsupported media type",
        )
    if isinstance(cause, ValueError):  # JSONDecodeError, or bytes that are not UTF-8
        return problem_response(
            400,
            "The body is not valid JSON; nothing was written.",
            errors=[FieldError("body", str(cause))],
            type_name="malformed-body",
            title="Malformed body",
        )
    return None


def _unauthenticated(request: HttpRequest) -> str:
    """Why no caller was found, so a client fixes the right thing (ninja says "Unauthorized")."""
    if bearer_secret(request) is not None:
        return "The API token is unknown or revoked."
    if "Authorization" in request.headers:
        return "The Authorization header must read 'Bearer <token>'."
    return "Send an API token as 'Authorization: Bearer <token>', or log in."


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if (body_problem := _body_problem(exc.__cause__)) is not None:
        return body_problem
    if isinstance(exc, AuthenticationError):
        response = problem_response(401, _unauthenticated(request))
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    return problem_response(exc.status_code, str(exc))


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API request failed: %s %s", request.method, request.path)
    return problem_response(500, "The server failed to answer this request.")


E = TypeVar("E", bound=Exception)


def _handle(
    api: NinjaAPI, exc_class: type[E], handler: Callable[[HttpRequest, E], HttpResponse]
) -> None:
    # Ninja types handlers as taking the class or an instance; it only ever passes instances.
    api.add_exception_handler(exc_class, cast(Any, handler))


def install_problem_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default error bodies with problem details."""
    _handle(api, Exception, _on_unexpected)
    _handle(api, HttpError, _on_http_error)
    _handle(api, NinjaValidationError, _on_ninja_validation)
    _handle(api, ServiceValidationError, _on_service_validation)
    _handle(api, StateConflict, _on_state_conflict)
    _handle(api, Http404, _on_not_found)
    _handle(api, ObjectDoesNotExist, _on_not_found)
    _handle(api, PermissionDenied, _on_permission_denied)
    _handle(api, DjangoPermissionDenied, _on_permission_denied)


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail", "errors"],
    "properties": {
        "type": {"type": "string", "description": "urn:rapport:problem:<name>, or about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "each bad field, as a dotted path into the request",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# (status, when it applies), each answered with a `Problem`.
PROBLEMS = {
    400: "a bad query parameter, or a body that is not valid JSON",
    401: "no valid token or session",
    403: "the caller's role does not allow this, or a session write without its CSRF token",
    404: "no such record in this workspace",
    409: "the record's state refuses this (e.g. an import already started): `detail` says "
    "which state it is in and which the action needs",
    415: "a body that is not JSON",
    422: "a body with invalid fields, each named; nothing was written",
}


def problems_declared(*codes: int) -> dict[str, Any]:
    """An operation's `openapi_extra` declaring problems that `document_problems` cannot
    infer from its shape, such as the 409 of an action its record's state may refuse."""
    content = {CONTENT_TYPE: {"schema": PROBLEM_REF}}
    return {"responses": {str(c): {"description": PROBLEMS[c], "content": content} for c in codes}}


def document_problems(schema: dict[str, Any]) -> None:
    """Add the problem responses each operation can answer to the OpenAPI document, and a
    description to any path parameter without one (all are record ids)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {CONTENT_TYPE: {"schema": PROBLEM_REF}}
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            params = operation.get("parameters", [])
            for param in params:
                if param["in"] == "path":
                    param.setdefault("description", "the record's id")
            codes = {401, 403}
            if "{" in path:
                codes.add(404)
            if any(p["in"] == "query" for p in params):
                codes.add(400)
            if "requestBody" in operation:
                codes |= {400, 415, 422}
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(str(code), {"description": PROBLEMS[code], "content": content})


@csrf_exempt  # it writes nothing; else Django's HTML CSRF page answers an unsafe method
def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under the API that no endpoint matches."""
    return problem_response(404, f"No endpoint at {request.path}.")
