"""A contact's emails, phones, tags and companies in one query instead of four prefetches.

Every ORM query costs 0.4–0.7 ms of Python to build, send and read, however fast its SQL
(docs/performance.md, "Where the time goes now"), and a contact's page, its API answer and
its merge read these four short lists. One `UNION ALL` of the four tables brings them, in the
order their prefetches gave (emails and phones primary first, then by id; tags by name, in
the database's collation; companies by id), and they fill the prefetch caches, so
`contact.emails.all()` and the rest read them as after `prefetch_related`. The instances hold
the fields these callers read (ids, email, number, is_primary, name); any other field loads
on first access, as a deferred field does, so nothing reads wrong.
"""

from typing import Any

from django.db.models import BooleanField, CharField, F, Model, QuerySet, Value

from rapport.contacts.models import Company, Contact, ContactEmail, ContactPhone, Tag

_TEXT: CharField[str, str] = CharField()
_NO = Value(False, output_field=BooleanField())
_NONE = Value("", output_field=_TEXT)


def _part(rows: QuerySet[Any], kind: str, text: str, flag: F | Value, order: F | Value) -> Any:
    """One relation's rows as (kind, id, text, flag, order): the union's common shape."""
    return (
        rows.order_by()
        .annotate(rk=Value(kind, output_field=_TEXT), rt=F(text), rf=flag, ro=order)
        .values_list("rk", "id", "rt", "rf", "ro")
    )


def _loaded(model: type[Model], db: str, values: dict[str, Any]) -> Any:
    """An instance holding `values` (by attname); its other fields deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db, names, [values[n] for n in names])


def related_rows_load(contact: Contact) -> None:
    """Fill `contact`'s prefetch caches of emails, phones, tags and companies (one query)."""
    pk = contact.pk
    parts = [
        _part(
            ContactEmail.objects.filter(contact_id=pk), "emails", "email", F("is_primary"), _NONE
        ),
        _part(
            ContactPhone.objects.filter(contact_id=pk), "phones", "number", F("is_primary"), _NONE
        ),
        _part(Tag.objects.filter(contacts=pk), "tags", "name", _NO, F("name")),
        _part(
            Company.objects.filter(contact_links__contact_id=pk), "companies", "name", _NO, _NONE
        ),
    ]
    rows = parts[0].union(*parts[1:], all=True).order_by("rk", "-rf", "ro", "id")
    db, ws = rows.db, contact.workspace_id
    found: dict[str, list[Any]] = {"emails": [], "phones": [], "tags": [], "companies": []}
    for kind, row_id, text, flag, _ in rows:
        values: dict[str, Any] = {"id": row_id, "workspace_id": ws}
        if kind == "emails" or kind == "phones":
            model: type[Model] = ContactEmail if kind == "emails" else ContactPhone
            values |= {"contact_id": pk, "is_primary": flag}
            values["email" if kind == "emails" else "number"] = text
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
