"""A merge moves the merged-away contact's campaign receipts and tracking events."""

from rapport.campaigns.models import Recipient, TrackingEvent
from rapport.merge.registry import RelationMove, merge_handler_register

for handler in (
    RelationMove(Recipient, "contact", label="campaign receipts"),
    RelationMove(TrackingEvent, "contact", label="campaign events"),
):
    merge_handler_register(handler)
