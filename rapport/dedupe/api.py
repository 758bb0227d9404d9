"""Suspected duplicates over `/api/v1/dedupe/`: the review queue, "not a duplicate", a new run.

Merging a pair goes through `/api/v1/merge/`; the pair is then marked merged by itself.
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from rapport.api.permissions import READ, WRITE, caller
from rapport.api.problem import CONTENT_TYPE, PROBLEM_REF, problem_response, problems_declared
from rapport.api.records import PathId
from rapport.dedupe.match_odds import match_odds
from rapport.dedupe.models import DuplicatePair
from rapport.dedupe.queries import pair_get, pair_list
from rapport.dedupe.services import dedupe_request, pair_mark_not_duplicate, pair_reopen

router = Router(tags=["dedupe"])


class PairOut(Schema):
    id: int
    entity: str = Field(description="contact or company")
    a_id: int = Field(description="the lower record id")
    b_id: int = Field(description="the higher record id")
    probability: float = Field(description="match probability, 0 to 1")
    match_weight: float = Field(
        description="Fellegi-Sunter match weight, log2 odds of a match: the queue's order"
    )
    match_odds: str = Field(
        description="the odds of a match (2^match_weight) as the queue's badge reads, rounded "
        "down to two significant figures: '13 to 1', '23,000 to 1', '2.1 billion to 1'"
    )
    reasons: list[str]
    status: str = Field(description="open, not_duplicate or merged")
    updated_at: dt.datetime

    @staticmethod
    def resolve_match_odds(obj: DuplicatePair) -> str:
        return match_odds(obj.match_weight)


class PairListParams(Schema):
    entity: Literal["contact", "company"] | None = None
    status: Literal["open", "not_duplicate", "merged"] = "open"
    limit: int = Field(50, ge=1, le=200)


class RunOut(Schema):
    queued: bool


@router.get("/pairs", response=list[PairOut], auth=READ)
def list_pairs(request: HttpRequest, params: Query[PairListParams]) -> list[DuplicatePair]:
    """Suspected duplicates, strongest match weight first (ties by id)."""
    return list(pair_list(entity=params.entity, status=params.status)[: params.limit])


@router.post(
    "/pairs/{int:pair_id}/not-duplicate",
    response=PairOut,
    auth=WRITE,
    openapi_extra=problems_declared(409),
)
def mark_not_duplicate(request: HttpRequest, pair_id: PathId) -> DuplicatePair:
    """Remember the two records are distinct; later runs never reopen the pair. Refused
    (409) if the two were merged, or one of them is gone."""
    c = caller(request)
    pair = pair_get(pair_id=pair_id)
    pair_mark_not_duplicate(workspace=c.workspace, actor=c.actor, pair=pair)
    return pair


@router.delete(
    "/pairs/{int:pair_id}/not-duplicate",
    response=PairOut,
    auth=WRITE,
    openapi_extra=problems_declared(409),
)
def undo_not_duplicate(request: HttpRequest, pair_id: PathId) -> DuplicatePair:
    """Undo "not a duplicate": the pair is open again, back in the queue. Refused (409) if
    the pair is not marked so, or one of its records is gone."""
    c = caller(request)
    pair = pair_get(pair_id=pair_id)
    pair_reopen(workspace=c.workspace, actor=c.actor, pair=pair)
    return pair


@router.post("/runs", response={202: RunOut}, auth=WRITE)
def start_run(request: HttpRequest) -> Status[RunOut]:
    """Queue a detection run of contacts and companies (a background task)."""
    dedupe_request(workspace=caller(request).workspace)
    return Status(202, RunOut(queued=True))


class LikelyDuplicateOut(Schema):
    id: int
    name: str


class LikelyDuplicatesOut(Schema):
    """The members a `likely-duplicates` problem adds to the problem's own."""

    candidates: list[LikelyDuplicateOut]


def _inlined(model: type[Schema]) -> dict[str, Any]:
    """The model's JSON schema with its nested models written in place of their `$ref`s: an
    operation's `openapi_extra` cannot add them to the document's components."""
    schema = model.model_json_schema()
    nested = schema.pop("$defs", {})

    def resolved(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolved(nested[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolved(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolved(value) for value in node]
        return node

    return resolved(schema)


# The `openapi_extra` of a create taking `check_duplicates`: its 409 and the candidates.
LIKELY_DUPLICATES_DOC = {
    "responses": {
        "409": {
            "description": "with `check_duplicates=true`, likely duplicates exist (problem type "
            "`urn:rapport:problem:likely-duplicates`); nothing was written",
            "content": {
                CONTENT_TYPE: {"schema": {"allOf": [PROBLEM_REF, _inlined(LikelyDuplicatesOut)]}}
            },
        }
    }
}


def duplicate_conflict(candidates: list[Any]) -> HttpResponse | None:
    """A 409 problem naming the likely duplicates of a record about to be created, if any."""
    if not candidates:
        return None
    return problem_response(
        409,
        "likely duplicates exist; create again without check_duplicates to save anyway",
        type_name="likely-duplicates",
        title="Likely duplicates",
        extensions=LikelyDuplicatesOut(
            candidates=[LikelyDuplicateOut(id=c.pk, name=str(c)) for c in candidates]
        ).model_dump(),
    )
