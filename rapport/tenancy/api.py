"""Who am I, and my personal API tokens, over `/api/v1/me`.

Tokens belong to the caller's membership: a token made here acts in this workspace with the
caller's role, and only its owner can list or revoke it.
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status

from rapport.api.permissions import READ, caller
from rapport.api.records import PathId, WriteSchema
from rapport.tenancy.models import ApiToken, Membership
from rapport.tenancy.roles import ROLE_SCOPES
from rapport.tenancy.services import api_token_create, api_token_revoke

router = Router(tags=["me"])


class UserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str
    default_region: str
    base_currency: str


class MeOut(Schema):
    user: UserOut
    workspace: WorkspaceOut
    role: str
    scopes: list[str]

    @staticmethod
    def resolve_scopes(obj: Membership) -> list[str]:
        return sorted(ROLE_SCOPES[obj.role])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    secret: str


class TokenIn(WriteSchema):
    """Unknown keys refused: a `scope` a client thought it set must not pass unnoticed."""

    name: str


@router.get("", response=MeOut, auth=READ)
def me(request: HttpRequest) -> Membership:
    return caller(request).membership


@router.get("/tokens", response=list[TokenOut], auth=READ)
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(caller(request).membership.tokens.order_by("-created_at", "-id"))


@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    auth=READ,
    description="The secret is in this response only; it is stored hashed.",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    token, secret = api_token_create(membership=caller(request).membership, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).model_dump(), "secret": secret})


@router.delete("/tokens/{int:token_id}", response={204: None}, auth=READ)
def revoke_token(request: HttpRequest, token_id: PathId) -> Status[None]:
    # Looked up through the caller's membership: another user's token is a 404.
    token = caller(request).membership.tokens.get(pk=token_id)
    api_token_revoke(token=token)
    return Status(204, None)
