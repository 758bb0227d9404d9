"""Merging contacts and companies: every related row moves, the chosen values win, the
audit trail tells it, and undo puts back everything, the removed record under its old id."""

import pytest

from rapport.activities.models import ActivityContact
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact, ContactCompany, ContactEmail
from rapport.contacts.services import company_update, contact_update, custom_field_create
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core import hooks
from rapport.core.errors import ServiceValidationError
from rapport.merge.registry import CONTACT, merge_handlers
from rapport.merge.services import MERGE_ENTITY, merge_companies, merge_contacts, merge_undo
from rapport.merge.snapshots import row_snapshot
from rapport.merge.tests.factories import Pair, company_pair, contact_pair, fresh, pointing_at
from rapport.sales.models import ContactScore, DealContact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacts(workspace, owner):
    return contact_pair(workspace, owner)


@pytest.fixture
def companies(workspace, owner):
    return company_pair(workspace, owner)


def _merge_contacts(workspace, owner, pair, **choices):
    with workspace_scope(workspace):
        return merge_contacts(
            workspace=workspace,
            actor=owner,
            survivor=pair.survivor,
            other=pair.other,
            choices=choices,
        )


def _latest_entry(contact_id: int) -> AuditEntry:
    return AuditEntry.objects.filter(entity="contacts.contact", object_id=contact_id)[0]


def _undo(workspace, owner, record):
    with workspace_scope(workspace):
        return merge_undo(workspace=workspace, actor=owner, record=record)


def test_the_fixture_has_a_row_of_every_kind_that_points_at_a_contact(workspace, contacts):
    with workspace_scope(workspace):
        empty = [r for r, ids in pointing_at(contacts.other).items() if not ids]
    assert empty == []


def test_a_contact_merge_moves_every_related_row_to_the_survivor(workspace, owner, contacts):
    with workspace_scope(workspace):
        other_rows = pointing_at(contacts.other)
        survivor_rows = pointing_at(contacts.survivor)

    _merge_contacts(workspace, owner, contacts)

    with workspace_scope(workspace):
        assert fresh(contacts.other) is None
        assert all(not ids for ids in pointing_at(contacts.other).values())
        now = pointing_at(contacts.survivor)
    for relation, ids in other_rows.items():
        # Each row moved, or (a duplicate of one the survivor had) was folded into it.
        assert set(now[relation]) >= set(survivor_rows[relation]), relation
        assert len(now[relation]) >= len(ids), relation
    with workspace_scope(workspace):
        ann = Contact.objects.get(pk=contacts.survivor.pk)
        assert sorted(ann.emails.values_list("email", flat=True)) == [
            "ann@acme.io",
            "annie@globex.io",
            "shared@acme.io",
        ]
        assert sorted(t.name for t in ann.tags.all()) == ["newsletter", "vip"]
        assert ann.activities.filter(subject="Call with Annie").exists()
        assert ann.tickets.count() == 1
        assert ann.orders.count() == 1
        assert ann.deals.count() == 2
        assert ContactScore.objects.filter(contact=ann).count() == 1


def test_a_row_linked_to_both_records_is_kept_once(workspace, owner, contacts):
    _merge_contacts(workspace, owner, contacts)

    with workspace_scope(workspace):
        both = ActivityContact.objects.filter(activity__subject="Both at the demo")
        assert list(both.values_list("contact_id", flat=True)) == [contacts.survivor.pk]
        shared = DealContact.objects.filter(deal__name="Shared deal")
        assert list(shared.values_list("contact_id", flat=True)) == [contacts.survivor.pk]
        emails = ContactEmail.objects.filter(contact_id=contacts.survivor.pk)
        assert emails.filter(email="shared@acme.io").count() == 1


def test_the_chosen_values_win_and_blanks_are_filled(workspace, owner, contacts):
    _merge_contacts(workspace, owner, contacts, first_name="other", email="other")

    with workspace_scope(workspace):
        ann = Contact.objects.get(pk=contacts.survivor.pk)
        assert ann.first_name == "Annie"  # chosen: the other's
        assert ann.job_title == "CTO"  # not chosen: the survivor's
        assert ann.source == "web form"  # the survivor had none
        assert ann.email == "annie@globex.io"
        assert ann.search_name == "annie lee"
        primary = ContactEmail.objects.filter(contact=ann, is_primary=True)
        assert list(primary.values_list("email", flat=True)) == ["annie@globex.io"]
        links = ContactCompany.objects.filter(contact=ann, is_primary=True)
        assert list(links.values_list("company_id", flat=True)) == [ann.primary_company_id]


def test_custom_fields_are_chosen_one_by_one(workspace, owner):
    with workspace_scope(workspace):
        for label in ("Tier", "Region code"):
            custom_field_create(
                workspace=workspace,
                actor=owner,
                data={"entity": "contact", "label": label, "field_type": "text"},
            )
    ann = make_contact(workspace, custom_fields={"tier": "gold", "region_code": "N"})
    bob = make_contact(workspace, first_name="Bob", custom_fields={"tier": "silver"})

    with workspace_scope(workspace):
        merge_contacts(
            workspace=workspace,
            actor=owner,
            survivor=ann,
            other=bob,
            choices={"custom_fields.tier": "other"},
        )
        ann.refresh_from_db()
    assert ann.custom_fields == {"tier": "silver", "region_code": "N"}


