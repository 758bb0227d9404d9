"""The bulk path of contact imports: a chunk of rows cleaned, matched and inserted at once.

The row path costs a dozen queries a row (matching, validation, the record, its emails,
phones, company, tags and audit entry); here a chunk costs a few queries per kind of key and
one insert per table. The outcome is the row path's, row for row: the values are cleaned by
the same normalise functions and service helpers (with repeated raw values cached), existing
records are matched in the same order (external id, then emails, then phones, the lowest id
winning), a row matching a record created earlier in the file behaves as it would there, and
every created record gets its audit entry, its batch record for undo and its
`records_changed` announcement. What the bulk path cannot decide on its own (a row that
updates a record, or reuses the external id of a row before it in create mode) goes down the
row path, after the rows before it are written, so it sees what the row path would.
"""

import itertools
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from rapport.audit.services import EMPTY as EMPTY_VALUES
from rapport.audit.services import (
    audit_bulk_created,
    audit_rows_created,
    non_empty,
    snapshot,
)
from rapport.contacts.custom_fields import custom_fields_clean
from rapport.contacts.models import (
    Company,
    Contact,
    ContactCompany,
    ContactEmail,
    ContactPhone,
    CustomFieldEntity,
    LifecycleStage,
    PhoneKind,
    Tag,
)
from rapport.contacts.normalise import (
    email_normalise,
    name_normalise,
    phones_with_extensions,
)
from rapport.contacts.normalise import search_key as name_key
from rapport.contacts.services import (
    COMPANY_AUDITED,
    COMPANY_TEXT_LIMITS,
    CONTACT_AUDITED,
    CONTACT_TEXT_LIMITS,
    _choice,
    _Collector,
    _company_clean,
    _country,
    _tags,
    _text,
    tags_resolve,
)
from rapport.contacts.stored_lists import phone_audited
from rapport.core.bulk_rows import IN_LIST, rows_insert, slices
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.core.hooks import records_changed
from rapport.core.prepared import unprepared
from rapport.data.chunk_storer import STORERS
from rapport.data.clean_pool import Answer, CleanAhead, answer, phone_cleaner, workers_wanted
from rapport.data.contact_importers import _country as country_read
from rapport.data.contact_importers import _lifecycle_stage, _not_work, phone_kinds_by_number
from rapport.data.contact_importers import _tags as tags_read
from rapport.data.contact_staging import EMPTY, staged_insert, staged_list, staged_object
from rapport.data.contact_updates import VALUES, ContactGone, Update, updates_apply
from rapport.data.copy_time import copy_time
from rapport.data.csv_files import CsvRow
from rapport.data.importers import Actor, Importer, ImportRow, RowPathNeeded
from rapport.data.models import ImportBatch, ImportedRecordAction, ImportMode
from rapport.data.record_values import CONTACT_READERS, ValueReader, custom_fields_merged
from rapport.data.services import (
    RowOutcome,
    UndoRecord,
    _import_row,
    _write_row,
    cell_read,
    mapped_columns,
)

# The columns `dicts_insert` fills itself.
STAMPS = ("id", "created_at", "updated_at")
# Answers a normaliser keeps between chunks (a chunk of 10,000 rows asks for about 20,000).
MEMO_LIMIT = 50_000


def instances_insert(objs: list[Any]) -> None:
    """`bulk_create` for new instances of one model, by COPY on PostgreSQL: the ids they lack
    are drawn from the table's sequence first, as the database would draw them."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=IN_LIST)
        return
    drawn = iter(ids_draw(model, sum(1 for obj in objs if obj.pk is None)))
    ids = [obj.pk if obj.pk is not None else next(drawn) for obj in objs]
    now = timezone.now()
    fields = model._meta.concrete_fields
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk, obj.created_at, obj.updated_at = pk, now, now
        obj._state.adding, obj._state.db = False, connection.alias
    columns = [f.attname for f in fields]
    rows_insert(model, columns, [tuple(getattr(obj, c) for c in columns) for obj in objs])


def ids_draw(model: type[Any], n: int) -> list[int]:
    """`n` new ids from the table's sequence, as the database would draw them (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, n],
        )
        return [pk for (pk,) in cursor.fetchall()]


