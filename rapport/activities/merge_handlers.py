"""A merge moves activity links; an activity linked to both records keeps one link, chosen if
either was (not only through an attendee's email)."""

from rapport.activities.models import ActivityCompany, ActivityContact
from rapport.merge.registry import RelationMove, merge_handler_register

merge_handler_register(
    RelationMove(
        ActivityContact,
        "contact",
        label="activities",
        unique_with=("activity",),
        keep_flag="via_attendee",
        keep_value=False,
    )
)
merge_handler_register(
    RelationMove(ActivityCompany, "company", label="activities", unique_with=("activity",))
)
