"""One search document per ticket: `service_ticket.search_words`, the words of its subject and
of every message of its conversation (internal notes included), kept by database triggers in
the transaction of every write of a subject or a message, and backfilled here.

Triggers rather than the services: every writer is covered without being named, the ORM's
saves and bulk creates, cascades, the demo's and the bench's bulk loads, a future edit or
import path. The column is not a model field, so Django neither reads it with every ticket
nor writes a stale copy back on `save()`; `service.search` reads it through `SearchWords`.

PostgreSQL: a tsvector without positions (search never ranks or asks for phrases) of the
text with every non-alphanumeric run made a space (so its parser sees the words SQLite's
search does), indexed by GIN; 0007's indexes on subjects and bodies are no longer read and
are dropped. Messages refresh their tickets once per statement (transition tables), so a
bulk insert recomputes each ticket once. SQLite: the plain text, one line per part, searched
by a word-start regular expression; row triggers.

On SQLite, a later migration that remakes service_ticket or service_ticketmessage (most
AlterField operations there do) drops that table's triggers, and for service_ticket this
column: it must run again what the remake dropped of `SQLITE` (the column, the triggers,
the backfill); the write-path tests in test_search_document.py fail until it does.
"""

from django.db import migrations, models

# Not a model field (see above): `service.search.SEARCH_COLUMN` names it too.
COLUMN = "search_words"
GIN_INDEX = "ticket_search_words_idx"
OLD_INDEXES = {  # migration 0007's, for the way back
    "ticketmessage_words_fts_idx": ("service_ticketmessage", "body"),
    "ticket_subject_words_fts_idx": ("service_ticket", "subject"),
}
OLD_WORDS = (
    "to_tsvector('simple'::regconfig, "
    "regexp_replace(COALESCE({}, ''), '[^[:alnum:]]+', ' ', 'g'))"
)
WORDS_LIMIT_CHARS = 250_000  # 4 bytes at most each: under a tsvector's 1 MB of lexemes

POSTGRESQL = [
    f"ALTER TABLE service_ticket ADD COLUMN {COLUMN} tsvector NOT NULL DEFAULT ''::tsvector",
    # The words of a subject and a ticket's conversation. A conversation with more than 1 MB
    # of distinct words would not fit a tsvector (an error that would refuse the write): its
    # beginning is kept instead. VOLATILE, not STABLE, on purpose: its query then reads with
    # a snapshot of its own. When two writers refresh one ticket, the second waits for the
    # first's row lock, and under READ COMMITTED its UPDATE evaluates the new value again on
    # the committed row: with a new snapshot that holds the first's messages (a STABLE
    # function would keep the statement's snapshot and drop them; tested).
    f"""CREATE FUNCTION service_ticket_words(subject text, ticket bigint) RETURNS tsvector
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        document text := regexp_replace(
            subject || ' ' || COALESCE(
                (SELECT string_agg(body, ' ') FROM service_ticketmessage
                 WHERE ticket_id = ticket), ''),
            '[^[:alnum:]]+', ' ', 'g');
    BEGIN
        RETURN strip(to_tsvector('simple'::regconfig, document));
    EXCEPTION WHEN program_limit_exceeded THEN
        RETURN strip(to_tsvector('simple'::regconfig, left(document, {WORDS_LIMIT_CHARS})));
    END $$""",
    """CREATE FUNCTION service_ticket_words_on_subject() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_words := service_ticket_words(NEW.subject, NEW.id);
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER service_ticket_words_insert BEFORE INSERT ON service_ticket
    FOR EACH ROW EXECUTE FUNCTION service_ticket_words_on_subject()""",
    """CREATE TRIGGER service_ticket_words_subject BEFORE UPDATE OF subject ON service_ticket
    FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject)
    EXECUTE FUNCTION service_ticket_words_on_subject()""",
    # The tickets whose conversation a statement changed (a message's other columns, e.g.
    # the Message-ID a reply is given after its insert, change no words).
    """CREATE FUNCTION service_ticket_words_refresh() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        ids bigint[];
    BEGIN
        IF TG_OP = 'INSERT' THEN
            ids := ARRAY(SELECT DISTINCT ticket_id FROM changed_new);
        ELSIF TG_OP = 'DELETE' THEN
            ids := ARRAY(SELECT DISTINCT ticket_id FROM changed_old);
        ELSE
            ids := ARRAY(
                SELECT n.ticket_id FROM changed_new n JOIN changed_old o ON o.id = n.id
                WHERE n.body IS DISTINCT FROM o.body OR n.ticket_id <> o.ticket_id
                UNION
                SELECT o.ticket_id FROM changed_new n JOIN changed_old o ON o.id = n.id
                WHERE n.body IS DISTINCT FROM o.body OR n.ticket_id <> o.ticket_id);
        END IF;
        IF cardinality(ids) = 0 THEN
            RETURN NULL;
        END IF;
        UPDATE service_ticket SET search_words = service_ticket_words(subject, id)
        WHERE id = ANY(ids);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER service_ticketmessage_words_insert AFTER INSERT ON service_ticketmessage
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION service_ticket_words_refresh()""",
    """CREATE TRIGGER service_ticketmessage_words_update AFTER UPDATE ON service_ticketmessage
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION service_ticket_words_refresh()""",
    """CREATE TRIGGER service_ticketmessage_words_delete AFTER DELETE ON service_ticketmessage
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION service_ticket_words_refresh()""",
    f"UPDATE service_ticket SET {COLUMN} = service_ticket_words(subject, id)",  # backfill
    f"CREATE INDEX {GIN_INDEX} ON service_ticket USING gin ({COLUMN})",
    *(f"DROP INDEX IF EXISTS {name}" for name in OLD_INDEXES),
    # The planner's statistics of the new column (how many tickets hold a word) choose
    # between walking the newest tickets and reading the index: gather them now.
    "ANALYZE service_ticket",
]
POSTGRESQL_BACK = [
    *(
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({OLD_WORDS.format(column)})"
        for name, (table, column) in OLD_INDEXES.items()
    ),
    "DROP TRIGGER service_ticketmessage_words_insert ON service_ticketmessage",
    "DROP TRIGGER service_ticketmessage_words_update ON service_ticketmessage",
    "DROP TRIGGER service_ticketmessage_words_delete ON service_ticketmessage",
    "DROP TRIGGER service_ticket_words_insert ON service_ticket",
    "DROP TRIGGER service_ticket_words_subject ON service_ticket",
    "DROP FUNCTION service_ticket_words_refresh()",
    "DROP FUNCTION service_ticket_words_on_subject()",
    "DROP FUNCTION service_ticket_words(text, bigint)",
    f"ALTER TABLE service_ticket DROP COLUMN {COLUMN}",
]

