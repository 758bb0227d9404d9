"""The knowledge base: articles in Markdown, grouped in categories, internal or public."""

from django.conf import settings
from django.db import models

from rapport.core.models import WorkspaceScopedModel


class Category(WorkspaceScopedModel):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="kbcategory_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class ArticleVisibility(models.TextChoices):
    INTERNAL = "internal", "Internal (agents only)"
    PUBLIC = "public", "Public (portal)"


class Article(WorkspaceScopedModel):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    body_markdown = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ArticleStatus.choices, default="draft")
    visibility = models.CharField(
        max_length=10, choices=ArticleVisibility.choices, default="internal"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Denormalised from ArticleVote so lists and ranking need no join.
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="article_unique_slug")
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "visibility"], name="article_listed_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def helpful_votes(self) -> int:
        return self.helpful_yes + self.helpful_no

    @property
    def helpful_share(self) -> int | None:
        """Whole percent of the votes that said helpful; None before the first vote."""
        votes = self.helpful_votes
        return round(100 * self.helpful_yes / votes) if votes else None

    @property
    def is_public(self) -> bool:
        return (
            self.status == ArticleStatus.PUBLISHED and self.visibility == ArticleVisibility.PUBLIC
        )


class ArticleVote(WorkspaceScopedModel):
    """One "was this helpful" answer. `voter_key` names who voted ("user:12", "contact:7",
    or a portal session key), so the same voter counts once per article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    voter_key = models.CharField(max_length=100)
    helpful = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "voter_key"], name="articlevote_once")
        ]