def test_bad_choices_are_refused_by_name_and_nothing_changes(workspace, owner, contacts):
    with workspace_scope(workspace):
        before = pointing_at(contacts.other)
        with pytest.raises(ServiceValidationError) as caught:
            merge_contacts(
                workspace=workspace,
                actor=owner,
                survivor=contacts.survivor,
                other=contacts.other,
                choices={"shoe_size": "other", "first_name": "both"},
            )
        assert pointing_at(contacts.other) == before
    assert set(caught.value.as_dict()) == {"choices.shoe_size", "choices.first_name"}
    assert fresh(contacts.other) is not None


def test_a_record_cannot_be_merged_with_itself(workspace, owner, contacts):
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as caught:
        merge_contacts(
            workspace=workspace, actor=owner, survivor=contacts.other, other=contacts.other
        )
    assert "other_id" in caught.value.as_dict()


def test_the_merge_is_in_the_audit_trail_of_both_records(workspace, owner, contacts):
    _merge_contacts(workspace, owner, contacts, first_name="other")

    with workspace_scope(workspace):
        on_survivor = _latest_entry(contacts.survivor.pk)
        on_other = _latest_entry(contacts.other.pk)
    assert on_survivor.action == "update"
    assert on_survivor.actor == owner
    assert on_survivor.changes["merged_contact"] == [None, contacts.other.pk]
    assert on_survivor.changes["first_name"] == ["Ann", "Annie"]
    assert "annie@globex.io" in on_survivor.changes["emails"][1]
    assert on_other.action == "delete"
    assert on_other.changes["merged_into_contact"] == [None, contacts.survivor.pk]
    assert on_other.changes["first_name"] == ["Annie", None]


def test_undo_restores_the_removed_contact_its_rows_and_the_survivors_values(
    workspace, owner, contacts
):
    with workspace_scope(workspace):
        other_row = row_snapshot(fresh(contacts.other))
        survivor_row = row_snapshot(fresh(contacts.survivor))
        other_rows = pointing_at(contacts.other)
        survivor_rows = pointing_at(contacts.survivor)
        primaries = sorted(
            ContactEmail.objects.filter(is_primary=True).values_list("contact_id", "email")
        )
    record = _merge_contacts(workspace, owner, contacts, first_name="other", email="other")

    _undo(workspace, owner, record)

    with workspace_scope(workspace):
        assert row_snapshot(fresh(contacts.other)) == other_row  # same id, same values
        restored_survivor = row_snapshot(fresh(contacts.survivor))
        assert pointing_at(contacts.other) == other_rows
        assert pointing_at(contacts.survivor) == survivor_rows
        assert (
            sorted(ContactEmail.objects.filter(is_primary=True).values_list("contact_id", "email"))
            == primaries
        )
        bob = Contact.objects.get(pk=contacts.other.pk)
        assert sorted(t.name for t in bob.tags.all()) == ["newsletter", "vip"]
    ignore = {"updated_at"}
    assert {k: v for k, v in restored_survivor["fields"].items() if k not in ignore} == {
        k: v for k, v in survivor_row["fields"].items() if k not in ignore
    }
    record.refresh_from_db()
    assert record.undone_at is not None
    assert record.undone_by == owner


def test_undo_is_in_the_audit_trail_of_both_records(workspace, owner, contacts):
    record = _merge_contacts(workspace, owner, contacts)

    _undo(workspace, owner, record)

    with workspace_scope(workspace):
        survivor_entry = _latest_entry(contacts.survivor.pk)
        other_entry = _latest_entry(contacts.other.pk)
    assert survivor_entry.changes["merged_contact"] == [contacts.other.pk, None]
    assert other_entry.action == "create"
    assert other_entry.changes["split_from_contact"] == [None, contacts.survivor.pk]


def test_a_second_undo_is_refused(workspace, owner, contacts):
    record = _merge_contacts(workspace, owner, contacts)
    _undo(workspace, owner, record)

    with pytest.raises(ServiceValidationError) as caught:
        _undo(workspace, owner, record)

    assert caught.value.as_dict() == {"merge": ["this merge was undone already"]}


def test_undo_waits_for_a_later_merge_of_the_same_records_to_be_undone(workspace, owner, contacts):
    first = _merge_contacts(workspace, owner, contacts)
    carl = make_contact(workspace, first_name="Carl")
    with workspace_scope(workspace):
        later = merge_contacts(
            workspace=workspace, actor=owner, survivor=carl, other=contacts.survivor
        )

    with pytest.raises(ServiceValidationError) as caught:
        _undo(workspace, owner, first)
    assert "undo it first" in caught.value.as_dict()["merge"][0]

    _undo(workspace, owner, later)
    _undo(workspace, owner, first)
    assert fresh(contacts.other) is not None
    assert fresh(contacts.survivor) is not None


