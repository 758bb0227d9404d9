"""The 409 of a create with `check_duplicates` is documented from the schema its body is
built with (`LikelyDuplicatesOut`), not from a hand-written copy: the document and the body
cannot drift apart."""

from django.test import Client

from rapport.api.testing import ApiClient
from rapport.dedupe.api import LikelyDuplicatesOut
from rapport.dedupe.tests import test_api

planted = test_api.planted


def test_the_409s_body_is_what_the_document_describes(workspace, member, planted):
    api = ApiClient.with_token(member, workspace)
    schema = Client().get("/api/v1/openapi.json").json()

    refused = api.post("/contacts?check_duplicates=true", {"emails": ["ann@acme.io"]})

    assert refused.status_code == 409
    body = LikelyDuplicatesOut.model_validate(refused.json())
    assert [c.id for c in body.candidates] == [planted["ann"].pk, planted["anne"].pk]
    for path in ("/api/v1/contacts", "/api/v1/companies"):
        answer = schema["paths"][path]["post"]["responses"]["409"]["content"]
        problem, own = answer["application/problem+json"]["schema"]["allOf"]
        assert problem == {"$ref": "#/components/schemas/Problem"}
        assert own["required"] == ["candidates"]
        item = own["properties"]["candidates"]["items"]
        assert item["required"] == ["id", "name"]
        assert {k: v["type"] for k, v in item["properties"].items()} == {
            "id": "integer",
            "name": "string",
        }
        assert all(set(c) == set(item["properties"]) for c in refused.json()["candidates"])
