"""The knowledge base over the API, two workspaces and the viewer role: nobody sees, finds or
changes another workspace's categories or articles, and a viewer changes nothing.

The tables below name every `/knowledge/` operation; tests check them against the OpenAPI
schema, so a new knowledge endpoint without an isolation case and, for a write, a viewer case
fails here.
"""

from typing import Any

import pytest

from rapport.api.testing import (
    ApiClient,
    World,
    assert_isolated,
    call,
    listed_ids,
    problem_fields,
    schema_operations,
)
from rapport.audit.models import AuditEntry
from rapport.knowledge.models import Article, Category
from rapport.knowledge.services import category_create
from rapport.knowledge.tests.factories import make_article
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

PREFIX = "/knowledge/"


def world(workspace: Workspace, user: Any, *, name: str) -> World:
    with workspace_scope(workspace):
        category = category_create(workspace=workspace, actor=user, data={"name": f"{name} FAQ"})
    article = make_article(
        workspace,
        user,
        title=f"{name} printer troubleshooting",
        body_markdown=f"Turn the {name} printer off and on.",
        category_id=category.pk,
    )
    ids = {"category_id": category.pk, "article_id": article.pk}
    return World(workspace, ApiClient.with_token(user, workspace), ids, name)


def _state(workspace: Workspace) -> tuple[Any, ...]:
    with workspace_scope(workspace):
        return (
            list(Category.objects.values_list("id", "name", "slug", "position")),
            list(
                Article.objects.values_list(
                    "id", "title", "slug", "body_markdown", "status", "category_id", "updated_at"
                )
            ),
            AuditEntry.objects.count(),
        )


RECORD_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/knowledge/articles/{article_id}", None),
    ("patch", "/knowledge/articles/{article_id}", {"title": "Hijacked"}),
    ("delete", "/knowledge/articles/{article_id}", None),
]
COLLECTION_CALLS = {
    ("get", "/knowledge/categories"),
    ("post", "/knowledge/categories"),
    ("get", "/knowledge/articles"),
    ("post", "/knowledge/articles"),
    ("get", "/knowledge/suggestions"),
}


def test_every_knowledge_operation_has_an_isolation_case(db):
    covered = {(method, path) for method, path, _ in RECORD_CALLS} | COLLECTION_CALLS

    assert schema_operations(PREFIX) == covered


@pytest.mark.parametrize(("method", "path", "body"), RECORD_CALLS)
def test_another_workspaces_article_is_not_found(sides, method, path, body):
    assert_isolated(sides, method, path, body, state=_state)


@pytest.mark.parametrize(
    ("path", "params", "key"),
    [
        ("/knowledge/categories", {}, "category_id"),
        ("/knowledge/articles", {}, "article_id"),
        ("/knowledge/articles", {"q": "printer"}, "article_id"),
        ("/knowledge/suggestions", {"text": "my printer is broken"}, "article_id"),
    ],
)
def test_lists_show_only_the_callers_own_records(sides, path, params, key):
    looker, _ = sides

    assert listed_ids(looker.api.get(path, params)) == {looker.ids[key]}


def test_searching_for_another_workspaces_words_finds_nothing(sides):
    looker, other = sides

    assert listed_ids(looker.api.get("/knowledge/articles", {"q": other.name})) == set()
    assert listed_ids(looker.api.get("/knowledge/suggestions", {"text": other.name})) == set()
    assert (
        listed_ids(looker.api.get("/knowledge/articles", {"category_id": other.ids["category_id"]}))
        == set()
    )


def test_an_article_cannot_be_filed_in_another_workspaces_category(sides):
    looker, other = sides
    before = _state(other.workspace)

    created = looker.api.post(
        "/knowledge/articles", {"title": "Sneaky", "category_id": other.ids["category_id"]}
    )
    moved = looker.api.patch(
        f"/knowledge/articles/{looker.ids['article_id']}",
        {"category_id": other.ids["category_id"]},
    )

    assert created.status_code == moved.status_code == 422
    assert set(problem_fields(created)) == set(problem_fields(moved)) == {"category_id"}
    assert _state(other.workspace) == before


def test_a_slug_taken_in_another_workspace_is_free_here(sides):
    looker, other = sides
    with workspace_scope(other.workspace):
        their_slug = Article.objects.get(pk=other.ids["article_id"]).slug

    response = looker.api.post("/knowledge/articles", {"title": "Same", "slug": their_slug})

    assert response.status_code == 201, response.content
    assert response.json()["slug"] == their_slug


# --- roles ---------------------------------------------------------------------------------

WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("post", "/knowledge/categories", {"name": "Eve"}),
    ("post", "/knowledge/articles", {"title": "Eve", "body_markdown": "Eve was here"}),
    ("patch", "/knowledge/articles/{article_id}", {"title": "Eve"}),
    ("delete", "/knowledge/articles/{article_id}", None),
]


def test_every_knowledge_write_has_a_viewer_case(db):
    writes = {(m, p) for m, p in schema_operations(PREFIX) if m != "get"}

    assert writes == {(m, p) for m, p, _ in WRITES}


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_viewer_cannot_write_the_knowledge_base(ours, viewer, method, path, body):
    before = _state(ours.workspace)
    api = ApiClient.with_token(viewer, ours.workspace)

    response = call(api, method, path, body, ours.ids)

    assert response.status_code == 403, response.content
    problem_fields(response)
    assert _state(ours.workspace) == before


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/knowledge/categories", {}),
        ("/knowledge/articles", {}),
        ("/knowledge/articles/{article_id}", {}),
        ("/knowledge/suggestions", {"text": "printer"}),
    ],
)
def test_a_viewer_reads(ours, viewer, path, params):
    api = ApiClient.with_token(viewer, ours.workspace)

    assert api.get(path.format(**ours.ids), params).status_code == 200


def test_a_member_writes_articles_but_does_not_delete_them(ours, member):
    api = ApiClient.with_token(member, ours.workspace)
    article = f"/knowledge/articles/{ours.ids['article_id']}"

    edited = api.patch(article, {"title": "Better title"})
    before = _state(ours.workspace)
    deleted = api.delete(article)

    assert edited.status_code == 200, edited.content
    assert deleted.status_code == 403
    assert _state(ours.workspace) == before
