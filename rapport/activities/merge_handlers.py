"""A merge moves activity links; an activity linked to both records keeps one link."""

from rapport.activities.models import ActivityCompany, ActivityContact
from rapport.merge.registry import RelationMove, merge_handler_register

merge_handler_register(
    RelationMove(ActivityContact, "contact", label="activities", unique_with=("activity",))
)
merge_handler_register(
    RelationMove(ActivityCompany, "company", label="activities", unique_with=("activity",))
)
