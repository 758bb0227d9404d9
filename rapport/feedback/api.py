"""Customer feedback over `/api/v1/feedback/`: surveys, sending NPS, and the results.

`/feedback/surveys` lists (cursor-paginated, newest first) and reads CSAT and NPS surveys
with their answers; `/feedback/nps` invites contacts to an NPS survey; `/feedback/csat-summary`
and `/feedback/nps-summary` give the results overall or per agent, team or period.

A survey's token, the secret of its one-click answer links, is never shown: whoever holds it
could answer in the customer's name. Sending NPS needs the write scope.
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rapport.api.permissions import READ, WRITE, caller
from rapport.api.problem import InvalidQuery
from rapport.api.records import (
    PageOut,
    PageParams,
    PathId,
    QueryId,
    RecordId,
    UtcDatetime,
    WriteSchema,
    query_errors,
)
from rapport.core.errors import FieldError
from rapport.core.pagination import Page, SortKey, paginate
from rapport.feedback.models import SurveyInvite, SurveyKind
from rapport.feedback.queries import CsatRow, NpsRow, csat_summary, nps_summary
from rapport.feedback.services import NPS_BATCH_LIMIT, nps_send

router = Router(tags=["feedback"])


class SurveyOut(Schema):
    id: int
    kind: SurveyKind
    contact_id: int
    ticket_id: int | None = Field(description="CSAT: the solved ticket")
    agent_id: int | None = Field(description="CSAT: who had the ticket when it was solved")
    team_id: int | None = Field(description="CSAT: the ticket's team when it was solved")
    score: int | None = Field(description="CSAT 1-5, NPS 0-10; null until answered")
    answered_at: dt.datetime | None
    comment: str
    sentiment: float | None = Field(description="of the comment, -1 (negative) to 1 (positive)")
    created_at: dt.datetime


class SurveyListParams(PageParams):
    kind: SurveyKind | None = None
    answered: bool | None = Field(None, description="true: answered only; false: unanswered")
    contact_id: QueryId | None = None


class NpsIn(WriteSchema):
    contact_ids: list[RecordId] = Field(
        ..., min_length=1, max_length=NPS_BATCH_LIMIT, description="contacts of the workspace"
    )


class Range(Schema):
    since: UtcDatetime | None = Field(None, description="answered at or after")
    until: UtcDatetime | None = Field(None, description="answered before")


class CsatParams(Range):
    by: Literal["agent", "team", "month", "week"] | None = Field(
        None, description="one row per agent, team, month or week; one row overall if omitted"
    )


class NpsParams(Range):
    period: Literal["month", "week"] | None = Field(
        None, description="one row per month or week; one row overall if omitted"
    )


class CsatRowOut(Schema):
    key: int | dt.date | None = Field(
        description="the agent's or team's id, the period's first day, or null (overall, or "
        "no agent or team)"
    )
    label: str
    count: int
    average: float = Field(description="mean score, 1-5")
    satisfied_pct: float = Field(description="share of 4s and 5s, in percent")


class NpsRowOut(Schema):
    period: dt.date | None = Field(description="the period's first day; null overall")
    count: int
    promoters: int = Field(description="scores of 9 and 10")
    passives: int = Field(description="scores of 7 and 8")
    detractors: int = Field(description="scores of 0 to 6")
    nps: float = Field(description="% promoters - % detractors, -100 to 100")


def _check_range(params: Range) -> None:
    if params.since and params.until and params.until <= params.since:
        raise InvalidQuery([FieldError("until", "must be after since")])


@router.get("/surveys", response=PageOut[SurveyOut], auth=READ)
def list_surveys(request: HttpRequest, params: Query[SurveyListParams]) -> Page[SurveyInvite]:
    """Newest invitation first."""
    qs = SurveyInvite.objects.all()
    if params.kind is not None:
        qs = qs.filter(kind=params.kind)
    if params.answered is not None:
        qs = qs.filter(answered_at__isnull=not params.answered)
    if params.contact_id is not None:
        qs = qs.filter(contact_id=params.contact_id)
    with query_errors():
        return paginate(
            qs, keys=[SortKey("created_at", True)], cursor=params.cursor, limit=params.limit
        )


@router.get("/surveys/{int:survey_id}", response=SurveyOut, auth=READ)
def get_survey(request: HttpRequest, survey_id: PathId) -> SurveyInvite:
    return SurveyInvite.objects.get(pk=survey_id)


@router.post("/nps", response={201: list[SurveyOut]}, auth=WRITE)
def send_nps(request: HttpRequest, payload: NpsIn) -> Status[list[SurveyInvite]]:
    """Invite these contacts to an NPS survey; each is mailed once the request succeeds.
    Contacts without an email address, or who asked not to be emailed, are skipped and not
    in the answer."""
    c = caller(request)
    invites = nps_send(workspace=c.workspace, actor=c.actor, contact_ids=payload.contact_ids)
    return Status(201, invites)


@router.get("/csat-summary", response=list[CsatRowOut], auth=READ)
def get_csat_summary(request: HttpRequest, params: Query[CsatParams]) -> list[CsatRow]:
    """Answered CSAT surveys: count, average and share satisfied. Rows without answers are
    left out."""
    _check_range(params)
    return csat_summary(by=params.by, since=params.since, until=params.until)


@router.get("/nps-summary", response=list[NpsRowOut], auth=READ)
def get_nps_summary(request: HttpRequest, params: Query[NpsParams]) -> list[NpsRow]:
    """Answered NPS surveys: promoters, passives, detractors and the score."""
    _check_range(params)
    return nps_summary(period=params.period, since=params.since, until=params.until)