def dicts_insert(
    model: type[Any], rows: list[dict[str, Any]], ids: list[int] | None = None
) -> list[int]:
    """Insert new records given as dicts of every concrete attribute but the id and the
    timestamps (no model instance each on PostgreSQL: ids drawn first unless given, then
    COPY); their ids, in order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=IN_LIST)
        return [obj.pk for obj in objs]
    ids = ids or ids_draw(model, len(rows))
    now = copy_time(timezone.now())
    columns = [f.attname for f in model._meta.concrete_fields if f.attname not in STAMPS]
    rows_insert(
        model,
        [*STAMPS, *columns],
        [(pk, now, now, *[row[c] for c in columns]) for pk, row in zip(ids, rows, strict=True)],
    )
    return ids


def text_array(values: Collection[str]) -> str:
    """PostgreSQL's literal of a text array holding `values`, for a `%s::text[]` parameter:
    psycopg adapts a list element by element in Python, which cost a look-up of a chunk's
    ten thousand keys more than the query. Every element is quoted (so "NULL" stays a
    string); backslashes and quotes are escaped, where a value has any."""
    if not values:
        return "{}"
    joined = '","'.join(values)
    if "\\" in joined or '"' in joined:
        joined = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return f'{{"{joined}"}}'


class _Memo:
    """A normaliser's answers by raw value (`clean_pool.answer`), kept across rows and chunks."""

    def __init__(self, fn: Callable[[str], str]) -> None:
        self.fn = fn
        self.known: dict[str, Answer] = {}

    def __call__(self, raw: str) -> Answer:
        hit = self.known.get(raw)
        if hit is None:
            hit = self.known[raw] = answer(self.fn, raw)
        return hit

    def trim(self) -> None:
        """Forget the answers once they outgrow a few chunks' worth: a chunk asks for each of
        its values three times (prefetch, match, clean), later chunks seldom repeat them, and
        a million rows' answers would hold hundreds of megabytes."""
        if len(self.known) > MEMO_LIMIT:
            self.known.clear()


@dataclass
class _NewCompany:
    name: str
    pk: int | None = None  # drawn when planned ahead, else once inserted


@dataclass
class _Pending:
    """A contact waiting for the chunk's inserts, and the outcome it will fill."""

    csv_row: CsvRow
    position: int  # in the chunk's outcomes
    values: dict[str, Any]  # the contact's cleaned attributes (not its derived ones)
    emails: list[str]
    phones: list[str]
    company: int | _NewCompany | None
    owns_company: bool  # the row that created the company, as the row path would
    tags: list[str]
    external_id: str
    phone_kinds: dict[str, str]  # by number, where not a work phone
    phone_extensions: dict[str, str]  # by number, where there is one
    pk: int = 0  # once inserted


@dataclass
class _Keys:
    """Where a key (external id, email, phone) leads: a stored contact's id or a pending one."""

    stored: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)  # -> index in the pending list

    def store(self, key: str, pk: int) -> None:
        self.stored[key] = min(pk, self.stored.get(key, pk))


def _no_turn() -> None:
    """A chunk written in turn waits for nothing."""


