"""A full-text GIN index on the conversation's text, for ticket search on PostgreSQL.

The expression is the one `queries.messages_saying` filters by (Django's SearchVector with
the `simple` configuration), so the planner can use it. Other databases (SQLite in
development and tests) get nothing: their search stays a substring scan.
"""

from django.db import migrations

INDEX = "ticketmessage_body_fts_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON service_ticketmessage "
            "USING gin (to_tsvector('simple'::regconfig, COALESCE(body, '')))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("service", "0005_sla_events")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
