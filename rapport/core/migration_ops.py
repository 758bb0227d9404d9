"""Migration operations shared by apps."""

from typing import Any

from django.db import migrations


def key_index_dropped(
    *, model_name: str, name: str, field: Any, table: str, column: str, index: str
) -> migrations.SeparateDatabaseAndState:
    """A foreign key's own index dropped (`db_index=False`) with its constraint left as it is.

    Django's `AlterField` would drop and re-add the constraint too, which on a large table
    re-checks every row under a lock; the index is all that changes. `DROP INDEX IF EXISTS`
    and `CREATE INDEX` read the same on PostgreSQL and SQLite (the index name is Django's,
    the same on both)."""
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{index}"',
                reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
            )
        ],
    )
