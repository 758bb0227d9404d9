"""Conditions on the contact itself and its primary company: fields, lifecycle stage, owner
and tags."""

from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from rapport.contacts.models import Contact, LifecycleStage, PreferredChannel, SizeBand, Tag
from rapport.core.errors import FieldError
from rapport.marketing.conditions.fields import Column, column_errors, column_inputs, column_q
from rapport.marketing.conditions.registry import (
    ConditionType,
    Input,
    Params,
    condition_type_register,
)
from rapport.tenancy.models import Membership, Workspace

CONTACT_COLUMNS = {
    "first_name": Column("First name", "text"),
    "last_name": Column("Last name", "text"),
    "email": Column("Email", "text"),
    "job_title": Column("Job title", "text"),
    "city": Column("City", "text"),
    "country": Column("Country (ISO code)", "text"),
    "source": Column("Source", "text"),
    "preferred_channel": Column(
        "Preferred channel", "choice", tuple((v, lbl) for v, lbl in PreferredChannel.choices if v)
    ),
    "created_at": Column("Created", "date"),
    "updated_at": Column("Last updated", "date"),
}
COMPANY_COLUMNS = {
    "name": Column("Company name", "text"),
    "domain": Column("Domain", "text"),
    "industry": Column("Industry", "text"),
    "size_band": Column("Size", "choice", tuple((v, lbl) for v, lbl in SizeBand.choices if v)),
    "city": Column("City", "text"),
    "country": Column("Country (ISO code)", "text"),
    "created_at": Column("Created", "date"),
}


class FieldParams(Params):
    field: str
    op: str
    value: str | None = None


class _ColumnCondition(ConditionType):
    params = FieldParams
    columns: dict[str, Column]
    prefix = ""

    def check(self, params: Any, *, workspace: Workspace) -> tuple[Any, list[FieldError]]:
        column = self.columns.get(params.field)
        if column is None:
            return params, [FieldError("field", f"must be one of {', '.join(self.columns)}")]
        return params, column_errors(column, params.op, params.value)

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        column = self.columns[params.field]
        empty_extra = Q(primary_company__isnull=True) if self.prefix else None
        return column_q(
            self.prefix + params.field, column, params.op, params.value, empty_extra=empty_extra
        )

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        return column_inputs(self.columns, values)


@condition_type_register
class ContactField(_ColumnCondition):
    key = "contact_field"
    label = "Contact field"
    columns = CONTACT_COLUMNS


@condition_type_register
class CompanyField(_ColumnCondition):
    key = "company_field"
    label = "Company field"
    columns = COMPANY_COLUMNS
    prefix = "primary_company__"


class StageParams(Params):
    op: Literal["is", "is_not"] = "is"
    stage: LifecycleStage


@condition_type_register
class LifecycleStageCondition(ConditionType):
    key = "lifecycle_stage"
    label = "Lifecycle stage"
    params = StageParams

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        q = Q(lifecycle_stage=params.stage)
        return q if params.op == "is" else ~q

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        return [
            Input("op", "Comparison", [("is", "is"), ("is_not", "is not")]),
            Input("stage", "Stage", list(LifecycleStage.choices)),
        ]


class OwnerParams(Params):
    op: Literal["is", "is_not", "is_unassigned"] = "is"
    user_id: int | None = None


@condition_type_register
class OwnerCondition(ConditionType):
    key = "owner"
    label = "Owner"
    params = OwnerParams

    def check(self, params: Any, *, workspace: Workspace) -> tuple[Any, list[FieldError]]:
        if params.op == "is_unassigned":
            params.user_id = None
            return params, []
        if params.user_id is None:
            return params, [FieldError("user_id", "is required")]
        if not Membership.objects.filter(workspace=workspace, user_id=params.user_id).exists():
            return params, [FieldError("user_id", "is not a member of this workspace")]
        return params, []

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        if params.op == "is_unassigned":
            return Q(owner__isnull=True)
        q = Q(owner_id=params.user_id)
        return q if params.op == "is" else ~q | Q(owner__isnull=True)

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        users = (
            get_user_model().objects.filter(memberships__workspace=workspace).order_by("username")
        )
        ops = [("is", "is"), ("is_not", "is not"), ("is_unassigned", "is nobody")]
        out = [Input("op", "Comparison", ops)]
        if values.get("op") != "is_unassigned":
            out.append(Input("user_id", "User", [(str(u.pk), u.get_username()) for u in users]))
        return out


class TagParams(Params):
    op: Literal["has", "has_not"] = "has"
    tag_id: int


@condition_type_register
class TagCondition(ConditionType):
    key = "tag"
    label = "Tag"
    params = TagParams

    def check(self, params: Any, *, workspace: Workspace) -> tuple[Any, list[FieldError]]:
        if not Tag.objects.filter(pk=params.tag_id).exists():
            return params, [FieldError("tag_id", "no such tag")]
        return params, []

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        tagged = Exists(
            Contact.tags.through.objects.filter(contact_id=OuterRef("pk"), tag_id=params.tag_id)
        )
        return Q(tagged) if params.op == "has" else ~Q(tagged)

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        return [
            Input("op", "Comparison", [("has", "has"), ("has_not", "does not have")]),
            Input(
                "tag_id",
                "Tag",
                [(str(t.pk), t.name) for t in Tag.objects.all()],
                empty="No tags yet — tag a contact first",
            ),
        ]
