"""A custom field's ordering position is checked as a knowledge category's is
(`core.models.position_clean`): `True` is refused, not stored as position 1. (The API's
schema still reads JSON `true` as 1 before the service sees it: its strict types are the
API schemas' work.)"""

import pytest

from rapport.contacts.models import CustomFieldDefinition
from rapport.contacts.services import custom_field_create, custom_field_update
from rapport.core.errors import ServiceValidationError
from rapport.core.models import POSITION_MAX
from rapport.tenancy.access import workspace_scope

FIELD = {"label": "Region", "entity": "contact", "field_type": "text"}
SAID = f"must be a whole number from 0 to {POSITION_MAX}"


@pytest.mark.parametrize("position", [True, False])
def test_a_boolean_position_is_refused_on_create(workspace, owner, position):
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as refused:
        custom_field_create(workspace=workspace, actor=owner, data={**FIELD, "position": position})

    assert refused.value.as_dict() == {"position": [SAID]}
    with workspace_scope(workspace):
        assert not CustomFieldDefinition.objects.exists()


def test_a_boolean_position_is_refused_on_update(workspace, owner):
    with workspace_scope(workspace):
        field = custom_field_create(workspace=workspace, actor=owner, data={**FIELD, "position": 4})
        with pytest.raises(ServiceValidationError) as refused:
            custom_field_update(
                workspace=workspace, actor=owner, definition=field, data={"position": True}
            )
        field.refresh_from_db()

    assert refused.value.as_dict() == {"position": [SAID]}
    assert field.position == 4
