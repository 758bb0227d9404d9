"""Whole rows kept as JSON so that undoing a merge puts them back exactly: same id, same
timestamps, same values.

A row is written back the way Django loads fixtures (a raw save), so `auto_now` fields keep
their stored times. A foreign key whose target was deleted since is handled as the database
would have handled that deletion: a nullable `SET_NULL` reference is cleared, any other
makes the row not restorable (it would have been deleted with its target).
"""

import datetime as dt
from typing import Any

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

RowSnapshot = dict[str, Any]


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeps milliseconds only; a restored row must keep its microseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def row_snapshot(instance: models.Model) -> RowSnapshot:
    """The row's own columns (not its many-to-many links), JSON-ready with ExactJSONEncoder."""
    names = [f.name for f in instance._meta.local_fields if not f.primary_key]
    [data] = serializers.serialize("python", [instance], fields=names)
    return dict(data)


def _target_missing(field: models.ForeignKey, value: Any) -> bool:
    manager = field.related_model._base_manager  # type: ignore[union-attr]
    return not manager.filter(pk=value).exists()


def row_restore(snapshot: RowSnapshot) -> models.Model | None:
    """Write the row back with its id; None if a target it cannot live without is gone."""
    [restored] = serializers.deserialize("python", [snapshot])
    instance = restored.object
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey):
            continue
        value = getattr(instance, field.attname)
        if value is None or not _target_missing(field, value):
            continue
        if field.null and field.remote_field.on_delete is models.SET_NULL:
            setattr(instance, field.attname, None)
        else:
            return None
    restored.save()
    return instance
