"""Web domains and addresses made from the demo's generated names, so that a company's site
and its people's mailboxes look like the company's own."""

import random
import re

from faker import Faker

LEGAL_FORMS = {"ltd", "llc", "inc", "plc", "group", "and", "sons"}


def company_domain(name: str, taken: set[str]) -> str:
    """ "Briggs Ltd" -> briggs.com; "Graham, Nunez and Porter" -> grahamnunezporter.com; a
    second company of the same stem gets a number."""
    words = [w for w in re.findall(r"[a-z]+", name.lower()) if w not in LEGAL_FORMS]
    stem = "".join(words)[:24] or "company"
    domain, n = f"{stem}.com", 2
    while domain in taken:
        domain, n = f"{stem}{n}.com", n + 1
    taken.add(domain)
    return domain


def mailbox(first: str, last: str, domain: str, taken: set[str]) -> str:
    """first.last@domain, with a number when that address is already someone else's."""
    local = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
    address, n = f"{local}@{domain}", 2
    while address in taken:
        address, n = f"{local}{n}@{domain}", n + 1
    taken.add(address)
    return address


def prospect(
    fake: Faker, rng: random.Random, taken: set[str], free_mail: list[str] | None = None
) -> tuple[str, str, str, str, str]:
    """(first, last, email, company, company domain) of someone new, their address made of
    their name at their company's domain, or at one of `free_mail` for a quarter of them."""
    first, last, company = fake.first_name(), fake.last_name(), fake.company()
    domain = company_domain(company, set())
    provider = rng.choice(free_mail) if free_mail and rng.random() < 0.25 else domain
    return first, last, mailbox(first, last, provider, taken), company, domain
