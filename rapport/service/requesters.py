"""The requester of a ticket found by email address, or made from it: the one place the
service app creates a contact from an address (the desk's new ticket page, mail in).

Two requests from the same new address at the same moment (a customer's mail and an agent
typing it, two mails delivered in parallel) must not make two contacts. Addresses are not
unique across contacts (duplicates are allowed and merged by hand), so no constraint can
refuse the second insert; instead, on PostgreSQL, each call takes a transaction-scoped
advisory lock on (workspace, address) before it looks: the second caller waits for the
first to commit and then finds its contact. SQLite serialises writing transactions anyway.
"""

import hashlib
from typing import NamedTuple

from django.db import connection, transaction

from rapport.contacts.models import Contact
from rapport.contacts.normalise import email_normalise
from rapport.contacts.services import Actor, Data, contact_create
from rapport.service.page_queries import contact_by_email
from rapport.tenancy.models import Workspace


class Requester(NamedTuple):
    contact: Contact
    created: bool  # the address was no contact's yet


def requester_for_email(
    *, workspace: Workspace, actor: Actor, email: str, data: Data, field: str = "email"
) -> Requester:
    """The workspace's contact with `email`, or one created with it and `data` (the
    contacts service normalises, validates and audits it; its ServiceValidationError goes
    to the caller). Runs in the caller's transaction if there is one, so the lock is held
    until the ticket that needs the contact is committed too."""
    address = email_normalise(email, field=field)
    with transaction.atomic():
        _lock_address(workspace=workspace, address=address)
        found = contact_by_email(email=address)
        if found is not None:
            return Requester(found, created=False)
        contact = contact_create(
            workspace=workspace, actor=actor, data={**data, "emails": [address]}
        )
        return Requester(contact, created=True)


def _lock_address(*, workspace: Workspace, address: str) -> None:
    """Wait until no other transaction is finding or creating the contact of `address`."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(
        f"rapport.requester:{workspace.pk}:{address}".encode(), digest_size=8
    ).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )
