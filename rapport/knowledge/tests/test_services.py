import pytest

from rapport.audit.models import AuditEntry
from rapport.core.errors import ServiceValidationError
from rapport.knowledge.models import Article, ArticleVote
from rapport.knowledge.services import (
    article_create,
    article_delete,
    article_update,
    article_vote,
    category_create,
)
from rapport.knowledge.tests.factories import make_article
from rapport.tenancy.access import workspace_scope


def test_it_creates_an_article_in_a_category_with_an_audit_entry(scoped, owner):
    billing = category_create(workspace=scoped, actor=owner, data={"name": "Billing & Plans"})
    article = article_create(
        workspace=scoped,
        actor=owner,
        data={
            "title": "Change your plan",
            "body_markdown": "Go to *Billing*.",
            "category_id": billing.pk,
        },
    )
    assert billing.slug == "billing-plans"
    assert article.slug == "change-your-plan"
    assert (article.status, article.visibility) == ("draft", "internal")
    assert article.author == owner and article.published_at is None
    entry = AuditEntry.objects.get(entity="knowledge.article", object_id=article.pk)
    assert entry.action == "create" and entry.changes["title"] == [None, "Change your plan"]


def test_it_names_every_bad_field(scoped, owner):
    with pytest.raises(ServiceValidationError) as exc:
        article_create(
            workspace=scoped,
            actor=owner,
            data={"status": "live", "visibility": "secret", "category_id": 999, "colour": "red"},
        )
    assert set(exc.value.as_dict()) == {"title", "status", "visibility", "category_id", "colour"}
    assert not Article.objects.exists()


def test_slugs_are_unique_per_workspace(scoped, owner, other_workspace):
    first = make_article(scoped, owner, title="Export data")
    second = make_article(scoped, owner, title="Export data")
    elsewhere = make_article(other_workspace, None, title="Export data")
    assert (first.slug, second.slug, elsewhere.slug) == (
        "export-data",
        "export-data-2",
        "export-data",
    )
    with pytest.raises(ServiceValidationError) as exc:
        article_create(workspace=scoped, actor=owner, data={"title": "X", "slug": "export-data"})
    assert "slug" in exc.value.as_dict()


def test_publishing_stamps_the_time_and_unpublishing_clears_it(scoped, owner):
    article = make_article(scoped, owner, status="draft")
    article_update(workspace=scoped, actor=owner, article=article, data={"status": "published"})
    assert article.published_at is not None
    article_update(workspace=scoped, actor=owner, article=article, data={"status": "draft"})
    assert article.published_at is None
    changes = AuditEntry.objects.filter(entity="knowledge.article", action="update")
    assert [e.changes["status"] for e in changes.order_by("id")] == [
        ["draft", "published"],
        ["published", "draft"],
    ]


def test_an_update_cannot_empty_the_title(scoped, owner):
    article = make_article(scoped, owner)
    with pytest.raises(ServiceValidationError) as exc:
        article_update(workspace=scoped, actor=owner, article=article, data={"title": "  "})
    assert exc.value.as_dict() == {"title": ["is required"]}


def test_it_deletes_with_an_audit_entry(scoped, owner):
    article = make_article(scoped, owner)
    article_id = article.pk
    article_delete(workspace=scoped, actor=owner, article=article)
    assert not Article.objects.filter(pk=article_id).exists()
    assert AuditEntry.objects.filter(
        entity="knowledge.article", object_id=article_id, action="delete"
    ).exists()


def test_a_voter_counts_once_per_article(scoped, owner):
    article = make_article(scoped, owner)
    for _ in range(3):
        article_vote(workspace=scoped, article=article, voter_key="contact:1", helpful=True)
    article_vote(workspace=scoped, article=article, voter_key="user:2", helpful=True)
    article_vote(workspace=scoped, article=article, voter_key="user:3", helpful=False)
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (2, 1)
    assert ArticleVote.objects.count() == 3


def test_a_voter_can_change_their_mind(scoped, owner):
    article = make_article(scoped, owner)
    article_vote(workspace=scoped, article=article, voter_key="contact:1", helpful=True)
    article_vote(workspace=scoped, article=article, voter_key="contact:1", helpful=False)
    assert (article.helpful_yes, article.helpful_no) == (0, 1)


def test_drafts_take_no_votes_and_voters_need_a_key(scoped, owner):
    draft = make_article(scoped, owner, status="draft")
    with pytest.raises(ServiceValidationError):
        article_vote(workspace=scoped, article=draft, voter_key="user:1", helpful=True)
    published = make_article(scoped, owner)
    with pytest.raises(ServiceValidationError) as exc:
        article_vote(workspace=scoped, article=published, voter_key=" ", helpful=True)
    assert "voter_key" in exc.value.as_dict()
    assert not ArticleVote.objects.exists()


def test_a_category_of_another_workspace_cannot_be_used(workspace, owner, other_workspace):
    with workspace_scope(other_workspace):
        foreign = category_create(workspace=other_workspace, actor=None, data={"name": "Theirs"})
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as exc:
        article_create(
            workspace=workspace, actor=owner, data={"title": "Mine", "category_id": foreign.pk}
        )
    assert exc.value.as_dict() == {"category_id": ["no such category"]}
