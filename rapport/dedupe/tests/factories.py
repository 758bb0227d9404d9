"""A workspace with planted duplicates, made through the contacts services."""

from typing import Any

from rapport.contacts.tests.factories import make_company, make_contact
from rapport.dedupe.models import DuplicatePair
from rapport.dedupe.services import dedupe_run
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

BYSTANDERS = [
    ("Lena", "Berg", "Stark"),
    ("Omar", "Haddad", "Hooli"),
    ("Maria", "Garcia", "Umbrella"),
    ("Peter", "Novak", "Soylent"),
    ("Yuki", "Tanaka", "Cyberdyne"),
    ("Ivan", "Petrov", "Tyrell"),
    ("Chloe", "Martin", "Oscorp"),
    ("Sven", "Larsen", "Vandelay"),
]


def plant(workspace: Workspace, *, tag: str = "") -> dict[str, Any]:
    """Two duplicate contact pairs, one duplicate company pair, and bystanders."""
    people = {
        "ann": make_contact(
            workspace, first_name="Ann", last_name=f"Lee{tag}", emails=[f"ann{tag}@acme.io"]
        ),
        "anne": make_contact(
            workspace, first_name="Anne", last_name=f"Lee{tag}", emails=[f"ann{tag}@acme.io"]
        ),
        "bob": make_contact(
            workspace, first_name="Robert", last_name="Smith", phones=["+442071234567"]
        ),
        "rob": make_contact(
            workspace, first_name="Robert", last_name="Smyth", phones=["+442071234567"]
        ),
        "dana": make_contact(workspace, first_name="Dana", last_name="Okafor"),
        "acme": make_company(workspace, name=f"Acme{tag} Limited", domain=f"acme{tag}.io"),
        "acme2": make_company(workspace, name=f"Acme{tag} Ltd", domain=f"acme{tag}.io"),
        "wayne": make_company(workspace, name="Wayne Enterprises", domain="wayne.io"),
    }
    for first, last, company in BYSTANDERS:
        make_contact(workspace, first_name=first, last_name=last)
        make_company(workspace, name=company, domain=f"{company.lower()}.example")
    with workspace_scope(workspace):
        for entity in ("contact", "company"):
            dedupe_run(workspace=workspace, entity=entity)
    return people


def pair_of(workspace: Workspace, a: Any, b: Any) -> DuplicatePair:
    low, high = sorted((a.pk, b.pk))
    entity = a._meta.model_name
    with workspace_scope(workspace):
        return DuplicatePair.objects.get(entity=entity, a_id=low, b_id=high)
