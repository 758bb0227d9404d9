"""Full-text GIN indexes on the words of ticket subjects and message bodies, for ticket search
on PostgreSQL (replacing 0006's index on the raw body).

The expression is `service.search.Words` (the text with every non-alphanumeric run made a
space, so PostgreSQL's parser sees the words SQLite's search does); the planner uses an
index only for the very expression it was built on, so the two must stay in step. Other
databases get nothing: SQLite searches by a scan.
"""

from django.db import migrations

WORDS = "to_tsvector('simple'::regconfig, regexp_replace(COALESCE({}, ''), '[^[:alnum:]]+', ' ', 'g'))"
INDEXES = {
    "ticketmessage_words_fts_idx": ("service_ticketmessage", "body"),
    "ticket_subject_words_fts_idx": ("service_ticket", "subject"),
}
OLD = "ticketmessage_body_fts_idx"
OLD_SQL = (
    f"CREATE INDEX IF NOT EXISTS {OLD} ON service_ticketmessage "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(body, '')))"
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD}")
        for name, (table, column) in INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({WORDS.format(column)})"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(OLD_SQL)


class Migration(migrations.Migration):
    dependencies = [("service", "0006_message_body_fts")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
