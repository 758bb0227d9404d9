"""Demo records carry past creation dates, which `auto_now_add` would overwrite on insert."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models


@contextmanager
def keep_given_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk inserts keep the created_at/updated_at the demo sets (this process only)."""
    saved = []
    for model in model_classes:
        for name in ("created_at", "updated_at"):
            field = model._meta.get_field(name)
            saved.append((field, field.auto_now, field.auto_now_add))  # type: ignore[union-attr]
            field.auto_now = field.auto_now_add = False  # type: ignore[union-attr]
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add  # type: ignore[union-attr]
