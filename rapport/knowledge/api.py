"""The knowledge base over `/api/v1/knowledge/`: categories, articles and suggestions.

`/knowledge/categories` lists and creates categories; `/knowledge/articles` lists (with
search and filters, cursor-paginated), creates, reads, changes and deletes articles, drafts
and internal ones included; `/knowledge/suggestions?text=` returns the published articles
that may answer a ticket being written.

An article read alone carries its Markdown and the HTML rendered from it, sanitised by the
same allow-list as the help centre, so a client may show `body_html` as is. Writes need the
write scope and deletion the delete scope.
"""

import datetime as dt
from functools import reduce
from operator import and_
from typing import Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rapport.api.permissions import DELETE, READ, WRITE, caller
from rapport.api.records import (
    PageOut,
    PageParams,
    PathId,
    PositiveInt32,
    QueryId,
    RecordId,
    WriteSchema,
    query_errors,
)
from rapport.core.pagination import Page, SortKey, paginate
from rapport.knowledge.keywords import words_of
from rapport.knowledge.models import Article, ArticleStatus, ArticleVisibility, Category
from rapport.knowledge.queries import SEARCH_TERMS_LIMIT, article_suggestions
from rapport.knowledge.rendering import render_markdown
from rapport.knowledge.services import (
    article_create,
    article_delete,
    article_update,
    category_create,
)

router = Router()
categories = Router(tags=["knowledge categories"])
articles = Router(tags=["knowledge articles"])

SORTS: dict[str, list[SortKey]] = {
    "-updated": [SortKey("updated_at", True)],
    "updated": [SortKey("updated_at", False)],
    "-created": [SortKey("created_at", True)],
    "created": [SortKey("created_at", False)],
    "title": [SortKey("title", False)],
}

# --- categories ----------------------------------------------------------------------------


class CategoryIn(WriteSchema):
    name: str
    position: PositiveInt32 = Field(0, description="categories are listed by position, then name")


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    position: int
    created_at: dt.datetime


@categories.get("", response=list[CategoryOut], auth=READ)
def list_categories(request: HttpRequest) -> list[Category]:
    return list(Category.objects.order_by("position", "name", "id"))


@categories.post("", response={201: CategoryOut}, auth=WRITE)
def create_category(request: HttpRequest, payload: CategoryIn) -> Status[Category]:
    """The slug follows the name, made unique in the workspace."""
    c = caller(request)
    data = payload.service_data()
    return Status(201, category_create(workspace=c.workspace, actor=c.actor, data=data))


# --- articles ------------------------------------------------------------------------------


class ArticleUpdate(WriteSchema):
    title: str | None = None
    slug: str | None = Field(None, description="lower-case letters, digits and hyphens")
    body_markdown: str | None = Field(
        None, description="CommonMark with tables; raw HTML is sanitised when rendered"
    )
    status: ArticleStatus | None = Field(None, description="publishing sets `published_at`")
    visibility: ArticleVisibility | None = Field(
        None, description="public articles are shown on the customer portal once published"
    )
    category_id: RecordId | None = Field(
        None, description="a category of the workspace; null for none"
    )


class ArticleCreate(ArticleUpdate):
    title: str
    slug: str | None = Field(None, description="follows the title when omitted")


class ArticleOut(Schema):
    id: int
    title: str
    slug: str
    status: ArticleStatus
    visibility: ArticleVisibility
    category_id: int | None
    author_id: int | None
    published_at: dt.datetime | None
    helpful_yes: int = Field(description='"was this helpful" answers: yes')
    helpful_no: int = Field(description='"was this helpful" answers: no')
    created_at: dt.datetime
    updated_at: dt.datetime


class ArticleDetailOut(ArticleOut):
    body_markdown: str
    body_html: str = Field(description="the Markdown rendered and sanitised: safe to show as is")

    @staticmethod
    def resolve_body_html(obj: Article) -> str:
        return str(render_markdown(obj.body_markdown))


class ArticleListParams(PageParams):
    q: str = Field("", description="articles whose title or body contains every word")
    status: ArticleStatus | None = None
    visibility: ArticleVisibility | None = None
    category_id: QueryId | None = None
    sort: Literal["-updated", "updated", "-created", "created", "title"] = Field(
        "-updated", description="updated, created or title; prefix - for newest first"
    )


class SuggestionParams(Schema):
    text: str = Field(..., min_length=1, max_length=20_000, description="what is being written")
    public_only: bool = Field(False, description="only articles a customer may read")
    limit: int = Field(5, ge=1, le=20)


def _article(article_id: int) -> Article:
    return Article.objects.get(pk=article_id)


def article_queryset(params: ArticleListParams) -> QuerySet[Article]:
    qs = Article.objects.all()
    if params.status is not None:
        qs = qs.filter(status=params.status)
    if params.visibility is not None:
        qs = qs.filter(visibility=params.visibility)
    if params.category_id is not None:
        qs = qs.filter(category_id=params.category_id)
    terms = list(dict.fromkeys(words_of(params.q)))[:SEARCH_TERMS_LIMIT]
    if terms:
        qs = qs.filter(
            reduce(and_, [Q(title__icontains=t) | Q(body_markdown__icontains=t) for t in terms])
        )
    elif params.q.strip():
        qs = qs.none()  # only stop words: nothing to match, as in the help centre's search
    return qs


@articles.get("", response=PageOut[ArticleOut], auth=READ)
def list_articles(request: HttpRequest, params: Query[ArticleListParams]) -> Page[Article]:
    """Every article of the workspace, drafts and internal ones included; without `body`."""
    with query_errors():
        return paginate(
            article_queryset(params),
            keys=SORTS[params.sort],
            cursor=params.cursor,
            limit=params.limit,
        )


@articles.post("", response={201: ArticleDetailOut}, auth=WRITE)
def create_article(request: HttpRequest, payload: ArticleCreate) -> Status[Article]:
    """A draft, internal article unless `status` and `visibility` say otherwise."""
    c = caller(request)
    article = article_create(workspace=c.workspace, actor=c.actor, data=payload.service_data())
    return Status(201, _article(article.pk))


@articles.get("/{int:article_id}", response=ArticleDetailOut, auth=READ)
def get_article(request: HttpRequest, article_id: PathId) -> Article:
    return _article(article_id)


@articles.patch("/{int:article_id}", response=ArticleDetailOut, auth=WRITE)
def update_article(request: HttpRequest, article_id: PathId, payload: ArticleUpdate) -> Article:
    """Only the fields sent change; back to draft clears `published_at`."""
    c = caller(request)
    article = _article(article_id)
    article_update(
        workspace=c.workspace, actor=c.actor, article=article, data=payload.service_data()
    )
    return _article(article.pk)


@articles.delete("/{int:article_id}", response={204: None}, auth=DELETE)
def delete_article(request: HttpRequest, article_id: PathId) -> Status[None]:
    c = caller(request)
    article_delete(workspace=c.workspace, actor=c.actor, article=_article(article_id))
    return Status(204, None)


@router.get("/suggestions", response=list[ArticleOut], auth=READ, tags=["knowledge articles"])
def suggest_articles(request: HttpRequest, params: Query[SuggestionParams]) -> list[Article]:
    """Published articles that may answer `text` (a ticket's subject and body), best first:
    those matching more of its keywords, in the title first."""
    return article_suggestions(text=params.text, public_only=params.public_only, limit=params.limit)


router.add_router("/categories", categories)
router.add_router("/articles", articles)
