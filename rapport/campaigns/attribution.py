"""First-touch and last-touch attribution of won revenue to campaigns.

A deal's touches are the opens and clicks of its contacts' campaign messages before the deal
was won, and the campaign that sourced it: the deal's own campaign (at the deal's creation),
else the one linked to the lead it was converted from (at the lead's creation).
First touch gives the whole amount, in the workspace's base currency at the rate of the day it
was won, to the earliest touch; last touch to the latest. A won deal with no touch is
unattributed.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from rapport.campaigns.models import EventKind, TrackingEvent
from rapport.sales.currency import RateBook
from rapport.sales.models import Deal, DealContact, Lead, StageOutcome
from rapport.tenancy.models import Workspace

TOUCHES = (EventKind.OPEN, EventKind.CLICK)


@dataclass
class Attributed:
    first_touch_deals: int = 0
    first_touch_revenue: Decimal = Decimal("0.00")
    last_touch_deals: int = 0
    last_touch_revenue: Decimal = Decimal("0.00")
    deal_ids: set[int] = field(default_factory=set)


def _sources(won: dict[int, dict]) -> dict[int, tuple[dt.datetime, int]]:
    """(time, campaign id) of the campaign that sourced each won deal: its own, else its
    lead's. The time is the lead's creation when the deal kept its lead's campaign (the
    conversion copies it), the deal's creation when the deal names another one."""
    leads = Lead.objects.filter(converted_deal_id__in=won, campaign__isnull=False)
    of_lead = {
        deal_id: (created_at, campaign_id)
        for deal_id, campaign_id, created_at in leads.values_list(
            "converted_deal_id", "campaign_id", "created_at"
        )
    }
    sources = {}
    for deal_id, row in won.items():
        lead, own = of_lead.get(deal_id), row["campaign_id"]
        if own is not None and (lead is None or lead[1] != own):
            sources[deal_id] = (row["created_at"], own)
        elif lead is not None:
            sources[deal_id] = lead
    return sources


def _touches(won: dict[int, dict]) -> dict[int, list[tuple[dt.datetime, int]]]:
    """(time, campaign id) of each won deal's touches, in time order."""
    contacts_of: dict[int, list[int]] = defaultdict(list)
    for deal_id, contact_id in DealContact.objects.filter(deal_id__in=won).values_list(
        "deal_id", "contact_id"
    ):
        contacts_of[contact_id].append(deal_id)
    touches: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    events = TrackingEvent.objects.filter(contact_id__in=contacts_of, kind__in=TOUCHES)
    for contact_id, campaign_id, at in events.values_list("contact_id", "campaign_id", "at"):
        for deal_id in contacts_of[contact_id]:
            if at <= won[deal_id]["closed_at"]:
                touches[deal_id].append((at, campaign_id))
    for deal_id, (at, campaign_id) in _sources(won).items():
        touches[deal_id].append((at, campaign_id))
    for found in touches.values():
        found.sort()
    return touches


def campaign_attribution(*, workspace: Workspace) -> dict[int, Attributed]:
    won = {
        row["id"]: row
        for row in Deal.objects.filter(outcome=StageOutcome.WON, closed_at__isnull=False).values(
            "id", "amount", "currency", "closed_at", "created_at", "campaign_id"
        )
    }
    book = RateBook(workspace)
    result: dict[int, Attributed] = defaultdict(Attributed)
    for deal_id, touches in _touches(won).items():
        deal = won[deal_id]
        amount = book.to_base(deal["amount"], deal["currency"], deal["closed_at"].date())
        first, last = result[touches[0][1]], result[touches[-1][1]]
        first.first_touch_deals += 1
        first.first_touch_revenue += amount
        last.last_touch_deals += 1
        last.last_touch_revenue += amount
        for _, campaign_id in touches:
            result[campaign_id].deal_ids.add(deal_id)
    return dict(result)
