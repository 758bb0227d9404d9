"""Reads: segments and their members, static lists, and consent (current, history, allowed)."""

from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.lookups import Exact

from rapport.campaigns.models import Campaign, CampaignStatus
from rapport.contacts.forms import ListFilterForm
from rapport.contacts.models import Contact
from rapport.contacts.queries import contact_queryset
from rapport.core.errors import ServiceValidationError
from rapport.core.subqueries import count_per_row
from rapport.data.exports import form_cleaned
from rapport.marketing.conditions.lists import list_ids_named
from rapport.marketing.definition import Tree, definition_q
from rapport.marketing.models import (
    EMAIL_PURPOSES,
    ConsentEvent,
    ConsentPurpose,
    ConsentStatus,
    Segment,
    StaticList,
    SubscriptionRequest,
)
from rapport.sales.models import WebForm
from rapport.sequences.models import Sequence
from rapport.tenancy.models import Workspace

PREVIEW_SIZE = 20


def segment_get(*, segment_id: int) -> Segment:
    """The segment in the current workspace; `Segment.DoesNotExist` for another's (a 404)."""
    return Segment.objects.get(pk=segment_id)


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.order_by("name", "id")


def segment_list_with_use() -> QuerySet[Segment]:
    """Segments with how many campaigns send to each, and how many sequences it enters into
    (so nobody deletes or rewrites a segment without seeing what depends on it)."""
    return segment_list().annotate(
        campaigns=count_per_row(Campaign.objects.all(), "segment"),
        sequences=count_per_row(Sequence.objects.all(), "enter_segment"),
    )


def definition_members(*, workspace: Workspace, definition: Tree) -> QuerySet[Contact]:
    """The contacts a (clean) definition matches: one query, whatever the conditions."""
    return Contact.objects.filter(workspace=workspace).filter(
        definition_q(definition, workspace=workspace)
    )


def segment_members(*, workspace: Workspace, segment: Segment) -> QuerySet[Contact]:
    return definition_members(workspace=workspace, definition=segment.definition)


def members_preview(members: QuerySet[Contact]) -> list[Contact]:
    return list(
        members.select_related("primary_company").order_by("sort_name", "id")[:PREVIEW_SIZE]
    )


def segments_using_list(*, static_list: StaticList) -> list[Segment]:
    """The segments whose conditions name the list. Read in Python: a workspace holds tens of
    segments, and a JSON search at any depth would differ between databases."""
    return [s for s in segment_list() if static_list.pk in list_ids_named(s.definition)]


def list_campaigns_using(*, static_list: StaticList) -> list[str]:
    """The names of the unfinished campaigns (draft, scheduled, sending) sent to the list."""
    unfinished = [CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING]
    campaigns = Campaign.objects.filter(static_list=static_list, status__in=unfinished)
    return list(campaigns.values_list("name", flat=True))


def list_web_forms_using(*, static_list: StaticList) -> list[str]:
    """The names of the web forms that subscribe to the list."""
    return list(WebForm.objects.filter(static_list=static_list).values_list("name", flat=True))


def static_list_get(*, list_id: int) -> StaticList:
    return StaticList.objects.get(pk=list_id)


def static_list_list() -> QuerySet[StaticList]:
    return StaticList.objects.annotate(member_count=Count("members")).order_by("name", "id")


def static_list_members(*, static_list: StaticList) -> QuerySet[Contact]:
    return Contact.objects.filter(list_memberships__static_list=static_list)


def static_list_subscription_requests(*, static_list: StaticList) -> QuerySet[SubscriptionRequest]:
    """The web form sign-ups asking to join `static_list`, confirmed or not (newest first)."""
    return SubscriptionRequest.objects.filter(static_list=static_list)


def contacts_matching_ids(*, params: Any, workspace: Workspace, limit: int) -> list[int]:
    """The ids of the contacts the contact list's filters (`params`) select, at most `limit`:
    more is refused rather than cut short, so a list never silently gets part of a filter."""
    form = form_cleaned(ListFilterForm(params, filters=ListFilterForm.FILTERS))
    found = contact_queryset(f=form.record_filter(), region=workspace.default_region)
    ids = list(found.order_by("pk").values_list("pk", flat=True).distinct()[: limit + 1])
    if not ids:
        raise ServiceValidationError.single("contact_ids", "no contact matches these filters")
    if len(ids) > limit:
        raise ServiceValidationError.single(
            "contact_ids",
            f"more than {limit:,} contacts match these filters: narrow them, or use a segment",
        )
    return ids


def subscription_requests_recent(
    *, static_list: StaticList, limit: int = PREVIEW_SIZE
) -> list[SubscriptionRequest]:
    """The latest web form requests to join the list, confirmed or not: the evidence of
    each opt-in (who asked, from where, when it was confirmed)."""
    return list(
        SubscriptionRequest.objects.filter(static_list=static_list)
        .select_related("contact")
        .order_by("-requested_at", "-id")[:limit]
    )


def static_lists_of(*, contact: Contact) -> QuerySet[StaticList]:
    return StaticList.objects.filter(members__contact=contact).order_by("name")


# --- consent -------------------------------------------------------------------------------


def _latest_status(purpose: str) -> Subquery:
    return Subquery(
        ConsentEvent.objects.filter(contact_id=OuterRef("pk"), purpose=purpose)
        .order_by("-at", "-id")
        .values("status")[:1]
    )


def consent_allowed_q(purpose: str) -> Q:
    """Contacts who may be reached for `purpose`: their latest statement is an opt-in (no
    statement means unknown, which does not allow a send), and for email purposes they are
    not marked "do not email". Combine with a segment to get who a send may reach, in SQL."""
    q = Q(Exact(_latest_status(purpose), Value(ConsentStatus.OPTED_IN.value)))
    if purpose in EMAIL_PURPOSES:
        q &= Q(do_not_email=False)
    return q


def consent_allows(*, contact: Contact, purpose: str) -> bool:
    """Whether a send for `purpose` may reach `contact` now (what every send checks)."""
    return Contact.objects.filter(pk=contact.pk).filter(consent_allowed_q(purpose)).exists()


def consent_current(*, contact: Contact) -> list[tuple[str, str, ConsentEvent | None]]:
    """Per purpose: (purpose, its label, the latest statement or None for unknown)."""
    latest: dict[str, ConsentEvent] = {}
    for event in ConsentEvent.objects.filter(contact=contact).order_by("-at", "-id"):
        latest.setdefault(event.purpose, event)
    return [(value, label, latest.get(value)) for value, label in ConsentPurpose.choices]


def consent_history(*, contact: Contact) -> QuerySet[ConsentEvent]:
    return (
        ConsentEvent.objects.filter(contact=contact)
        .select_related("recorded_by")
        .order_by("-at", "-id")
    )
