"""The knowledge base over `/api/v1/knowledge/`, as the owner of one workspace."""

import pytest

from rapport.api.testing import ApiClient, problem_fields
from rapport.knowledge.models import Article
from rapport.knowledge.tests.factories import make_article
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def api(workspace, owner) -> ApiClient:
    return ApiClient.with_token(owner, workspace)


def test_an_article_is_created_as_an_internal_draft_with_safe_html(api, owner):
    markdown = "Hello <script>alert('x')</script> **world** <a href=\"javascript:evil()\">a</a>"

    response = api.post(
        "/knowledge/articles", {"title": "Reset a password", "body_markdown": markdown}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "reset-a-password"
    assert (body["status"], body["visibility"], body["published_at"]) == ("draft", "internal", None)
    assert body["author_id"] == owner.pk
    assert body["body_markdown"] == markdown
    html = body["body_html"]
    assert "<strong>world</strong>" in html
    assert "<script" not in html.lower() and "alert(" not in html
    assert "javascript:" not in html


def test_reading_an_article_renders_its_markdown_safely(api, workspace):
    article = make_article(
        workspace,
        body_markdown=(
            "# Steps\n\n<script>steal()</script>\n\n<img src=x onerror=steal()>\n\n1. Open"
        ),
    )

    body = api.get(f"/knowledge/articles/{article.pk}").json()

    assert "<h1>Steps</h1>" in body["body_html"]
    assert "<li>Open</li>" in body["body_html"]
    assert "steal()" not in body["body_html"]
    assert "<script>steal()</script>" in body["body_markdown"]


def test_bad_fields_are_named(api, workspace):
    typed = api.post("/knowledge/articles", {"title": "T", "status": "gone", "colour": "red"})
    meaning = api.post("/knowledge/articles", {"title": "  ", "slug": "Not A Slug"})
    category = api.post("/knowledge/categories", {"name": "FAQ", "position": -1})

    assert typed.status_code == meaning.status_code == category.status_code == 422
    assert set(problem_fields(typed)) == {"status", "colour"}
    assert set(problem_fields(meaning)) == {"title", "slug"}
    assert set(problem_fields(category)) == {"position"}
    with workspace_scope(workspace):
        assert not Article.objects.exists()


def test_a_taken_slug_is_refused(api, workspace):
    make_article(workspace, slug="reset")

    response = api.post("/knowledge/articles", {"title": "Other", "slug": "reset"})

    assert problem_fields(response) == {"slug": "'reset' is used by another article"}


def test_categories_are_created_and_listed_by_position(api):
    second = api.post("/knowledge/categories", {"name": "Billing", "position": 2})
    first = api.post("/knowledge/categories", {"name": "Getting started", "position": 1})

    assert second.status_code == first.status_code == 201
    assert first.json()["slug"] == "getting-started"
    listed = api.get("/knowledge/categories").json()
    assert [c["name"] for c in listed] == ["Getting started", "Billing"]


def test_patch_changes_only_what_is_sent_and_publishing_stamps_the_time(api, workspace):
    article = make_article(workspace, status="draft", body_markdown="Keep me")
    category = api.post("/knowledge/categories", {"name": "FAQ"}).json()

    published = api.patch(
        f"/knowledge/articles/{article.pk}",
        {"status": "published", "visibility": "public", "category_id": category["id"]},
    )
    uncategorised = api.patch(f"/knowledge/articles/{article.pk}", {"category_id": None})

    assert published.status_code == 200, published.content
    body = published.json()
    assert body["published_at"] is not None
    assert (body["visibility"], body["category_id"]) == ("public", category["id"])
    assert body["body_markdown"] == "Keep me"
    assert uncategorised.json()["category_id"] is None


def test_delete_removes_the_article(api, workspace):
    article = make_article(workspace)

    deleted = api.delete(f"/knowledge/articles/{article.pk}")

    assert deleted.status_code == 204
    assert api.get(f"/knowledge/articles/{article.pk}").status_code == 404
    with workspace_scope(workspace):
        assert not Article.objects.filter(pk=article.pk).exists()


def test_the_list_searches_filters_and_pages(api, workspace):
    printer = make_article(workspace, title="Printer jams", body_markdown="Open the tray")
    draft = make_article(workspace, title="Printer drivers", status="draft")
    internal = make_article(workspace, title="Refunds", visibility="internal")

    def ids(params):
        response = api.get("/knowledge/articles", params)
        assert response.status_code == 200, response.content
        return [a["id"] for a in response.json()["items"]]

    assert set(ids({"q": "printer"})) == {printer.pk, draft.pk}
    assert ids({"q": "printer tray"}) == [printer.pk]
    assert ids({"q": "the"}) == []
    assert set(ids({"status": "published"})) == {printer.pk, internal.pk}
    assert ids({"visibility": "internal", "status": "published"}) == [internal.pk]
    assert ids({"sort": "title"}) == [draft.pk, printer.pk, internal.pk]

    first = api.get("/knowledge/articles", {"sort": "title", "limit": 2}).json()
    second = api.get(
        "/knowledge/articles", {"sort": "title", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [a["id"] for a in first["items"]] == [draft.pk, printer.pk]
    assert [a["id"] for a in second["items"]] == [internal.pk]
    assert second["next_cursor"] is None
    assert "body_markdown" not in first["items"][0]


def test_bad_list_parameters_are_a_400_naming_them(api):
    cursor = api.get("/knowledge/articles", {"cursor": "garbage"})
    status = api.get("/knowledge/articles", {"status": "gone", "limit": 0})

    assert cursor.status_code == status.status_code == 400
    assert set(problem_fields(cursor)) == {"cursor"}
    assert set(problem_fields(status)) == {"status", "limit"}


def test_suggestions_match_the_text_and_can_be_limited_to_public_articles(api, workspace):
    public = make_article(workspace, title="Printer jams", visibility="public")
    internal = make_article(workspace, title="Printer firmware", visibility="internal")
    make_article(workspace, title="Printer toner", status="draft")
    make_article(workspace, title="Refunds")

    text = "My printer jams every morning"
    everyone = api.get("/knowledge/suggestions", {"text": text}).json()
    customers = api.get("/knowledge/suggestions", {"text": text, "public_only": True}).json()
    missing = api.get("/knowledge/suggestions")

    assert [a["id"] for a in everyone] == [public.pk, internal.pk]
    assert [a["id"] for a in customers] == [public.pk]
    assert missing.status_code == 400
    assert set(problem_fields(missing)) == {"text"}
