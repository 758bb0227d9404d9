"""An ordering position past what its column holds is refused by name: a category's was a
500 past 64 bits on SQLite, and past 32 bits both were on PostgreSQL (`POSITION_MAX`)."""

import pytest

from rapport.api.testing import ApiClient, problem_fields
from rapport.core.models import POSITION_MAX


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


@pytest.mark.parametrize("position", [POSITION_MAX + 1, 2**64])
@pytest.mark.parametrize(
    "path, body",
    [
        ("/custom-fields", {"label": "Region", "entity": "contact", "field_type": "text"}),
        ("/knowledge/categories", {"name": "Billing"}),
    ],
)
def test_a_position_past_its_column_is_refused_by_name(api, path, body, position):
    response = api.post(path, {**body, "position": position})

    assert response.status_code == 422
    assert str(POSITION_MAX) in problem_fields(response)["position"]


@pytest.mark.parametrize(
    "path, body",
    [
        ("/custom-fields", {"label": "Region", "entity": "contact", "field_type": "text"}),
        ("/knowledge/categories", {"name": "Billing"}),
    ],
)
def test_the_largest_position_is_kept(api, path, body):
    response = api.post(path, {**body, "position": POSITION_MAX})

    assert response.status_code == 201
    assert response.json()["position"] == POSITION_MAX