# SQLite: the text itself, subject and bodies one a line (a newline separates words).
SQLITE_DOCUMENT = (
    "service_ticket.subject || char(10) || COALESCE((SELECT group_concat(m.body, char(10)) "
    "FROM service_ticketmessage m WHERE m.ticket_id = service_ticket.id), '')"
)
SQLITE_TRIGGERS = {
    "service_ticket_words_insert": ("AFTER INSERT ON service_ticket", "NEW.id"),
    "service_ticket_words_subject": (
        "AFTER UPDATE OF subject ON service_ticket WHEN NEW.subject IS NOT OLD.subject",
        "NEW.id",
    ),
    "service_ticketmessage_words_insert": ("AFTER INSERT ON service_ticketmessage", "NEW.ticket_id"),
    "service_ticketmessage_words_update": (
        "AFTER UPDATE OF body, ticket_id ON service_ticketmessage",
        "NEW.ticket_id, OLD.ticket_id",
    ),
    "service_ticketmessage_words_delete": ("AFTER DELETE ON service_ticketmessage", "OLD.ticket_id"),
}
SQLITE = [
    f"ALTER TABLE service_ticket ADD COLUMN {COLUMN} text NOT NULL DEFAULT ''",
    *(
        f"CREATE TRIGGER {name} {when} BEGIN UPDATE service_ticket "
        f"SET {COLUMN} = {SQLITE_DOCUMENT} WHERE id IN ({ids}); END"
        for name, (when, ids) in SQLITE_TRIGGERS.items()
    ),
    f"UPDATE service_ticket SET {COLUMN} = {SQLITE_DOCUMENT}",  # backfill
]
SQLITE_BACK = [
    *(f"DROP TRIGGER {name}" for name in SQLITE_TRIGGERS),
    f"ALTER TABLE service_ticket DROP COLUMN {COLUMN}",
]


STATEMENTS = {"postgresql": POSTGRESQL, "sqlite": SQLITE}


def install(apps, schema_editor):
    for sql in STATEMENTS.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRESQL_BACK, "sqlite": SQLITE_BACK}.get(vendor, []):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("service", "0007_search_words_fts")]

    operations = [
        # Newest updated first is how the desk and the API list, searched or not: with the
        # document on the ticket, a word in most tickets walks this index and stops at a page.
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["workspace", "-updated_at", "-id"], name="ticket_updated_idx"
            ),
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
