"""A contact's emails, phones, tags and companies in one query instead of four prefetches.

Every ORM query costs 0.4–0.7 ms of Python to build, send and read, however fast its SQL
(docs/performance.md, "Where the time goes now"), and a contact's page, its API answer and
its merge read these four short lists. One `UNION ALL` of the four tables brings them
(written here: built through the ORM, its four parts cost about 1.5 ms to compile), in the
order their prefetches gave (emails and phones primary first, then by id; tags by name, in
the database's collation; companies by id), and they fill the prefetch caches, so
`contact.emails.all()` and the rest read them as after `prefetch_related`. The instances hold
the fields these callers read (ids, email, number, extension, kind, is_primary, name); any other
field loads on first access, as a deferred field does, so nothing reads wrong.
"""

from typing import Any

from django.db import connection
from django.db.models import Model

from rapport.contacts.models import (
    Company,
    Contact,
    ContactCompany,
    ContactEmail,
    ContactPhone,
    Tag,
)

# The four relations as (kind, id, text, flag, order, a phone's extension and kind), in one
# shape; the tables and columns are the models' own, never input (hence the `noqa: S608`).
# Each table is filtered by the contact's workspace, as the scoped managers would.
_SQL = " UNION ALL ".join(
    [
        f"SELECT 'emails', id, email, is_primary, '', '', '' FROM {ContactEmail._meta.db_table} "  # noqa: S608
        "WHERE workspace_id = %s AND contact_id = %s",
        "SELECT 'phones', id, number, is_primary, '', extension, kind "  # noqa: S608
        f"FROM {ContactPhone._meta.db_table} "
        "WHERE workspace_id = %s AND contact_id = %s",
        f"SELECT 'tags', t.id, t.name, FALSE, t.name, '', '' FROM {Tag._meta.db_table} t "  # noqa: S608
        f"INNER JOIN {Contact.tags.through._meta.db_table} l ON (l.tag_id = t.id) "
        "WHERE t.workspace_id = %s AND l.contact_id = %s",
        f"SELECT 'companies', c.id, c.name, FALSE, '', '', '' FROM {Company._meta.db_table} c "  # noqa: S608
        f"INNER JOIN {ContactCompany._meta.db_table} l ON (l.company_id = c.id) "
        "WHERE c.workspace_id = %s AND l.contact_id = %s",
    ]
)


def _loaded(model: type[Model], db: str, values: dict[str, Any]) -> Any:
    """An instance holding `values` (by attname); its other fields deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db, names, [values[n] for n in names])


def related_rows_load(contact: Contact) -> None:
    """Fill `contact`'s prefetch caches of emails, phones, tags and companies (one query)."""
    pk, ws = contact.pk, contact.workspace_id
    with connection.cursor() as cursor:
        cursor.execute(f"{_SQL} ORDER BY 1, 4 DESC, 5, 2", [ws, pk] * 4)
        rows = cursor.fetchall()
    db = connection.alias
    found: dict[str, list[Any]] = {"emails": [], "phones": [], "tags": [], "companies": []}
    for kind, row_id, text, flag, _, extension, phone_kind in rows:
        values: dict[str, Any] = {"id": row_id, "workspace_id": ws}
        if kind == "emails" or kind == "phones":
            model: type[Model] = ContactEmail if kind == "emails" else ContactPhone
            values |= {"contact_id": pk, "is_primary": flag}
            if kind == "emails":
                values["email"] = text
            else:
                values |= {"number": text, "extension": extension, "kind": phone_kind}
            item = _loaded(model, db, values)
            model._meta.get_field("contact").set_cached_value(item, contact)  # type: ignore[union-attr]
        else:
            item = _loaded(Tag if kind == "tags" else Company, db, values | {"name": text})
        found[kind].append(item)
    cache = contact.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, items in found.items():
        # What `prefetch_related` leaves: the relation's queryset with its result filled in.
        rel = getattr(contact, name).get_queryset()
        rel._result_cache, rel._prefetch_done = items, True
        cache[name] = rel
