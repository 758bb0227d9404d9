import re

from django.contrib.staticfiles import finders
from django.test import Client
from ninja.openapi.schema import OpenAPISchema

from rapport.api.router import api


def test_it_serves_an_openapi_3_schema_at_a_stable_url(db):
    schema = Client().get("/api/v1/openapi.json").json()

    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Rapport API"
    for path in (
        "/api/v1/contacts",
        "/api/v1/contacts/bulk",
        "/api/v1/contacts/{contact_id}",
        "/api/v1/companies",
        "/api/v1/companies/bulk",
        "/api/v1/activities",
        "/api/v1/tags",
        "/api/v1/custom-fields",
        "/api/v1/me",
        "/api/v1/me/tokens",
    ):
        assert path in schema["paths"], path


def test_the_schema_documents_both_ways_to_authenticate(db):
    schema = Client().get("/api/v1/openapi.json").json()

    schemes = schema["components"]["securitySchemes"].values()
    assert {"type": "http", "scheme": "bearer"} in schemes
    assert any(s["type"] == "apiKey" and s["in"] == "cookie" for s in schemes)


def test_bulk_items_are_documented_with_the_record_schema(db):
    schema = Client().get("/api/v1/openapi.json").json()

    body = schema["paths"]["/api/v1/contacts/bulk"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    items = schema["components"]["schemas"][ref]["properties"]["items"]
    assert items["maxItems"] == 1000
    assert {"id", "first_name", "emails", "custom_fields"} <= items["items"]["properties"].keys()


def test_the_docs_page_works_offline(db):
    html = Client().get("/api/v1/docs").content.decode()

    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for url in assets:
        assert url.startswith("/static/"), f"{url} is not served by Rapport itself"
        assert finders.find(url.removeprefix("/static/")), f"{url} is missing"
    assert "swagger-ui-bundle.js" in html


FOUNDATION = ("/contacts", "/companies", "/activities", "/tags", "/custom-fields", "/me")


def _foundation_operations(schema):
    for path, operations in schema["paths"].items():
        if path.removeprefix("/api/v1").startswith(FOUNDATION):
            for method, operation in operations.items():
                yield f"{method.upper()} {path}", path, operation


def test_every_parameter_of_the_foundation_api_is_described(db):
    schema = Client().get("/api/v1/openapi.json").json()

    undescribed = [
        f"{name}: {p['name']}"
        for name, _, operation in _foundation_operations(schema)
        for p in operation.get("parameters", [])
        if not p.get("description")
    ]

    assert undescribed == []


def test_the_schema_documents_each_problem_an_operation_can_answer(db):
    schema = Client().get("/api/v1/openapi.json").json()

    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "errors"}
    for name, path, operation in _foundation_operations(schema):
        expected = {"401", "403"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "415", "422"}
        assert expected <= operation["responses"].keys(), name
        for code in expected:
            content = operation["responses"][code]["content"]
            assert content["application/problem+json"]["schema"]["$ref"].endswith("/Problem")


def test_no_two_schemas_share_a_component_name(db, monkeypatch):
    # Ninja files every model under its class name, the last one written winning: two
    # `BulkOut`s documented the contacts bulk with the tickets bulk's answer.
    added: dict[str, list[dict]] = {}
    add = OpenAPISchema.add_schema_definitions

    def recording(self, definitions):
        for name, definition in definitions.items():
            if definition not in added.setdefault(name, []):
                added[name].append(definition)
        add(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", recording)
    api.get_openapi_schema()

    assert [name for name, definitions in added.items() if len(definitions) > 1] == []


def test_the_record_bulks_document_their_own_answer(db):
    schema = Client().get("/api/v1/openapi.json").json()

    for path in ("/api/v1/contacts/bulk", "/api/v1/companies/bulk", "/api/v1/sales/orders/bulk"):
        answer = schema["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]
        ref = answer["schema"]["$ref"].rsplit("/", 1)[-1]
        properties = schema["components"]["schemas"][ref]["properties"]
        assert {"created", "updated", "failed", "results"} == properties.keys(), path
