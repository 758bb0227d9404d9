"""Deleting a list while another transaction is adding a use of it, on PostgreSQL: the delete
locks the list before it looks for uses, so it waits for the writer (who holds the list, as
every writer of a use does) and then sees the new use instead of deleting under it."""

import threading

import pytest
from django.db import connection, transaction

from rapport.marketing.models import Segment, StaticList
from rapport.marketing.services import (
    StaticListInUse,
    segment_create,
    static_list_create,
    static_list_delete,
)
from rapport.marketing.tests.factories import group
from rapport.tenancy.access import workspace_scope

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks"),
]


def test_a_segment_saved_while_the_delete_waits_keeps_its_list(workspace, owner):
    with workspace_scope(workspace):
        fair = static_list_create(workspace=workspace, actor=owner, data={"name": "Fair"})
    outcome: dict[str, object] = {}

    def delete() -> None:
        try:
            with workspace_scope(workspace):
                static_list_delete(workspace=workspace, actor=owner, static_list=fair)
            outcome["deleted"] = True
        except StaticListInUse as exc:
            outcome["refused"] = exc.as_dict()["static_list"][0]
        finally:
            connection.close()

    worker = threading.Thread(target=delete)
    with workspace_scope(workspace), transaction.atomic():
        definition = group({"type": "static_list", "op": "on", "list_id": fair.pk})
        segment_create(
            workspace=workspace, actor=owner, data={"name": "At the fair", "definition": definition}
        )
        worker.start()
        worker.join(0.5)
        waited = worker.is_alive()  # the segment's transaction holds the list
    worker.join(10)

    assert waited
    assert outcome == {"refused": "is used by segment “At the fair”: change them first"}
    with workspace_scope(workspace):
        assert StaticList.objects.filter(pk=fair.pk).exists()
        assert Segment.objects.count() == 1
