"""A merge moves deals, deal contacts, orders, converted leads and contact scores.

A deal that had both contacts keeps the survivor's role; the survivor keeps its own score
when it has one (it is recomputed after the merge anyway).
"""

from rapport.merge.registry import RelationMove, merge_handler_register
from rapport.sales.models import ContactScore, Deal, DealContact, Lead, Order

for handler in (
    RelationMove(DealContact, "contact", label="deals", unique_with=("deal",)),
    RelationMove(Order, "contact", label="orders"),
    RelationMove(Lead, "converted_contact", label="converted leads"),
    RelationMove(ContactScore, "contact", label="scores", unique_with=()),
    RelationMove(Deal, "company", label="deals"),
    RelationMove(Order, "company", label="orders"),
    RelationMove(Lead, "converted_company", label="converted leads"),
):
    merge_handler_register(handler)
