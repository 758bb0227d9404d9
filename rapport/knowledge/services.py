"""Writes on knowledge-base categories, articles and "was this helpful" votes."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record, diff, snapshot
from rapport.contacts.services import Actor, Data, _Collector, _text, _unknown_keys
from rapport.core.errors import ServiceValidationError
from rapport.core.models import position_clean
from rapport.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleVisibility,
    ArticleVote,
    Category,
)
from rapport.tenancy.models import Workspace

ARTICLE_FIELDS = ["title", "slug", "body_markdown", "status", "visibility", "category_id"]
ARTICLE_AUDITED = ["title", "slug", "status", "visibility", "category", "body_markdown"]
BODY_LIMIT = 200_000
VOTER_KEY_LIMIT = 100


def _audit(workspace: Workspace, actor: Actor, action: str, obj: Any, changes: dict) -> None:
    audit_record(
        workspace_id=workspace.pk, actor=actor, action=action, instance=obj, changes=changes
    )


def _free_slug(model: type[Article] | type[Category], base: str, exclude_pk: int | None) -> str:
    """`base`, or `base-2`, `base-3`… whichever is not taken in the active workspace."""
    taken = set(
        model.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base[: 200 - len(str(n))]}-{n}"
    return slug


def category_create(*, workspace: Workspace, actor: Actor, data: Data) -> Category:
    c = _Collector()
    _unknown_keys(data, ["name", "position"], c)
    name = _text(data, "name", 100, c) if "name" in data else ""
    if name == "":
        c.add("name", "is required")
    position = c.run(lambda: position_clean(data.get("position", 0)))
    c.raise_if_any()
    assert name is not None  # _text gives None only with an error recorded
    with transaction.atomic():
        category = Category.objects.create(
            workspace=workspace,
            name=name,
            slug=_free_slug(Category, slugify(name)[:110] or "category", None),
            position=position,
        )
        _audit(
            workspace,
            actor,
            AuditAction.CREATE,
            category,
            diff({}, snapshot(category, ["name", "slug", "position"])),
        )
    return category


def _article_clean(*, data: Data, article: Article | None) -> Data:
    c = _Collector()
    _unknown_keys(data, ARTICLE_FIELDS, c)
    clean: Data = {}
    for name, limit in (("title", 200), ("body_markdown", BODY_LIMIT)):
        if name in data:
            clean[name] = _text(data, name, limit, c)
    if clean.get("title", "" if article is None else None) == "":
        c.add("title", "is required")
    if data.get("slug"):
        slug = str(data["slug"]).strip()
        if slugify(slug) != slug or len(slug) > 200:
            c.add("slug", "use lower-case letters, digits and hyphens (at most 200)")
        elif Article.objects.filter(slug=slug).exclude(pk=getattr(article, "pk", None)).exists():
            c.add("slug", f"'{slug}' is used by another article")
        else:
            clean["slug"] = slug
    for name, choices in (("status", ArticleStatus), ("visibility", ArticleVisibility)):
        if name in data:
            if data[name] not in choices.values:
                c.add(name, f"must be one of {', '.join(choices.values)}")
            else:
                clean[name] = data[name]
    if "category_id" in data:
        category = None
        if data["category_id"] is not None:
            category = Category.objects.filter(pk=data["category_id"]).first()
            if category is None:
                c.add("category_id", "no such category")
        clean["category"] = category
    c.raise_if_any()
    return clean


def article_create(*, workspace: Workspace, actor: Actor, data: Data) -> Article:
    """A new article, a draft unless `status` says otherwise; the slug follows the title
    (made unique) when none is given."""
    clean = _article_clean(data=data, article=None)
    with transaction.atomic():
        article = Article(workspace=workspace, **clean)
        article.author_id = actor.pk if isinstance(actor, AbstractBaseUser) else None
        if not article.slug:
            article.slug = _free_slug(Article, slugify(article.title)[:200] or "article", None)
        if article.status == ArticleStatus.PUBLISHED:
            article.published_at = timezone.now()
        article.save()
        _audit(
            workspace,
            actor,
            AuditAction.CREATE,
            article,
            diff({}, {k: v for k, v in snapshot(article, ARTICLE_AUDITED).items() if v}),
        )
    return article


def article_update(*, workspace: Workspace, actor: Actor, article: Article, data: Data) -> Article:
    clean = _article_clean(data=data, article=article)
    with transaction.atomic():
        before = snapshot(article, ARTICLE_AUDITED)
        for name, value in clean.items():
            setattr(article, name, value)
        if article.status == ArticleStatus.PUBLISHED and article.published_at is None:
            article.published_at = timezone.now()
        elif article.status == ArticleStatus.DRAFT:
            article.published_at = None
        article.save()
        _audit(
            workspace,
            actor,
            AuditAction.UPDATE,
            article,
            diff(before, snapshot(article, ARTICLE_AUDITED)),
        )
    return article


def article_delete(*, workspace: Workspace, actor: Actor, article: Article) -> None:
    with transaction.atomic():
        _audit(
            workspace,
            actor,
            AuditAction.DELETE,
            article,
            diff(snapshot(article, ARTICLE_AUDITED), {}),
        )
        article.delete()


def article_vote(
    *, workspace: Workspace, article: Article, voter_key: str, helpful: bool
) -> Article:
    """Record "was this helpful". A voter counts once per article: voting again the same way
    changes nothing, voting the other way moves their vote. Only published articles take
    votes. Votes are not audited: they are anonymous feedback, not a change to the record.

    The article row is locked first so two votes of one voter cannot both be counted.
    """
    voter_key = (voter_key or "").strip()
    if not voter_key or len(voter_key) > VOTER_KEY_LIMIT:
        raise ServiceValidationError.single("voter_key", f"1 to {VOTER_KEY_LIMIT} characters")
    if not isinstance(helpful, bool):
        raise ServiceValidationError.single("helpful", "must be true or false")
    if article.status != ArticleStatus.PUBLISHED:
        raise ServiceValidationError.single("article", "only published articles take votes")
    counter = {True: "helpful_yes", False: "helpful_no"}
    with transaction.atomic():
        Article.objects.select_for_update().filter(pk=article.pk).values_list("pk").first()
        vote = ArticleVote.objects.filter(article=article, voter_key=voter_key).first()
        if vote is not None and vote.helpful == helpful:
            article.refresh_from_db(fields=["helpful_yes", "helpful_no"])
            return article
        changes: dict[str, Any] = {counter[helpful]: F(counter[helpful]) + 1}
        if vote is None:
            ArticleVote.objects.create(
                workspace=workspace, article=article, voter_key=voter_key, helpful=helpful
            )
        else:
            changes[counter[vote.helpful]] = F(counter[vote.helpful]) - 1
            vote.helpful = helpful
            vote.save(update_fields=["helpful", "updated_at"])
        Article.objects.filter(pk=article.pk).update(**changes)
        article.refresh_from_db(fields=["helpful_yes", "helpful_no"])
    return article
