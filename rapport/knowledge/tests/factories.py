from typing import Any

from rapport.knowledge.models import Article
from rapport.knowledge.services import article_create
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


def make_article(workspace: Workspace, actor: Any = None, **data: Any) -> Article:
    data.setdefault("title", "How to reset your password")
    data.setdefault("body_markdown", "Open **Settings**.")
    data.setdefault("status", "published")
    data.setdefault("visibility", "public")
    with workspace_scope(workspace):
        return article_create(workspace=workspace, actor=actor, data=data)
