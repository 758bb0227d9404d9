"""The queue ranked by match weight: pairs whose probability rounds to 1 still ordered by
strength, ties by id; the badge never reads 100%."""

import math

import numpy as np
import pytest
from django.apps import apps

from rapport.api.testing import ApiClient
from rapport.contacts.tests.factories import make_contact
from rapport.dedupe.detection import detect
from rapport.dedupe.fellegi_sunter import log_odds_of, probability_of
from rapport.dedupe.frames import CONTACT_SPEC, contact_frame_from
from rapport.dedupe.models import DuplicatePair, PairEntity
from rapport.dedupe.queries import pair_list
from rapport.dedupe.templatetags.dedupe_ui import match_percent
from rapport.dedupe.tests.factories import plant
from rapport.dedupe.tests.test_detection import PEOPLE
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
plain_static_storage = fixtures.plain_static_storage

WEIGHTS = [("weak", 1.0, 14.5), ("strong", 1.0, 31.0), ("tie", 1.0, 14.5), ("low", 0.93, 3.8)]


def _pairs(workspace) -> dict[str, DuplicatePair]:
    """Four contact pairs: three at probability 1.0 (two of them equal in weight)."""
    ids = [make_contact(workspace, last_name=f"Lee{i}").pk for i in range(2 * len(WEIGHTS))]
    with workspace_scope(workspace):
        return {
            name: DuplicatePair.objects.create(
                workspace=workspace,
                entity=PairEntity.CONTACT,
                a_id=ids[2 * i],
                b_id=ids[2 * i + 1],
                probability=p,
                match_weight=w,
                reasons=[name],
            )
            for i, (name, p, w) in enumerate(WEIGHTS)
        }


def test_detection_gives_each_pair_the_weight_its_probability_comes_from():
    found = detect(contact_frame_from(PEOPLE), CONTACT_SPEC, threshold=0.0)

    assert np.allclose(probability_of(found.weight.copy()), found.probability)
    kept = detect(contact_frame_from(PEOPLE), CONTACT_SPEC, threshold=0.8)
    assert np.all(kept.probability >= 0.8)
    assert np.all(kept.weight >= log_odds_of(0.8))


@pytest.mark.django_db
def test_a_run_stores_each_pairs_weight_beside_its_probability(workspace):
    plant(workspace)

    with workspace_scope(workspace):
        for p, w in DuplicatePair.objects.values_list("probability", "match_weight"):
            assert w > 0
            assert p == pytest.approx(1 / (1 + 2 ** -min(w, 60)), abs=1e-4)


@pytest.mark.django_db
def test_the_queue_orders_by_weight_then_id_where_probabilities_are_all_one(workspace):
    pairs = _pairs(workspace)

    with workspace_scope(workspace):
        ranked = list(pair_list(entity=PairEntity.CONTACT))

    assert ranked == [pairs["strong"], pairs["weak"], pairs["tie"], pairs["low"]]


@pytest.mark.django_db
def test_the_api_lists_the_same_order_with_the_weight(workspace, owner):
    pairs = _pairs(workspace)

    listed = ApiClient.with_token(owner, workspace).get("/dedupe/pairs").json()

    assert [p["id"] for p in listed] == [
        pairs[name].pk for name in ("strong", "weak", "tie", "low")
    ]
    assert listed[0]["match_weight"] == 31.0


@pytest.mark.django_db
def test_the_queue_page_ranks_by_weight_and_never_shows_100_percent(member_client, workspace):
    pairs = _pairs(workspace)

    html = member_client.get("/duplicates/").content.decode()

    assert html.index(f"pair-{pairs['strong'].pk}") < html.index(f"pair-{pairs['weak'].pk}")
    assert "100%" not in html
    assert html.count("&gt;99.9%") == 3
    assert "93%" in html


@pytest.mark.parametrize(
    ("probability", "shown"),
    [
        (1.0, ">99.9%"),
        (0.99996, ">99.9%"),
        (0.999, "99.9%"),
        (0.9949, "99.4%"),
        (0.987, "98%"),
        (0.8, "80%"),
    ],
)
def test_a_match_percent_is_capped_and_rounded_down(probability, shown):
    assert match_percent(probability) == shown


@pytest.mark.django_db
def test_the_migration_gives_older_pairs_the_weight_of_their_probability(workspace):
    pairs = _pairs(workspace)
    migration = __import__(
        "rapport.dedupe.migrations.0002_pair_match_weight", fromlist=["weights_from_probabilities"]
    )

    with workspace_scope(workspace):
        migration.weights_from_probabilities(apps, None)
        weights = dict(DuplicatePair.objects.values_list("pk", "match_weight"))
    assert weights[pairs["low"].pk] == pytest.approx(math.log2(0.93 / 0.07))
    assert weights[pairs["strong"].pk] == pytest.approx(migration.ROUNDED_TO_ONE)