def test_a_survivor_field_edited_after_the_merge_keeps_its_new_value(workspace, owner, contacts):
    record = _merge_contacts(workspace, owner, contacts, first_name="other", last_name="other")
    with workspace_scope(workspace):
        contact_update(
            workspace=workspace,
            actor=owner,
            contact=Contact.objects.get(pk=contacts.survivor.pk),
            data={"first_name": "Anna"},
        )

    _undo(workspace, owner, record)

    with workspace_scope(workspace):
        ann = Contact.objects.get(pk=contacts.survivor.pk)
        entry = _latest_entry(ann.pk)
    assert ann.first_name == "Anna"
    assert entry.changes["kept_after_undo"] == [None, ["first_name"]]


def test_a_row_moved_on_since_the_merge_stays_where_it_is(workspace, owner, contacts):
    record = _merge_contacts(workspace, owner, contacts)
    carl = make_contact(workspace, first_name="Carl")
    with workspace_scope(workspace):
        ticket = Contact.objects.get(pk=contacts.survivor.pk).tickets.get()
        ticket.requester = carl
        ticket.save()

    _undo(workspace, owner, record)

    ticket.refresh_from_db()
    assert ticket.requester_id == carl.pk


def test_every_handler_for_contacts_is_registered_by_its_own_app():
    owners = {h.key.split(".")[0] for h in merge_handlers(CONTACT)}
    assert owners == {
        "activities",
        "campaigns",
        "contacts",
        "feedback",
        "marketing",
        "portal",
        "sales",
        "sequences",
        "service",
    }


# --- companies -------------------------------------------------------------------------------


def test_the_fixture_has_a_row_of_every_kind_that_points_at_a_company(workspace, companies):
    with workspace_scope(workspace):
        empty = [r for r, ids in pointing_at(companies.other).items() if not ids]
    assert empty == []


def test_a_company_merge_moves_every_row_and_undo_puts_it_back(workspace, owner, companies):
    with workspace_scope(workspace):
        other_row = row_snapshot(fresh(companies.other))
        other_rows = pointing_at(companies.other)
        survivor_rows = pointing_at(companies.survivor)
        record = merge_companies(
            workspace=workspace,
            actor=owner,
            survivor=companies.survivor,
            other=companies.other,
            choices={"industry": "other"},
        )
        assert all(not ids for ids in pointing_at(companies.other).values())
        acme = Company.objects.get(pk=companies.survivor.pk)
        assert acme.industry == "Rockets"
        assert acme.subsidiaries.get().name == "Acme Labs"
        di = Contact.objects.get(first_name="Di")
        assert di.primary_company_id == acme.pk
        assert list(di.company_links.values_list("company_id", "is_primary")) == [(acme.pk, True)]

        merge_undo(workspace=workspace, actor=owner, record=record)

        assert row_snapshot(fresh(companies.other)) == other_row
        assert pointing_at(companies.other) == other_rows
        assert pointing_at(companies.survivor) == survivor_rows
        di = Contact.objects.get(first_name="Di")
        assert di.primary_company_id == companies.other.pk
        assert sorted(di.company_links.values_list("company_id", "is_primary")) == sorted(
            [(companies.other.pk, True), (companies.survivor.pk, False)]
        )
        assert Company.objects.get(pk=companies.survivor.pk).industry == ""


def test_a_company_cannot_become_its_own_ancestor(workspace, owner, companies):
    acme, inc = companies.survivor, companies.other
    branch = make_company(workspace, owner, name="Acme Branch", parent_id=acme.pk)
    with workspace_scope(workspace):
        company_update(workspace=workspace, actor=owner, company=inc, data={"parent_id": branch.pk})
        with pytest.raises(ServiceValidationError) as caught:
            merge_companies(
                workspace=workspace,
                actor=owner,
                survivor=acme,
                other=inc,
                choices={"parent": "other"},
            )
    assert "choices.parent" in caught.value.as_dict()
    assert fresh(inc) is not None


def test_a_subsidiary_merged_with_its_parent_loses_the_parent(workspace, owner, companies):
    with workspace_scope(workspace):
        labs = Company.objects.get(name="Acme Labs")
        merge_companies(workspace=workspace, actor=owner, survivor=labs, other=companies.other)
        labs.refresh_from_db()
    assert labs.parent_id is None


def test_other_apps_hear_of_a_merge_and_its_undo_after_commit(
    workspace, owner, monkeypatch, django_capture_on_commit_callbacks
):
    heard: list[list[int]] = []
    monkeypatch.setitem(hooks._listeners, MERGE_ENTITY, [lambda ws, ids: heard.append(ids)])
    ann, bob = make_contact(workspace), make_contact(workspace, first_name="Bob")

    with django_capture_on_commit_callbacks(execute=True):
        record = _merge_contacts(workspace, owner, Pair(ann, bob))
    assert heard == [[record.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        _undo(workspace, owner, record)
    assert heard == [[record.pk], [record.pk]]
