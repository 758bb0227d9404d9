"""A user's saved list views: a name for a set of list filters and a sort.

A saved view is a personal preference, not customer data, so it is not audited. Reads and
writes run inside the workspace scope, and a user only ever sees and deletes their own.
"""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from rapport.contacts.models import SavedView
from rapport.core.errors import ServiceValidationError
from rapport.core.model_rows import rows_where
from rapport.tenancy.data_version import data_changed
from rapport.tenancy.models import Workspace

# The lists whose views can be saved (the entity names the list views pass).
SAVED_VIEW_LISTS = ("contact", "company", "ticket")


def saved_views_for(*, user: Any, entity: str) -> QuerySet[SavedView]:
    return SavedView.objects.filter(user=user, entity=entity)


def saved_views_list(*, workspace: Workspace, user: Any, entity: str) -> list[SavedView]:
    """`saved_views_for`'s views as a list, read by a statement written once
    (`core.model_rows`): the contact and company lists show them on every page, and the ORM
    spent more Python building and compiling that query than the database spends on it."""
    where = {"workspace_id": workspace.pk, "user_id": user.pk, "entity": entity}
    return rows_where(SavedView, where, ("name",))


def saved_view_get(*, user: Any, saved_view_id: int) -> SavedView:
    return SavedView.objects.get(user=user, pk=saved_view_id)


def saved_view_create(
    *, workspace: Workspace, user: Any, entity: str, name: str, params: dict[str, str]
) -> SavedView:
    name = name.strip()
    if not name:
        raise ServiceValidationError.single("name", "is required")
    if entity not in SAVED_VIEW_LISTS:
        raise ServiceValidationError.single("entity", "is not a list")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
        raise ServiceValidationError.single("params", "must map names to text")
    # Saving under an existing name replaces that view: the name is how the user finds it.
    with transaction.atomic():
        view, _ = SavedView.objects.update_or_create(
            workspace=workspace,
            user=user,
            entity=entity,
            name=name[:80],
            defaults={"params": params},
        )
        data_changed(workspace_id=workspace.pk)  # the list pages keep each user's saved views
    return view


def saved_view_delete(*, saved_view: SavedView) -> None:
    with transaction.atomic():
        saved_view.delete()
        data_changed(workspace_id=saved_view.workspace_id)
