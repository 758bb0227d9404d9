"""Namesakes are not duplicates: two people of one name, each with a name-made free-mail
address and a company of their own, stay out of the review queue; a typo duplicate does not."""

import random

import numpy as np
from faker import Faker

from rapport.dedupe.comparison import compare
from rapport.dedupe.detection import DEFAULT_THRESHOLD, detect
from rapport.dedupe.fellegi_sunter import monotone_weights
from rapport.dedupe.frames import CONTACT_SPEC, contact_frame_from

HOMONYMS = (3001, 3002)
TYPO_TWINS = (3003, 3004)


def _demo_like() -> list[tuple]:
    """3,000 contacts as the demo makes them (addresses first.last + digits on a free-mail
    domain, one of 300 companies, a city), nine entered twice as a migration would (a surname
    typo, the rest copied but the city), then two planted pairs: the same "Joshua Wright" at
    two companies with hotmail addresses differing only in their digits, and a typo twin."""
    fake, rng = Faker(["en_US"]), random.Random(5)
    fake.seed_instance(5)
    companies = [fake.unique.company() for _ in range(300)]
    rows = []
    for i in range(1, 3001):
        first, last = fake.first_name(), fake.last_name()
        email = f"{first}.{last}{rng.randrange(1000)}@{fake.free_email_domain()}".lower()
        company = rng.choice(companies) if rng.random() < 0.85 else ""
        rows.append((i, first, last, email, "", company, "", fake.city(), ""))
    for n, k in enumerate(rng.sample(range(3000), 9)):
        _, first, last, email, phone, company, *_ = rows[k]
        typo = last[0] + last[2] + last[1] + last[3:]
        rows.append((3005 + n, first, typo, email, phone, company, "", "", ""))
    rows += [
        (3001, "Joshua", "Wright", "joshua.wright12@hotmail.com", "", "Acme", "", "Leeds", ""),
        (3002, "Joshua", "Wright", "joshua.wright47@hotmail.com", "", "Globex", "", "York", ""),
        (3003, "Maria", "Kowalski", "maria.kowalski3@gmail.com", "", "Initech", "", "Leeds", ""),
        (3004, "Maria", "Kowlaski", "maria.kowalski3@gmail.com", "", "Initech", "", "", ""),
    ]
    return rows


def _probabilities(result) -> dict[tuple[int, int], float]:
    return {
        (int(a), int(b)): float(p)
        for a, b, p in zip(result.a, result.b, result.probability, strict=True)
    }


def test_namesakes_with_their_own_mailboxes_and_companies_stay_out_of_the_queue():
    found = _probabilities(detect(contact_frame_from(_demo_like()), CONTACT_SPEC, threshold=0.0))

    assert found[TYPO_TWINS] >= DEFAULT_THRESHOLD
    assert found[HOMONYMS] < DEFAULT_THRESHOLD
    assert found[HOMONYMS] < found[TYPO_TWINS]


def _email_levels(pairs: list[tuple[str, str]]) -> list[int]:
    email = CONTACT_SPEC.comparisons[[c.column for c in CONTACT_SPEC.comparisons].index("email")]
    values = [value for pair in pairs for value in pair]
    frame = contact_frame_from([(i, "", "", v, "", "", "", "", "") for i, v in enumerate(values)])
    ia = np.arange(0, len(values), 2)
    return compare(email, frame["email"], ia, ia + 1).levels.tolist()


def test_addresses_apart_only_in_digits_or_on_one_free_mail_domain_are_unlike():
    assert _email_levels(
        [
            ("joshua.wright12@hotmail.com", "joshua.wright47@hotmail.com"),
            ("j.smith@acme.com", "j.smith2@acme.com"),
            ("maria.kowalski@gmail.com", "maria.kowlaski@gmail.com"),
            ("christopher.roberts535@hotmail.com", "christopher.robertson562@gmail.com"),
        ]
    ) == [0, 0, 0, 0]


def test_colleagues_mailboxes_on_one_company_domain_are_compared_without_it():
    # The whole addresses are 0.91 alike, their shared domain doing most of it; the mailboxes
    # "theresa.nelson" and "theresa.jensen" are 0.79 alike: two people, not a typo.
    assert _email_levels(
        [
            ("theresa.nelson@doughertycruz.com", "theresa.jensen@doughertycruz.com"),
            ("theresa.nelson@doughertycruz.com", "theresa.nelsno@doughertycruz.com"),
        ]
    ) == [0, 1]


def test_a_typo_in_a_company_address_or_a_mail_domain_is_similar():
    assert _email_levels(
        [
            ("maria.kowalski@initech.com", "maria.kowlaski@initech.com"),
            ("maria.kowalski@gmail.com", "maria.kowalski@gmial.com"),
            ("maria.kowalski@gmail.com", "maria.kowalski@gmail.com"),
        ]
    ) == [1, 1, 2]


def test_a_rare_in_between_level_is_pooled_with_the_level_above_not_lifting_it():
    # unlike, similar (never met among random pairs: u is a pseudo-count), equal
    m, u = np.array([0.1, 0.05, 0.85]), np.array([0.997, 0.000001, 0.003])
    weights = monotone_weights(m, u)

    assert np.all(np.diff(weights) >= 0)
    assert weights[2] == weights[1] == np.log2(0.9 / 0.003001)  # not log₂(0.05 / 10⁻⁶)
    assert np.allclose(
        monotone_weights(np.array([0.1, 0.3, 0.6]), np.array([0.8, 0.15, 0.05])),
        np.log2([0.1 / 0.8, 0.3 / 0.15, 0.6 / 0.05]),
    )
