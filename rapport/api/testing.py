"""A small JSON client for API tests: calls `/api/v1/` as one user of one workspace."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from rapport.tenancy.models import Membership, Workspace
from rapport.tenancy.services import api_token_create

PREFIX = "/api/v1"
Response = Any  # django.test's response: an HttpResponse with .json() added


class ApiClient:
    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    @classmethod
    def with_token(cls, user: User, workspace: Workspace) -> "ApiClient":
        membership = Membership.objects.get(user=user, workspace=workspace)
        _, secret = api_token_create(membership=membership, name="tests")
        return cls(Client(), {"Authorization": f"Bearer {secret}"})

    def get(self, path: str, params: dict[str, Any] | None = None) -> Response:
        return self.client.get(PREFIX + path, params or {}, headers=self.headers)

    def _send(self, method: str, path: str, body: Any) -> Response:
        send = getattr(self.client, method)
        data = None if body is None else json.dumps(body)
        return send(PREFIX + path, data=data, content_type="application/json", headers=self.headers)

    def post(self, path: str, body: Any = None) -> Response:
        return self._send("post", path, body)

    def patch(self, path: str, body: Any = None) -> Response:
        return self._send("patch", path, body)

    def put(self, path: str, body: Any = None) -> Response:
        return self._send("put", path, body)

    def delete(self, path: str) -> Response:
        return self._send("delete", path, None)


def problem_fields(response: Response) -> dict[str, str]:
    """The problem's bad fields and their messages, after checking the problem's shape."""
    assert response["Content-Type"] == "application/problem+json", response.content
    body = response.json()
    assert body["status"] == response.status_code
    assert {"type", "title", "detail", "errors"} <= body.keys()
    return {e["field"]: e["message"] for e in body["errors"]}


def schema_operations(prefix: str) -> set[tuple[str, str]]:
    """(method, path) of every operation under `prefix` in the served OpenAPI schema, so an
    access test can insist that each one has its isolation and role cases."""
    paths = Client().get(f"{PREFIX}/openapi.json").json()["paths"]
    return {
        (method, path.removeprefix(PREFIX))
        for path, operations in paths.items()
        for method in operations
        if path.removeprefix(PREFIX).startswith(prefix)
    }


@dataclass
class World:
    """One workspace's records for an access test: its ids by name, a token client of its owner,
    and a name that must never show up in another workspace's answers."""

    workspace: Workspace
    api: ApiClient
    ids: dict[str, int]
    name: str


def call(api: ApiClient, method: str, path: str, body: Any, ids: dict[str, Any]) -> Response:
    """Send `method` to `path` with its `{placeholders}` filled from `ids`, and the body's
    values that are a whole `{placeholder}` too (a foreign id in a body is a case of its own)."""
    send = getattr(api, method)
    url = path.format(**ids)
    if body is None:
        return send(url)
    filled = {
        k: ids[v[1:-1]] if isinstance(v, str) and v[:1] == "{" and v[-1:] == "}" else v
        for k, v in body.items()
    }
    return send(url, filled)


def assert_not_found(response: Response, *, hidden: str) -> None:
    """A 404 problem that gives nothing of the other workspace away."""
    assert response.status_code == 404, response.content
    problem_fields(response)
    assert hidden not in response.content.decode()


def listed_ids(response: Response) -> set[int]:
    """The ids a list answered (a page's items, or a plain list)."""
    assert response.status_code == 200, response.content
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {item["id"] for item in items}


def assert_isolated(
    sides: tuple[World, World],
    method: str,
    path: str,
    body: Any,
    *,
    state: Callable[[Workspace], Any],
) -> None:
    """The looker calls `path` with the other world's ids: a 404 that shows nothing of it,
    and nothing of it (as `state` reads it) changed."""
    looker, other = sides
    before = state(other.workspace)
    response = call(looker.api, method, path, body, other.ids)
    assert_not_found(response, hidden=other.name)
    assert state(other.workspace) == before
