"""The demo's duplicates, as a real migration leaves them: a few contacts entered twice (a typo
in the surname, an address in capitals with a new phone, an initial for a first name) and two
companies under a second spelling. Detection then runs as the nightly job would, so the review
queue has pairs to merge or dismiss."""

import random

from django.contrib.auth.models import AbstractUser

from rapport.contacts.models import Company, Contact
from rapport.contacts.services import company_create, contact_create
from rapport.dedupe.services import dedupe_run
from rapport.tenancy.models import Workspace

CONTACT_TWINS = 9
COMPANY_TWINS = 2


def _typo(word: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped, as fast typing does."""
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _contact_twin(original: Contact, variant: int, rng: random.Random) -> dict[str, object]:
    email = original.emails.all()[0].email
    phones = [p.number for p in original.phones.all()]
    first, last = original.first_name, original.last_name
    data: dict[str, object] = {"first_name": first, "last_name": last, "emails": [email]}
    if variant == 0:
        data.update(last_name=_typo(last, rng), phones=phones)
    elif variant == 1:
        data.update(emails=[email.upper()], phones=[f"+1 617 555 01{rng.randrange(100):02d}"])
    else:
        data.update(first_name=f"{first[0]}.", phones=phones)
    data["company_ids"] = [c.pk for c in original.companies.all()]
    return data


def duplicates_demo_fill(
    *, workspace: Workspace, users: list[AbstractUser], rng: random.Random
) -> None:
    chosen = rng.sample(sorted(Contact.objects.values_list("pk", flat=True)), CONTACT_TWINS)
    originals = Contact.objects.prefetch_related("emails", "phones", "companies").filter(
        pk__in=chosen
    )
    for i, original in enumerate(originals):
        contact_create(
            workspace=workspace,
            actor=rng.choice(users),
            data={**_contact_twin(original, i % 3, rng), "source": "import"},
        )
    named = sorted(Company.objects.exclude(domain="").values_list("pk", flat=True))
    for company in Company.objects.filter(pk__in=rng.sample(named, COMPANY_TWINS)):
        company_create(
            workspace=workspace,
            actor=rng.choice(users),
            data={"name": company.name.upper(), "domain": f"www.{company.domain}"},
        )
    for entity in ("contact", "company"):
        dedupe_run(workspace=workspace, entity=entity)
