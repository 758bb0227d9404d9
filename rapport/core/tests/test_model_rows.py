"""Rows read in hand-written SQL become the instances the ORM would make (`core.model_rows`):
the same values (dates, JSON) and deferred fields on SQLite and PostgreSQL, and, made
without `Model.__init__`, the same state as `Model.from_db` gives; a model whose
construction does more (a `post_init` receiver) goes through `from_db`."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model, signals

from rapport.activities.models import Activity
from rapport.audit.models import AuditEntry
from rapport.contacts.listing import CONTACT_ROW_FIELDS
from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.core.model_rows import ModelRows
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db


def _state(instance: Model) -> dict[str, Any]:
    values = {k: v for k, v in instance.__dict__.items() if k != "_state"}
    return {
        "values": values,
        "deferred": instance.get_deferred_fields(),
        "adding": instance._state.adding,
        "db": instance._state.db,
    }


def _read(rows: ModelRows, pk: int) -> Any:
    table = rows.model._meta.db_table
    sql = f'SELECT {", ".join(rows.columns(table))} FROM "{table}" WHERE "{table}"."id" = %s'
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        return rows.instance(cursor.fetchone())


@pytest.fixture
def records(workspace, owner):
    acme = make_company(workspace, name="Acme <&>", domain="acme.example")
    ann = make_contact(
        workspace, owner, first_name="Ann", last_name="O'Hara", company_ids=[acme.pk]
    )
    with workspace_scope(workspace):
        Contact.objects.filter(pk=ann.pk).update(custom_fields={"tier": "gold", "seats": 3})
    note = make_activity(
        workspace,
        owner,
        kind="meeting",
        starts_at="2026-03-01T09:00:00Z",
        attendees=["Ann", "b@x.io"],
        contact_ids=[ann.pk],
    )
    with workspace_scope(workspace):
        entry = AuditEntry.objects.filter(object_id=ann.pk, entity="contacts.contact").first()
    assert entry is not None
    return [
        (Contact, ann.pk, None),
        (Contact, ann.pk, [n for n in CONTACT_ROW_FIELDS if "__" not in n]),
        (Company, acme.pk, None),
        (Company, acme.pk, ["id", "name"]),
        (get_user_model(), owner.pk, ["id", "username", "first_name", "last_name"]),
        (Activity, note.pk, None),
        (AuditEntry, entry.pk, None),
    ]


def test_the_instances_are_the_orms(records):
    for model, pk, names in records:
        rows = ModelRows.of(model, names)
        assert rows.plain, model
        mine = _read(rows, pk)
        qs = model._base_manager.all()  # unscoped: the rows' ids are the test's own
        theirs = qs.only(*names).get(pk=pk) if names else qs.get(pk=pk)
        assert type(mine) is model
        assert _state(mine) == _state(theirs), model
        # and as `from_db` itself would make them from the same values
        made = model.from_db(connection.alias, rows.names, [getattr(mine, n) for n in rows.names])
        assert _state(mine) == _state(made), model


def test_the_values_are_read_as_the_orm_reads_them(records):
    contact = _read(ModelRows.of(Contact), records[0][1])
    assert contact.custom_fields == {"tier": "gold", "seats": 3}  # JSON, not its text
    assert contact.created_at.tzinfo is not None  # aware, on SQLite too
    assert contact.display_name == "Ann O'Hara"
    meeting = _read(ModelRows.of(Activity), records[5][1])
    assert meeting.attendees == ["Ann", "b@x.io"]


def test_a_deferred_field_loads_on_first_access(records, workspace):
    ann = _read(ModelRows.of(Contact, ["id", "first_name"]), records[0][1])
    assert "city" in ann.get_deferred_fields()
    with workspace_scope(workspace):
        assert ann.last_name == "O'Hara"


def test_a_model_with_a_post_init_receiver_is_made_by_from_db(records):
    seen: list[Any] = []

    def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    signals.post_init.connect(receiver, sender=Company)
    try:
        rows = ModelRows.of(Company)
        assert not rows.plain
        acme = _read(rows, records[2][1])
    finally:
        signals.post_init.disconnect(receiver, sender=Company)
    assert seen == [acme]
    assert ModelRows.of(Company).plain
