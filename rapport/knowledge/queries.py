"""Reads on the knowledge base: search for the help centre, suggestions while a ticket is
written.

Both rank with one portable query (SQLite and PostgreSQL alike): for each term, whether the
title contains it and whether the body does. A title hit outranks any number of body hits,
then the body hits count, then how often readers found the article helpful.
"""

from functools import reduce
from operator import add, or_

from django.db.models import Case, F, Q, QuerySet, Value, When

from rapport.knowledge.keywords import keywords_of, words_of
from rapport.knowledge.models import Article, ArticleStatus, ArticleVisibility

SEARCH_TERMS_LIMIT = 10


def _listed(public_only: bool) -> QuerySet[Article]:
    qs = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    if public_only:
        qs = qs.filter(visibility=ArticleVisibility.PUBLIC)
    return qs


def _hits(field: str, terms: list[str]) -> Case | Value:
    whens = [
        Case(When(**{f"{field}__icontains": t}, then=Value(1)), default=Value(0)) for t in terms
    ]
    return reduce(add, whens) if whens else Value(0)


def _ranked(qs: QuerySet[Article], terms: list[str], *, match_all: bool) -> QuerySet[Article]:
    term_filters = [Q(title__icontains=t) | Q(body_markdown__icontains=t) for t in terms]
    if match_all:
        for term_filter in term_filters:
            qs = qs.filter(term_filter)
    else:
        qs = qs.filter(reduce(or_, term_filters))
    return (
        qs.annotate(
            title_hits=_hits("title", terms),
            body_hits=_hits("body_markdown", terms),
        )
        .select_related("category")
        .order_by("-title_hits", "-body_hits", "-helpful_yes", "title", "id")
    )


def article_search(*, q: str, public_only: bool, limit: int = 20) -> list[Article]:
    """Published articles containing every word of `q` (stop words aside), best first.
    `public_only` is for customers: internal articles are never returned to them."""
    terms = list(dict.fromkeys(words_of(q)))[:SEARCH_TERMS_LIMIT]
    if not terms:
        return []
    return list(_ranked(_listed(public_only), terms, match_all=True)[:limit])


def article_suggestions(*, text: str, public_only: bool, limit: int = 5) -> list[Article]:
    """Articles that may answer what is being written (a ticket's subject and body): any of
    its keywords may match; articles matching more of them, in the title first, come first."""
    terms = keywords_of(text)
    if not terms:
        return []
    return list(_ranked(_listed(public_only), terms, match_all=False)[:limit])


def articles_by_category(*, public_only: bool) -> list[tuple[str, list[Article]]]:
    """The published articles under their categories (in the categories' order, then by
    title), uncategorised last: the help centre's contents before anything is searched."""
    rows = (
        _listed(public_only)
        .select_related("category")
        .order_by(F("category__position").asc(nulls_last=True), "category__name", "title")
    )
    grouped: dict[str, list[Article]] = {}
    for article in rows:
        name = article.category.name if article.category else "Other articles"
        grouped.setdefault(name, []).append(article)
    return list(grouped.items())


def article_get(*, slug: str, public_only: bool) -> Article | None:
    """An article by its slug: published ones only, and public ones only for customers."""
    return _listed(public_only).select_related("category").filter(slug=slug).first()
