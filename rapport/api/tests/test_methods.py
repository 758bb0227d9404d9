"""HEAD answers as GET does, OPTIONS lists a path's methods, a wrong method is a 405 problem.

Each test walks every path of the OpenAPI document, so a new endpoint is held to it too; the
document itself lists only the declared operations.
"""

import re
from collections import defaultdict

import pytest
from django.test import Client

from rapport.api.testing import PREFIX, ApiClient, problem_fields, schema_operations
from rapport.contacts.tests.factories import make_contact

UNKNOWN_ID = "987654321"
# Methods a client may try on a path; each path lacks at least one of them.
WRITES = ("post", "put", "patch", "delete")


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


def _paths() -> dict[str, set[str]]:
    """Each documented path, its ids filled with an unknown one, and its methods."""
    methods: dict[str, set[str]] = defaultdict(set)
    for method, path in schema_operations("/"):
        methods[re.sub(r"\{\w+\}", UNKNOWN_ID, path)].add(method.upper())
    return methods


def _expected_allow(methods: set[str]) -> set[str]:
    return methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())


def _send(api: ApiClient, method: str, path: str):
    return getattr(api.client, method)(PREFIX + path, headers=api.headers)


def test_options_lists_each_paths_methods(api):
    paths = _paths()
    assert len(paths) > 60

    answers = {}
    for path, methods in paths.items():
        response = _send(api, "options", path)
        allow = set(response.get("Allow", "").split(", "))
        answers[path] = (response.status_code, allow, response.content)

    expected = {path: (204, _expected_allow(m), b"") for path, m in paths.items()}
    assert answers == expected


def test_options_needs_no_credentials(workspace):
    response = Client().options(f"{PREFIX}/contacts")

    assert response.status_code == 204
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_head_answers_each_get_with_its_status_and_headers_and_no_body(api):
    gets = [path for path, methods in _paths().items() if "GET" in methods]
    assert len(gets) > 40

    mismatches = {}
    for path in gets:
        get, head = _send(api, "get", path), _send(api, "head", path)
        seen = (head.status_code, head.get("Content-Type"), head.get("Content-Length"))
        expected = (get.status_code, get.get("Content-Type"), get.get("Content-Length"))
        if seen != expected or head.content:
            mismatches[path] = (seen, expected)

    assert mismatches == {}


def test_head_on_a_record_answers_its_length(api, workspace):
    contact = make_contact(workspace, first_name="Ann")
    get = api.get(f"/contacts/{contact.pk}")

    head = _send(api, "head", f"/contacts/{contact.pk}")

    assert head.status_code == 200
    assert head["Content-Length"] == str(len(get.content)) != "0"
    assert head["Content-Type"] == "application/json; charset=utf-8"
    assert head.content == b""


def test_head_without_credentials_is_a_401_with_its_challenge(workspace):
    response = Client().head(f"{PREFIX}/contacts")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.content == b""


def test_a_method_a_path_lacks_is_a_405_problem_with_allow(api):
    answers = {}
    expected = {}
    for path, methods in _paths().items():
        lacking = next(m for m in WRITES if m.upper() not in methods)
        response = _send(api, lacking, path)
        answers[(lacking, path)] = (response.status_code, set(response["Allow"].split(", ")))
        expected[(lacking, path)] = (405, _expected_allow(methods))
        problem_fields(response)

    assert answers == expected


def test_head_on_a_path_without_get_is_a_405(api):
    response = _send(api, "head", "/contacts/bulk")

    assert response.status_code == 405
    assert response["Allow"] == "OPTIONS, POST"
    assert response.content == b""


def test_the_openapi_document_declares_no_head_or_options(api):
    assert {method for method, _ in schema_operations("/")} <= {
        "get",
        "post",
        "put",
        "patch",
        "delete",
    }


def test_head_on_a_streamed_export_answers_its_headers_without_the_rows(api, workspace):
    make_contact(workspace, first_name="Ann")
    get = _send(api, "get", "/exports/contacts/csv")

    head = _send(api, "head", "/exports/contacts/csv")

    assert get.streaming and b"Ann" in b"".join(get.streaming_content)
    assert head.status_code == 200
    assert head["Content-Type"] == get["Content-Type"]
    assert head["Content-Disposition"] == get["Content-Disposition"]
    assert b"".join(head.streaming_content) == b""
