"""`/api/v1/privacy/`: a person's data for a subject access request (admins and owners)."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from rapport.api.permissions import caller, requires
from rapport.api.records import PathId, WriteSchema
from rapport.contacts.queries import contact_get
from rapport.privacy.erasure import person_erase
from rapport.privacy.services import personal_data_export
from rapport.tenancy.roles import PRIVACY_MANAGE

router = Router(tags=["privacy"])


@router.get("/contacts/{int:contact_id}", response=dict[str, Any], auth=requires(PRIVACY_MANAGE))
def contact_personal_data(request: HttpRequest, contact_id: PathId) -> dict[str, Any]:
    """Everything held about the contact: its fields, every related row (activities, deals,
    orders, tickets, consent, campaign events, ...) and its change history. The export is
    recorded in the contact's audit trail."""
    c = caller(request)
    contact = contact_get(contact_id=contact_id)
    return personal_data_export(workspace=c.workspace, actor=c.actor, contact=contact)


class EraseIn(WriteSchema):
    confirm: str = Field(min_length=1, description="the contact's name as shown, to confirm")


class ErasureOut(Schema):
    deleted: dict[str, int] = Field(description="rows deleted per model (app.model)")
    scrubbed: int = Field(description="audit entries whose values became [erased]")
    suppressed: int = Field(description="addresses kept suppressed: the person had objected")
    files: int = Field(description="uploaded import files and export files holding them, deleted")
    import_errors: int = Field(description="failed import rows holding them, blanked")
    undo_values: int = Field(
        description="import undo records holding their earlier values, blanked"
    )


@router.post("/contacts/{int:contact_id}/erase", response=ErasureOut, auth=requires(PRIVACY_MANAGE))
def contact_erase(request: HttpRequest, contact_id: PathId, payload: EraseIn) -> Any:
    """Forget the contact for good (no undo): the contact, everything holding their words or
    address, and the audit trail's values of them; orders stay without the buyer."""
    c = caller(request)
    contact = contact_get(contact_id=contact_id)
    return person_erase(
        workspace=c.workspace, actor=c.actor, contact=contact, confirm=payload.confirm
    )
