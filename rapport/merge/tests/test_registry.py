"""Every foreign key to a contact or a company must have a merge handler: otherwise merging
would delete (or orphan) that app's rows with the removed record. A new app that points at
contacts or companies fails here until it registers one in its `merge_handlers` module."""

from rapport.contacts.models import Company, Contact
from rapport.merge.registry import (
    COMPANY,
    CONTACT,
    covered_relations,
    merge_handlers,
    relations_to,
)


def test_every_relation_to_a_contact_or_company_has_a_merge_handler():
    missing = relations_to([Contact, Company]) - covered_relations()

    assert missing == set(), f"register a merge handler for: {sorted(missing)}"


def test_the_model_graph_walk_finds_link_tables_and_one_to_ones():
    relations = relations_to([Contact])

    assert {
        "contacts.contact_tags.contact",
        "activities.activitycontact.contact",
        "sales.contactscore.contact",
        "service.ticket.requester",
    } <= relations


def test_handlers_are_kept_per_kind_of_record():
    assert {h.entity for h in merge_handlers(CONTACT)} == {CONTACT}
    assert {h.entity for h in merge_handlers(COMPANY)} == {COMPANY}
    assert "contacts.company.parent" in {h.key for h in merge_handlers(COMPANY)}
