"""A merge moves list memberships (a list holding both keeps one), the whole consent
history, so the survivor's current consent is the latest statement of either record, and the
web form subscription requests (the evidence of those statements)."""

from rapport.marketing.models import ConsentEvent, StaticListMember, SubscriptionRequest
from rapport.merge.registry import RelationMove, merge_handler_register

merge_handler_register(
    RelationMove(
        StaticListMember, "contact", label="list memberships", unique_with=("static_list",)
    )
)
merge_handler_register(RelationMove(ConsentEvent, "contact", label="consent statements"))
merge_handler_register(
    RelationMove(SubscriptionRequest, "contact", label="web form subscription requests")
)