class ContactBulkWriter:
    def __init__(self, importer: Importer, *, batch: ImportBatch, actor: Actor) -> None:
        self.importer = importer
        self.batch = batch
        self.actor = actor
        self.workspace = batch.workspace
        region = self.workspace.default_region
        self.email = _Memo(email_normalise)
        self.phone = _Memo(phone_cleaner(region))
        self.ahead = CleanAhead(workers=workers_wanted(), region=region)
        self.columns = mapped_columns(batch)
        # Where a row's raw emails and phones are, for handing them to the workers unread.
        self.email_at, self.phone_at = (
            [i for i, _, fed, _ in self.columns if fed == name] for name in ("email", "phone")
        )
        self.country = _Memo(self._country)
        self.company_errors: dict[str, str] = {}
        self.name_keys: dict[str, str] = {}
        self.names: dict[str, str] = {}  # name_normalise's answers: names repeat
        # A new contact's attributes and audit snapshot before its row's values: each row's
        # record and audit entry are then plain values, not a model instance (ids as the
        # attributes hold them, a foreign key's under its attname).
        template = Contact(workspace=self.workspace)
        self.contact_defaults = {
            f.attname: getattr(template, f.attname)
            for f in Contact._meta.concrete_fields
            if f.attname not in STAMPS
        }
        # (a create's entry records only the snapshot's non-empty values)
        self.contact_snapshot = non_empty(snapshot(template, CONTACT_AUDITED))
        # The owners, flags, choices and custom fields of the rows (members and definitions
        # read once per run).
        self.reader = ValueReader(self.workspace, CustomFieldEntity.CONTACT)
        # The snapshot's name of each attribute a row sets ("owner" for "owner_id").
        self.audited = {
            getattr(Contact._meta.get_field(name), "attname", name): name
            for name in CONTACT_AUDITED
        }
        try:
            _company_clean(workspace=self.workspace, data={"name": "A"}, company=None)
            self.company_fields_ok = True
        except ServiceValidationError:
            self.company_fields_ok = False
        # The chunks planned ahead and maybe being stored on other connections (`plan`): their
        # keys may not be in the database yet, so the next chunk's match learns them here.
        self.inflight: deque[list[_Pending]] = deque(maxlen=STORERS)
        self.planning = False
        self.planned = 0  # chunks planned so far: a planned chunk's number
        # The first planned chunk whose store fell back to the row path, so that the chunks
        # planned from its drawn ids meanwhile are stored by the row path too (`ContactChunk`).
        self.diverged: int | None = None
        self._reset()

    def plans_ahead(self) -> bool:
        """Whether `plan` can usually do without the row path: not in update mode, where
        every matched row is written through the services."""
        return bool(self.batch.mode != ImportMode.UPDATE)

    def _reset(self) -> None:
        """What one chunk knows: the keys its rows may match, and its rows waiting to be
        inserted (kept per chunk, so memory stays flat however long the file)."""
        self.ids = _Keys()
        self.emails = _Keys()
        self.phones = _Keys()
        self.companies: dict[str, int | _NewCompany] = {}
        self.pending: list[_Pending] = []
        self.updates: list[Update] = []
        # The external id each contact this chunk updated holds after its rows so far: an
        # update may change it, and a key leading to the contact by the one it replaced is
        # stale (`_stale`).
        self.external_ids: dict[int, str] = {}
        self.outcomes: list[RowOutcome] = []
        # The custom fields of stored contacts this chunk's rows update, as those rows leave
        # them, read only where a required one is checked (`_stored_customs`).
        self.customs: dict[int, dict[str, Any]] = {}
        self.by_row_path = False  # the rest of the chunk, once a store fell back to it
        # The normalised emails and phones of each row by its number (`_prefetch`).
        self.row_keys: dict[int, tuple[list[str], list[str]]] = {}

    # --- cleaning, as contacts.services._contact_clean does for what an import sends -------

    @staticmethod
    def _country(raw: str) -> str:
        c = _Collector()
        value = _country({"country": country_read(raw)}, c)
        c.raise_if_any()
        return value or ""

    def _extensions(self, raws: list[str]) -> dict[str, str]:
        """The extensions written after the numbers, by number, as the services pair them."""
        read = ((self._phone_number(raw), raw) for raw in raws)
        found = phones_with_extensions(read, region=self.workspace.default_region)
        return {number: extension for number, extension in found.items() if extension}

    def _phone_number(self, raw: str) -> str | None:
        value, problem = self.phone(raw)
        return None if problem else value

    def _listed(self, memo: _Memo, raws: list[str], name: str, c: _Collector) -> list[str]:
        out = []
        for i, raw in enumerate(raws):
            value, problem = memo(raw)
            if problem:
                c.add(f"{name}.{i}", problem)
            else:
                out.append(value)
        return list(dict.fromkeys(out))

    def _clean(
        self,
        row: ImportRow,
        read: dict[str, Any],
        *,
        creating: bool = True,
        stored: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], list[FieldError]]:
        """The row's values cleaned (`read`: its owner, preferences and custom fields, read
        by `self.reader`); for an update (not `creating`), without the checks only a new
        contact needs (a name or an email), its required custom fields checked over
        `stored` (the contact's, where `_stored_customs` gives them) as `contact_update`
        checks them."""
        clean = read
        c = _Collector()
        for name, limit in CONTACT_TEXT_LIMITS.items():
            if row.has(name):
                clean[name] = _text({name: row.first(name)}, name, limit, c)
        for name in ("first_name", "last_name"):
            if value := clean.get(name):
                normal = self.names.get(value)
                if normal is None:
                    normal = self.names[value] = name_normalise(value)
                clean[name] = normal
        if row.has("external_id"):
            clean["external_id"] = _text(
                {"external_id": row.first("external_id")}, "external_id", 100, c
            )
        if row.has("country"):
            value, problem = self.country(row.first("country"))
            if problem:
                c.add("country", problem)
            clean["country"] = value
        if row.has("email"):
            clean["emails"] = self._listed(self.email, row.all("email"), "emails", c)
        if row.has("phone"):
            clean["phones"] = self._listed(self.phone, row.all("phone"), "phones", c)
            clean["phone_kinds"] = phone_kinds_by_number(row, self._phone_number)
            clean["phone_extensions"] = self._extensions(row.all("phone"))
        if row.has("lifecycle_stage"):
            stage = {"lifecycle_stage": _lifecycle_stage(row.first("lifecycle_stage"))}
            clean["lifecycle_stage"] = _choice(stage, "lifecycle_stage", LifecycleStage, c)
        if row.has("tags"):
            clean["tags"] = _tags({"tags": tags_read(row)}, c)
        if not creating:
            if stored is not None:
                c.run(
                    lambda: custom_fields_clean(
                        entity=CustomFieldEntity.CONTACT,
                        values=clean["custom_fields"],
                        existing=stored,
                        definitions=self.reader.definitions,
                    )
                )
            return clean, c.errors
        # a new contact's required custom fields (a stored one's are not the row's doing)
        clean["custom_fields"] = c.run(
            lambda: custom_fields_clean(
                entity=CustomFieldEntity.CONTACT,
                values=clean.get("custom_fields", {}),
                definitions=self.reader.definitions,
            )
        )
        named = clean.get("first_name") or clean.get("last_name") or clean.get("emails")
        if not named and not c.errors:
            c.add("first_name", "a contact needs a name or an email")
        return clean, c.errors

    def _name_key(self, name: str) -> str:
        key = self.name_keys.get(name)
        if key is None:
            key = self.name_keys[name] = name_key(name)
        return key

    def _company_error(self, name: str) -> str:
        if name not in self.company_errors:
            # A name of the right length is all a new company's check looks at besides the
            # required custom fields (the same for every name): only the rest goes to the
            # service, whose message is then the row path's.
            value = name.strip()
            if self.company_fields_ok and value and len(value) <= COMPANY_TEXT_LIMITS["name"]:
                self.company_errors[name] = ""
                return ""
            try:
                _company_clean(workspace=self.workspace, data={"name": name}, company=None)
                self.company_errors[name] = ""
            except ServiceValidationError as exc:
                self.company_errors[name] = str(exc)
        return self.company_errors[name]

    # --- a chunk ------------------------------------------------------------------------

    def prepare(self, chunk: list[CsvRow]) -> None:
        """Hand the chunk after the one being written to the cleaning workers."""
        emails: dict[str, None] = {}
        phones: dict[str, None] = {}
        for csv_row in chunk:
            if csv_row.error:
                continue
            cells = csv_row.cells
            for at, raws in ((self.email_at, emails), (self.phone_at, phones)):
                for i in at:
                    if raw := cell_read(cells[i]):  # as `_import_row` reads it
                        raws[raw] = None
        self.ahead.submit(id(chunk), emails, phones)

    def close(self) -> None:
        self.ahead.close()

    def write(self, chunk: list[CsvRow]) -> list[RowOutcome]:
        """The chunk planned and stored here, in the caller's transaction (a chunk planned
        ahead before it must be stored already)."""
        self.inflight.clear()
        self.diverged = None  # every chunk planned before is stored: none is left to redo
        self._plan(chunk)
        self._flush()
        return self._taken()

    def plan(self, chunk: list[CsvRow]) -> "ContactChunk":
        """The chunk matched and cleaned and its new records' ids drawn, nothing written: its
        store may then run on another connection while the next chunk is planned here.
        Raises `RowPathNeeded` for a chunk with a row only the row path can write, and for
        any chunk after one whose store fell back to the row path: the chunks in flight are
        then stored first and this one written from what the database holds."""
        if self.diverged is not None:
            raise RowPathNeeded
        self.planning = True
        try:
            self._plan(chunk)
        finally:
            self.planning = False
        pending = self.pending
        self._ids_assign(pending)
        self.inflight.append(pending)
        self.planned += 1
        return ContactChunk(self, chunk, pending, self._taken(), self.planned)

    def _taken(self) -> list[RowOutcome]:
        outcomes = self.outcomes
        self._reset()
        return outcomes

    @staticmethod
    def _ids_assign(pending: list[_Pending]) -> None:
        """Ids for the chunk's new contacts and companies, drawn from their sequences as
        their inserts would draw them (PostgreSQL)."""
        if not pending:
            return
        for p, pk in zip(pending, ids_draw(Contact, len(pending)), strict=True):
            p.pk = pk
        new = [p.company for p in pending if p.owns_company]
        for company, pk in zip(new, ids_draw(Company, len(new)) if new else [], strict=True):
            assert isinstance(company, _NewCompany)
            company.pk = pk

    def _plan(self, chunk: list[CsvRow]) -> None:
        for memo in (self.email, self.phone, self.country):
            memo.trim()
        emails, phones = self.ahead.answers(id(chunk))
        self.email.known.update(emails)
        self.phone.known.update(phones)
        for known in (self.name_keys, self.names):
            if len(known) > MEMO_LIMIT:
                known.clear()
        if len(self.company_errors) > MEMO_LIMIT:
            self.company_errors.clear()
        rows = [None if r.error else _import_row(r, self.columns) for r in chunk]
        self._reset()
        self._prefetch([r for r in rows if r is not None])
        for csv_row, row in zip(chunk, rows, strict=True):
            if row is None:
                outcome = RowOutcome(csv_row.number, "failed", cells=csv_row.cells)
                outcome.errors.append((csv_row.error_column, csv_row.error))
                self.outcomes.append(outcome)
            else:
                self.outcomes.append(self._row(csv_row, row))

    def _normalised(self, memo: _Memo, raws: list[str]) -> list[str]:
        return [v for v, problem in map(memo, raws) if not problem]

    def _prefetch(self, rows: list[ImportRow]) -> None:
        ids = {r.first("external_id") for r in rows if r.has("external_id")}
        for ext, pk in self._found(Contact, "external_id", "id", ids):
            self.ids.store(ext, pk)
        if self.batch.mode != ImportMode.CREATE:
            # each row's emails and phones normalised once, for its match (`_match`) too
            self.row_keys = {
                r.number: (
                    self._normalised(self.email, r.all("email")),
                    self._normalised(self.phone, r.all("phone")),
                )
                for r in rows
            }
            for keys, model, column, at in (
                (self.emails, ContactEmail, "email", 0),
                (self.phones, ContactPhone, "number", 1),
            ):
                wanted = {v for row_keys in self.row_keys.values() for v in row_keys[at]}
                for key, pk in self._found(model, column, "contact_id", wanted):
                    keys.store(key, pk)
        names = {self._name_key(r.first("company")) for r in rows if r.has("company")}
        # highest id first, so that the lowest wins
        self.companies.update(self._found(Company, "name_key", "id", names))
        for p in itertools.chain.from_iterable(self.inflight):  # higher ids than any stored
            if p.external_id:
                self.ids.store(p.external_id, p.pk)
            for e in p.emails:
                self.emails.store(e, p.pk)
            for n in p.phones:
                self.phones.store(n, p.pk)
            if p.owns_company:
                assert isinstance(p.company, _NewCompany) and p.company.pk is not None
                self.companies.setdefault(self._name_key(p.company.name), p.company.pk)

    def _found(
        self, model: type[Any], column: str, value: str, keys: set[str]
    ) -> list[tuple[str, int]]:
        """(`column`, `value`) of the workspace's `model` rows whose `column` is one of `keys`,
        highest id first. On PostgreSQL one query with the keys as one array parameter: a
        query with thousands of placeholders costs more to build and parse than to run. It is
        sent unprepared: only a plan made for the keys themselves can use the external ids'
        partial unique index (`external_id <> ''`); a generic plan, kept after five chunks,
        scans the whole workspace for every chunk, a million-row import's time growing with
        the square of its size."""
        ws = self.workspace
        if connection.vendor != "postgresql":
            found: list[tuple[str, int]] = []
            for part in slices(keys):
                qs = model.objects.filter(workspace=ws, **{f"{column}__in": part})
                found.extend(qs.order_by("-pk").values_list(column, value))
            return found
        if not keys:
            return []
        quote = connection.ops.quote_name
        with unprepared(), connection.cursor() as cursor:
            # identifiers from the model, quoted; the values go as a parameter
            sql = (
                f"SELECT {quote(column)}, {quote(value)} FROM {quote(model._meta.db_table)}"  # noqa: S608
                f" WHERE workspace_id = %s AND {quote(column)} = ANY(%s::text[]) ORDER BY id DESC"
            )
            cursor.execute(sql, [ws.pk, text_array(keys)])
            return cursor.fetchall()

    def _match(self, row: ImportRow) -> int | _Pending | None:
        """The row path's match: by external id, else the lowest id among its emails' contacts,
        else among its phones'; records written earlier in this file included."""
        ext = row.first("external_id")
        emails, phones = self.row_keys[row.number]
        candidates = [(self.ids, [ext] if ext else []), (self.emails, emails)]
        candidates.append((self.phones, phones))
        for keys, values in candidates:
            stored = [keys.stored[v] for v in values if v in keys.stored]
            if stored:
                return min(stored)
            pending = [keys.pending[v] for v in values if v in keys.pending]
            if pending:
                return self.pending[min(pending)]
        return None

    def _row(self, csv_row: CsvRow, row: ImportRow) -> RowOutcome:
        """The row's outcome: final, or (for a row to create) filled in when it is inserted."""
        if self.by_row_path:
            return self._by_row_path(csv_row)
        outcome = RowOutcome(csv_row.number, "failed", cells=csv_row.cells)
        mode = self.batch.mode
        match = None if mode == ImportMode.CREATE else self._match(row)
        if match is not None and mode == ImportMode.SKIP:
            outcome.action = "skipped"
            return outcome
        ext = row.first("external_id")
        if isinstance(match, int) and not self.planning and not self._stale(ext):
            return self._update(csv_row, row, match)
        if match is not None or (ext and ext in self.ids.pending):
            return self._by_row_path(csv_row)
        clean = self._checked(row, outcome, None)
        if clean is not None:
            self._add_pending(csv_row, clean, *self._company(row))
        return outcome

    def _checked(
        self, row: ImportRow, outcome: RowOutcome, owner: int | None
    ) -> dict[str, Any] | None:
        """The row's values cleaned, or None with `outcome.errors` naming what is wrong as
        the row path names it (`Importer.errors_named`): a company it could not create and
        bad cells, found before the service is called, then values `_contact_clean`
        refuses, an external id another record holds (`owner`: the stored contact the row
        updates, None for a new one)."""
        read, found = self.reader.read(row, CONTACT_READERS)
        if row.has("company") and (problem := self._company_problem(row.first("company"))):
            found.insert(0, FieldError("company_ids", problem))
        stored = None if owner is None else self._stored_customs(owner, read)
        clean, errors = self._clean(row, read, creating=owner is None, stored=stored)
        ext = row.first("external_id")
        taken = self.ids.stored.get(ext) if ext else None
        if taken not in (None, owner) and not any(e.field == "external_id" for e in errors):
            errors.insert(
                self._external_id_position(errors),
                FieldError("external_id", f"'{ext}' is already the external id of record #{taken}"),
            )
        if found or errors:
            outcome.errors = self.importer.errors_named(row, found, errors)
            return None
        return clean

    def _stored_customs(self, pk: int, read: dict[str, Any]) -> dict[str, Any] | None:
        """The custom fields stored contact `pk` holds before the row (as this chunk's
        earlier rows leave them), where the row path checks them: a row that sets custom
        fields has the contact's required ones checked (`contact_update`), an empty one an
        error. None otherwise (most rows, which then cost no query)."""
        if "custom_fields" not in read:
            return None
        if not any(d.required for d in self.reader.definitions.values()):
            return None
        if pk not in self.customs:
            stored = Contact.objects.filter(workspace=self.workspace, pk=pk)
            self.customs[pk] = stored.values_list("custom_fields", flat=True).first() or {}
        return self.customs[pk]

    def _company_problem(self, name: str) -> str:
        """Why the row path could not create the company a row names ("" if it could, or
        if the company is known)."""
        return "" if self._name_key(name) in self.companies else self._company_error(name)

    def _company(self, row: ImportRow) -> tuple[int | _NewCompany | None, bool]:
        """The company the row names, a new one if it is not known yet, and whether this
        row creates it."""
        if not row.has("company"):
            return None, False
        key = self._name_key(row.first("company"))
        company = self.companies.get(key)
        if company is not None:
            return company, False
        company = self.companies[key] = _NewCompany(row.first("company"))
        return company, True

    def _stale(self, ext: str) -> bool:
        """Whether the external id leads to a contact this chunk has given another one: the
        row path then matches again in the database."""
        pk = self.ids.stored.get(ext) if ext else None
        return pk is not None and self.external_ids.get(pk, ext) != ext

    def _update(self, csv_row: CsvRow, row: ImportRow, pk: int) -> RowOutcome:
        """Plan the update of stored contact `pk` by the row (`contact_updates`), or name
        what is wrong with it (`_checked`)."""
        ext = row.first("external_id")
        if ext and ext in self.ids.pending:
            return self._by_row_path(csv_row)
        outcome = RowOutcome(csv_row.number, "failed", cells=csv_row.cells)
        clean = self._checked(row, outcome, pk)
        if clean is None:
            return outcome
        if pk in self.customs and "custom_fields" in clean:
            self.customs[pk] = custom_fields_merged(self.customs[pk], clean["custom_fields"])
        company, owns = self._company(row)
        self.updates.append(Update(csv_row, len(self.outcomes), pk, clean, company, owns))
        # what the contact will hold, for the rows after it to match as the row path would
        if ext:
            self.ids.store(ext, pk)
            self.external_ids[pk] = ext
        for keys, values in ((self.emails, "emails"), (self.phones, "phones")):
            for value in clean.get(values, ()):
                keys.store(value, pk)
        return outcome

    @staticmethod
    def _external_id_position(errors: list[FieldError]) -> int:
        """Where `_contact_clean` reports the external id: after the text fields' errors."""
        text = set(CONTACT_TEXT_LIMITS)
        return sum(1 for e in errors if e.field in text)

    def _add_pending(
        self,
        csv_row: CsvRow,
        clean: dict[str, Any],
        company: int | _NewCompany | None,
        owns_company: bool,
    ) -> None:
        values = {name: clean[name] for name in VALUES if name in clean}
        emails, phones = clean.get("emails", []), clean.get("phones", [])
        values["email"] = emails[0] if emails else ""
        values["phone"] = phones[0] if phones else ""
        index = len(self.pending)
        ext = clean.get("external_id", "")
        self.pending.append(
            _Pending(
                csv_row,
                len(self.outcomes),
                values,
                emails,
                phones,
                company,
                owns_company,
                clean.get("tags", []),
                ext,
                _not_work(clean.get("phone_kinds", {})),
                clean.get("phone_extensions", {}),
            )
        )
        if ext:
            self.ids.pending.setdefault(ext, index)
        for keys, values in ((self.emails, emails), (self.phones, phones)):
            for value in values:
                keys.pending.setdefault(value, index)

    def _by_row_path(self, csv_row: CsvRow) -> RowOutcome:
        if self.planning:
            raise RowPathNeeded
        self._flush()
        done = _write_row(
            csv_row=csv_row, batch=self.batch, importer=self.importer, actor=self.actor
        )
        contact = done.instance
        self.customs.clear()  # the row may have changed a contact's custom fields
        if isinstance(contact, Contact):
            self.external_ids[contact.pk] = contact.external_id
            if contact.external_id:
                self.ids.store(contact.external_id, contact.pk)
            for e in contact.emails.all():
                self.emails.store(e.email, contact.pk)
            for p in contact.phones.all():
                self.phones.store(p.number, contact.pk)
        for entity, record in ((r.entity, r) for r in done.records):
            if entity == "companies":
                company = Company.objects.get(pk=record.object_id)
                self.companies.setdefault(company.name_key, company.pk)
        return done

    # --- inserts -------------------------------------------------------------------------

    def _store(
        self,
        pending: list[_Pending],
        updates: list[Update],
        outcomes: list[RowOutcome],
        turn: Callable[[], None],
    ) -> bool:
        """Insert `pending` and apply `updates` in a savepoint and fill in their `outcomes`.
        On a conflict the chunk could not foresee (another writer took an external id, or
        deleted a contact to update) the row path stores what it can, in file order, and
        names the rest: False. `turn` as in `PlannedChunk.store`; it is taken inside the
        savepoint, so a chunk that must not keep its inserts (`ContactChunk`) can still take
        them back."""
        try:
            with transaction.atomic():
                self._insert(pending, updates, outcomes, turn)
                turn()
        except (DatabaseError, ContactGone):
            turn()
            rows = sorted(
                [(p.position, p.csv_row) for p in pending]
                + [(u.position, u.csv_row) for u in updates]
            )
            for position, csv_row in rows:
                outcomes[position] = _write_row(
                    csv_row=csv_row, batch=self.batch, importer=self.importer, actor=self.actor
                )
            return False
        return True

    def _flush(self) -> None:
        if not self.pending and not self.updates:
            return
        pending, self.pending = self.pending, []
        updates, self.updates = self.updates, []
        if not self._store(pending, updates, self.outcomes, _no_turn):
            # The keys and new companies this chunk knows lead to ids the row path did not
            # keep: its further rows go by the row path, which matches in the database.
            self.by_row_path = True
            return
        for keys in (self.ids, self.emails, self.phones):
            keys.pending.clear()
        for p in pending:
            pk = p.pk
            if p.external_id:
                self.ids.store(p.external_id, pk)
            for e in p.emails:
                self.emails.store(e, pk)
            for n in p.phones:
                self.phones.store(n, pk)
        for key, company in list(self.companies.items()):
            if isinstance(company, _NewCompany) and company.pk is not None:
                self.companies[key] = company.pk

    def _insert(
        self,
        pending: list[_Pending],
        updates: list[Update],
        outcomes: list[RowOutcome],
        turn: Callable[[], None],
    ) -> None:
        owned = [p.company for p in pending if p.owns_company]
        self._companies_insert(owned + [u.company for u in updates if u.owns_company])
        if pending:
            self._contacts_insert(pending, outcomes, turn)
        if updates:
            for u in updates:
                u.company_id = self._company_id(u.company)
            updates_apply(
                workspace=self.workspace, actor=self.actor, updates=updates, outcomes=outcomes
            )

    def _companies_insert(self, new_companies: list[Any]) -> None:
        """The companies rows of the chunk create, with their audit entries."""
        ws = self.workspace
        companies = []
        for new in new_companies:
            assert isinstance(new, _NewCompany)
            company = Company(workspace=ws, name=new.name, pk=new.pk)
            company.set_derived_fields()
            companies.append(company)
        instances_insert(companies)
        for new, company in zip(new_companies, companies, strict=True):
            assert isinstance(new, _NewCompany)
            new.pk = company.pk
        audit_bulk_created(
            workspace_id=ws.pk,
            actor=self.actor,
            created=[(c, {**snapshot(c, COMPANY_AUDITED), "tags": []}) for c in companies],
        )

    def _contacts_insert(
        self, pending: list[_Pending], outcomes: list[RowOutcome], turn: Callable[[], None]
    ) -> None:
        ws, actor = self.workspace, self.actor
        company_ids = [self._company_id(p.company) for p in pending]
        linked = list(zip(pending, company_ids, strict=True))
        drawn = [p.pk for p in pending if p.pk] or None
        ids = dicts_insert(Contact, [self._contact_row(p, cid) for p, cid in linked], drawn)
        for p, pk in zip(pending, ids, strict=True):
            p.pk = pk
        names = list(dict.fromkeys(t for p in pending for t in p.tags))
        if names:  # the tags the chunk before creates are then found, not created twice
            turn()
        tags = {t.name.lower(): t for t in tags_resolve(workspace=ws, names=names)}
        if connection.vendor == "postgresql":
            staged_insert(
                workspace_id=ws.pk,
                actor=actor,
                rows=(self._staged(p, cid, tags) for p, cid in linked),
            )
        else:
            self._related_insert(pending, company_ids, tags)
        records_changed(
            entity="contacts.contact", workspace_id=ws.pk, ids=[p.pk for p in pending], actor=actor
        )
        for p in pending:
            outcome = outcomes[p.position]
            outcome.action = ImportedRecordAction.CREATED
            if p.owns_company:
                assert isinstance(p.company, _NewCompany) and p.company.pk is not None
                outcome.records.append(self._record("companies", p.company.pk))
            outcome.records.append(self._record("contacts", p.pk))

    def _related_insert(
        self, pending: list[_Pending], company_ids: list[int | None], tags: dict[str, Tag]
    ) -> None:
        """Emails, phones, company links, tags and audit entries as rows built here (the
        path of databases without `contact_staging`)."""
        ws, actor = self.workspace, self.actor
        now = timezone.now()
        stamps = (ws.pk, now, now)
        stamped = ["workspace_id", "created_at", "updated_at"]
        rows_insert(
            ContactEmail,
            [*stamped, "contact_id", "email", "is_primary"],
            [(*stamps, p.pk, e, i == 0) for p in pending for i, e in enumerate(p.emails)],
        )
        rows_insert(
            ContactPhone,
            [*stamped, "contact_id", "number", "is_primary", "kind", "extension"],
            [
                (
                    *(*stamps, p.pk, n, i == 0),
                    p.phone_kinds.get(n, PhoneKind.WORK),
                    p.phone_extensions.get(n, ""),
                )
                for p in pending
                for i, n in enumerate(p.phones)
            ],
        )
        rows_insert(
            ContactCompany,
            [*stamped, "contact_id", "company_id", "is_primary"],
            [
                (*stamps, p.pk, cid, True)
                for p, cid in zip(pending, company_ids, strict=True)
                if cid is not None
            ],
        )
        rows_insert(
            Contact.tags.through,
            ["contact_id", "tag_id"],
            [
                (p.pk, tag_id)
                for p in pending
                for tag_id in dict.fromkeys(tags[n.lower()].pk for n in p.tags)
            ],
        )
        audit_rows_created(
            workspace_id=ws.pk,
            actor=actor,
            created=[
                (
                    "contacts.contact",
                    p.pk,
                    self._contact_str(p),
                    self._contact_snapshot(p, cid, tags),
                )
                for p, cid in zip(pending, company_ids, strict=True)
            ],
        )

    def _staged(self, p: _Pending, company_id: int | None, tags: dict[str, Tag]) -> tuple[Any, ...]:
        """The contact's row in the staging table (`contact_staging.STAGED`)."""
        first = (p.pk, self._contact_str(p), staged_list(p.emails), staged_list(p.phones))
        kinds = (staged_object(p.phone_kinds), staged_object(p.phone_extensions))
        if not p.tags:
            return (*first, company_id, EMPTY, EMPTY, *kinds)
        resolved = [tags[n.lower()] for n in p.tags]
        return (
            *(*first, company_id),
            staged_list(list(dict.fromkeys(t.pk for t in resolved))),
            staged_list(sorted({t.name for t in resolved})),
            *kinds,
        )

    @staticmethod
    def _company_id(company: int | _NewCompany | None) -> int | None:
        if isinstance(company, _NewCompany):
            assert company.pk is not None
            return company.pk
        return company

    def _contact_row(self, p: _Pending, company_id: int | None) -> dict[str, Any]:
        """The contact's attributes, derived ones included (as `Contact.set_derived_fields`)."""
        row = {**self.contact_defaults, **p.values, "primary_company_id": company_id}
        first, last = row["first_name"], row["last_name"]
        row["search_name"] = name_key(f"{first} {last}")
        row["sort_name"] = name_key(f"{last} {first}") or row["email"]
        return row

    @staticmethod
    def _contact_str(p: _Pending) -> str:
        """`str(contact)`: its display name."""
        values = p.values
        full = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
        return full or values["email"] or f"Contact #{p.pk}"

    def _contact_snapshot(
        self, p: _Pending, company_id: int | None, tags: dict[str, Tag]
    ) -> dict[str, Any]:
        """`contacts.services._contact_snapshot` of the contact as inserted, less the empty
        defaults its audit entry leaves out."""
        snap = self.contact_snapshot.copy()
        audited = self.audited
        snap.update(
            (audited[name], value)
            for name, value in p.values.items()
            if name in audited and value not in EMPTY_VALUES
        )
        snap["primary_company"] = company_id
        snap["emails"] = p.emails
        snap["phones"] = [
            phone_audited(n, p.phone_extensions.get(n, ""), p.phone_kinds.get(n, PhoneKind.WORK))
            for n in p.phones
        ]
        snap["companies"] = [company_id] if company_id is not None else []
        snap["tags"] = sorted({tags[n.lower()].name for n in p.tags})
        return snap

    @staticmethod
    def _record(entity: str, pk: int) -> UndoRecord:
        return UndoRecord(entity, pk, ImportedRecordAction.CREATED, {})


class _Stale(Exception):
    """A planned chunk learnt at its turn that a chunk before it was not stored as planned."""


@dataclass
class ContactChunk:
    """A chunk planned by `ContactBulkWriter.plan`, to be stored in the caller's transaction
    on the calling thread's connection."""

    writer: ContactBulkWriter
    rows: list[CsvRow]
    pending: list[_Pending]
    outcomes: list[RowOutcome]
    number: int  # in the order planned

    def store(self, turn: Callable[[], None]) -> list[RowOutcome]:
        """The chunk stored as planned; or, where a chunk planned before it fell back to the
        row path (its new records did not get the ids drawn for them, which this chunk's plan
        may use), the whole chunk by the row path, once the chunks before it are stored."""
        writer = self.writer

        def in_turn() -> None:
            turn()
            if writer.diverged is not None and writer.diverged < self.number:
                raise _Stale

        try:
            if not self.pending:
                in_turn()
            elif (
                not writer._store(self.pending, [], self.outcomes, in_turn) and not writer.diverged
            ):
                writer.diverged = self.number
        except _Stale:
            return [
                _write_row(
                    csv_row=row, batch=writer.batch, importer=writer.importer, actor=writer.actor
                )
                for row in self.rows
            ]
        return self.outcomes
