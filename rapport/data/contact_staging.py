"""The rows around a chunk's new contacts written by PostgreSQL from one staging table.

Once the contacts are in (`contact_bulk`), each needs its email and phone rows, its company
link, its tags and its audit entry. Built in Python these were a tuple per email, phone and
link and a dict of changes with its JSON per contact, each value formatted for its own COPY:
a third of the importing process's CPU. Here each contact is one short row of a temporary
table (id, display name, emails, phones, company, tag ids and names), COPYed once, and
`INSERT ... SELECT` statements write the rest, the audit entry's changes built by
`jsonb_build_object` from the stored contact itself (`audit.services.created_changes_sql`),
so the entry holds what the row path's snapshot of the saved contact holds.
`test_contact_staging.py` and `test_bulk_import.py` compare the outcome with the row path's.
"""

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from rapport.audit.services import audit_created_by_query, created_changes_sql
from rapport.contacts.models import Contact, ContactCompany, ContactEmail, ContactPhone, PhoneKind
from rapport.contacts.normalise import EXTENSION_MARK
from rapport.contacts.services import CONTACT_AUDITED
from rapport.core.bulk_rows import copy_in

STAGING = "data_contact_staging"
# A staged contact: (id, display name, emails, phones, company id or None, tag ids, tag names
# sorted, phone kinds by number where not work, phone extensions by number where there is
# one), the emails and phones in their order, the first the primary. The lists go as JSON
# text (`staged_list`): psycopg formats a Python list for COPY in Python, ten times slower
# than `json.dumps`.
STAGED = (
    "id bigint, object_repr text, emails jsonb, phones jsonb, company_id bigint,"
    " tag_ids jsonb, tag_names jsonb, phone_kinds jsonb, phone_extensions jsonb"
)
EMPTY = "[]"
NONE = "{}"


def staged_list(values: list[Any]) -> str:
    """A staged list column's value. A list of plain texts (a contact's emails and numbers:
    printable, no quote or backslash) is joined without `json.dumps`, a call that cost about
    as much as the rest of a contact's staged row; anything else is dumped."""
    if not values:
        return EMPTY
    if all(type(v) is str for v in values):
        joined = '","'.join(values)
        if joined.isprintable() and '"' not in joined and "\\" not in joined:
            return f'["{joined}"]'
    return json.dumps(values)


def staged_object(values: dict[str, Any]) -> str:
    """A staged object column's value."""
    return json.dumps(values) if values else NONE


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _contact_changes() -> str:
    """The changes of a new contact's audit entry (`contacts.services._contact_snapshot`),
    from the stored contact `c` and its staged row `s`."""
    return created_changes_sql(
        Contact,
        CONTACT_AUDITED,
        "c",
        {
            "emails": "NULLIF(s.emails, '[]'::jsonb)",
            # each number with its extension and kind, as `phone_audited` writes it (a work
            # phone's kind, the default, is neither staged nor written); most contacts have
            # neither, and their numbers are then the list as staged, read without unnesting
            # and aggregating it (twice a contact: the entry's value is tested for null first)
            "phones": "(CASE WHEN s.phone_kinds = '{}' AND s.phone_extensions = '{}'"  # noqa: S608
            " THEN NULLIF(s.phones, '[]') ELSE"
            " (SELECT jsonb_agg(v.value || COALESCE("
            f"'{EXTENSION_MARK}' || (s.phone_extensions ->> v.value), '')"
            " || COALESCE(' (' || (s.phone_kinds ->> v.value) || ')', '') ORDER BY v.n)"
            " FROM jsonb_array_elements_text(s.phones) WITH ORDINALITY AS v(value, n)) END)",
            "companies": "CASE WHEN s.company_id IS NOT NULL"
            " THEN jsonb_build_array(s.company_id) END",
            "tags": "NULLIF(s.tag_names, '[]'::jsonb)",
        },
    )


def _listed(model: Any, column: str, values: str, extra: dict[str, str] | None = None) -> str:
    """One row per element of the staged array `values`, the first the primary; `extra`:
    further columns, by the SQL of their value."""
    extra = extra or {}
    names = "".join(f", {name}" for name in extra)
    sql = "".join(f", {value}" for value in extra.values())
    return (
        f"INSERT INTO {_table(model)}"  # noqa: S608 (identifiers from the models)
        f" (workspace_id, created_at, updated_at, contact_id, {column}, is_primary{names})"
        f" SELECT %(ws)s, %(now)s, %(now)s, s.id, v.value, v.n = 1{sql}"
        f" FROM {STAGING} s CROSS JOIN LATERAL"
        f" jsonb_array_elements_text(s.{values}) WITH ORDINALITY AS v(value, n)"
        " ORDER BY s.id, v.n"
    )


def staged_insert(*, workspace_id: int, actor: Any, rows: Iterable[Sequence[Any]]) -> None:
    """Write the emails, phones, company links, tags and audit entries of contacts already
    inserted, given as staged rows (`STAGED`) in id order; in the caller's transaction."""
    now = timezone.now()
    params: dict[str, Any] = {"ws": workspace_id, "now": now, "kind": PhoneKind.WORK.value}
    tags = _table(Contact.tags.through)
    with connection.cursor() as cursor:
        # ON COMMIT DELETE ROWS empties it with each chunk; a chunk that writes in more than
        # one go (rows sent down the row path in between) empties it itself.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ({STAGED}) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"DELETE FROM {STAGING}")  # noqa: S608
        low = high = 0
        with copy_in(cursor, f"COPY {STAGING} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                high = row[0]
                low = low or high
        cursor.execute(_listed(ContactEmail, "email", "emails"), params)
        by_number = {
            "kind": "COALESCE(s.phone_kinds ->> v.value, %(kind)s)",
            "extension": "COALESCE(s.phone_extensions ->> v.value, '')",
        }
        cursor.execute(_listed(ContactPhone, "number", "phones", by_number), params)
        cursor.execute(
            f"INSERT INTO {_table(ContactCompany)}"  # noqa: S608
            " (workspace_id, created_at, updated_at, contact_id, company_id, is_primary)"
            f" SELECT %(ws)s, %(now)s, %(now)s, s.id, s.company_id, true FROM {STAGING} s"
            " WHERE s.company_id IS NOT NULL ORDER BY s.id",
            params,
        )
        cursor.execute(
            f"INSERT INTO {tags} (contact_id, tag_id)"  # noqa: S608
            f" SELECT s.id, t.tag_id::bigint FROM {STAGING} s"
            " CROSS JOIN LATERAL"
            " jsonb_array_elements_text(s.tag_ids) WITH ORDINALITY AS t(tag_id, n)"
            " ORDER BY s.id, t.n"
        )
    audit_created_by_query(
        workspace_id=workspace_id,
        actor=actor,
        entity="contacts.contact",
        query=(
            f"SELECT c.id AS object_id, s.object_repr, {_contact_changes()} AS changes"  # noqa: S608
            f" FROM {STAGING} s JOIN {_table(Contact)} c ON c.id = s.id"
            # the range keeps PostgreSQL to the chunk's contacts by their index: the staging
            # table has no statistics, and a hash join would read every contact each chunk
            " WHERE c.id BETWEEN %s AND %s"
        ),
        params=[low, high],
    )
