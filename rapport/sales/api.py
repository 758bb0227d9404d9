"""Sales over `/api/v1/sales/`: leads, web forms, scoring, pipelines, deals, products, orders,
exchange rates, the forecast, and purchase histories.

Everything sales owns lives under the one `/sales` prefix, each resource in its own router
(and OpenAPI tag): `/sales/leads`, `/sales/web-forms`, `/sales/scoring/rules`,
`/sales/scoring/threshold`, `/sales/pipelines` (with `/{id}/board`), `/sales/deals` (with
`/{id}/move`, the kanban drag), `/sales/products`, `/sales/orders` (with `/bulk`),
`/sales/exchange-rates`, `/sales/forecast`. A contact's or company's purchase history is read
at `/sales/contacts/{id}/purchases` and `/sales/companies/{id}/purchases` rather than under
`/contacts/{id}`, so the contacts app keeps no knowledge of orders; the contact or company is
still looked up within the workspace, so another workspace's id is a 404.

Money is a Decimal sent and returned as a string (`"1250.00"`) next to its currency; forecast
and lifetime revenue figures are in the workspace's base currency, named in the answer.

Configuration (pipelines, web forms, scoring, exchange rates) needs the settings scope; records
(leads, deals, products, orders) need write, and their deletion the delete scope.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar, get_args

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictFloat, StringConstraints

from rapport.api.permissions import DELETE, READ, SETTINGS, WRITE, caller
from rapport.api.problem import InvalidQuery
from rapport.api.records import (
    AT,
    BulkIn,
    BulkOut,
    DecimalStr,
    Int32,
    IsoDate,
    PageOut,
    PageParams,
    PathId,
    PositiveInt32,
    QueryId,
    RecordId,
    UtcDatetime,
    WriteSchema,
    bulk_write,
    create_body,
    query_errors,
)
from rapport.contacts.queries import company_get, contact_get
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.core.pagination import Page
from rapport.sales.currency import CENT
from rapport.sales.forecast import ForecastRow, forecast
from rapport.sales.kept import kept_dumped_json, kept_json
from rapport.sales.leads import (
    lead_conversion_by_source,
    lead_convert,
    lead_create,
    lead_delete,
    lead_disqualify,
    lead_update,
    web_form_create,
    web_form_embed_html,
    web_form_update,
)
from rapport.sales.models import (
    ContactRole,
    Deal,
    DealLine,
    ExchangeRate,
    ForecastCategory,
    Lead,
    LeadStatus,
    Order,
    OrderChannel,
    OrderStatus,
    Pipeline,
    Product,
    ScoringOperator,
    ScoringRule,
    ScoringTarget,
    Stage,
    StageOutcome,
    WebForm,
)
from rapport.sales.queries import (
    DealFilter,
    LeadFilter,
    OrderFilter,
    board,
    deal_detail,
    deal_get,
    deal_list,
    exchange_rate_list,
    lead_get,
    lead_list,
    lifetime_revenue,
    order_get,
    order_list,
    pipeline_get,
    pipeline_list,
    product_get,
    product_list,
    scoring_rule_get,
    scoring_rule_list,
    web_form_get,
    web_form_list,
)
from rapport.sales.scoring import (
    scoring_rule_create,
    scoring_rule_delete,
    scoring_threshold_get,
    scoring_threshold_set,
)
from rapport.sales.services import (
    deal_create,
    deal_delete,
    deal_move,
    deal_update,
    exchange_rate_set,
    order_upsert,
    pipeline_create,
    product_create,
)
from rapport.tenancy.models import Workspace

router = Router()
leads = Router(tags=["leads"])
web_forms = Router(tags=["web forms"])
scoring = Router(tags=["lead scoring"])
pipelines = Router(tags=["pipelines"])
deals = Router(tags=["deals"])
products = Router(tags=["products"])
orders = Router(tags=["orders"])
exchange_rates = Router(tags=["exchange rates"])
reports = Router(tags=["forecast and purchases"])

F = TypeVar("F")


def _filter(params: PageParams, filter_class: type[F], also: Iterable[str] = ()) -> F:
    """The list's filters as the query's filter dataclass; unset parameters keep its defaults.
    `also` names the parameters that are not filters (a sort, say)."""
    given = params.model_dump(exclude={"cursor", "limit", *also}, exclude_none=True)
    return filter_class(**given)


@contextmanager
def errors_under(prefix: str, fields: Iterable[str]) -> Iterator[None]:
    """A service's errors on `fields` of a nested part of the body get that part's path."""
    names = set(fields)
    try:
        yield
    except ServiceValidationError as exc:
        errors = [
            FieldError(
                f"{prefix}.{e.field}" if e.field.split(".")[0] in names else e.field, e.message
            )
            for e in exc.errors
        ]
        raise ServiceValidationError(errors) from exc


# --- leads ---------------------------------------------------------------------------------


class LeadWrite(WriteSchema):
    external_id: str | None = Field(
        None, description="another system's id for the record; unique in the workspace"
    )
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = Field(None, description="a lead needs an email or a name")
    phone: str | None = Field(None, description="stored in E.164")
    job_title: str | None = None
    company_name: str | None = None
    domain: str | None = Field(None, description="the company's website or domain")
    source: str | None = None
    campaign_id: RecordId | None = Field(
        None,
        description="the campaign of this workspace that sourced the lead (its report counts "
        "the lead and attribution credits it with the converted deal); null for none",
    )
    message: str | None = None
    owner_id: RecordId | None = Field(None, description="a member of the workspace")
    status: Literal["new", "working", "nurturing", "qualified"] | None = Field(
        None, description="converted and disqualified are set by their own endpoints"
    )


@create_body(one_of=("first_name", "last_name", "email"))
class LeadCreate(LeadWrite):
    """A lead needs a name or an email (`leads._lead_clean`)."""


class LeadOut(Schema):
    id: int
    external_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    job_title: str
    company_name: str
    domain: str
    source: str
    campaign_id: int | None = Field(description="the campaign that sourced the lead")
    campaign_name: str = Field(
        description="a campaign named as text before leads linked to campaigns, kept when no "
        "campaign of the workspace had that name; read-only"
    )
    message: str
    status: str
    disqualify_reason: str
    owner_id: int | None
    score: int
    score_reasons: list[str] = Field(description='why, e.g. "+20 job title contains VP"')
    converted_at: dt.datetime | None
    converted_contact_id: int | None
    converted_company_id: int | None
    converted_deal_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadListParams(PageParams):
    status: LeadStatus | None = None
    owner_id: QueryId | None = None
    source: str | None = None
    campaign_id: QueryId | None = Field(None, description="leads sourced by this campaign")
    q: str | None = Field(None, description="start of a name, the email or the company name")


class ConvertDeal(WriteSchema):
    name: str | None = Field(None, description="defaults to '<company> deal'")
    amount: Decimal | None = None
    currency: str | None = Field(None, description="ISO 4217; the base currency if omitted")
    pipeline_id: RecordId | None = Field(None, description="the first pipeline if omitted")
    stage_id: RecordId | None = Field(None, description="the pipeline's first stage if omitted")
    expected_close_date: IsoDate | None = None


class ConvertIn(WriteSchema):
    deal: ConvertDeal | None = Field(None, description="also open a deal; omit for none")


class ConversionOut(Schema):
    lead_id: int
    contact_id: int
    contact_created: bool = Field(description="false when a contact with the email existed")
    company_id: int | None
    company_created: bool = Field(description="false when a company with the domain existed")
    deal_id: int | None
    deal_created: bool


class DisqualifyIn(WriteSchema):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SourceConversionOut(Schema):
    source: str
    leads: int
    converted: int
    customers: int = Field(description="converted leads whose contact became a customer")
    conversion_rate: float
    customer_rate: float


@leads.get("", response=PageOut[LeadOut], auth=READ, description="newest first")
def list_leads(request: HttpRequest, params: Query[LeadListParams]) -> Page[Lead]:
    with query_errors():
        return lead_list(f=_filter(params, LeadFilter), cursor=params.cursor, limit=params.limit)


@leads.post("", response={201: LeadOut}, auth=WRITE)
def create_lead(request: HttpRequest, payload: LeadCreate) -> Status[Lead]:
    c = caller(request)
    return Status(
        201, lead_create(workspace=c.workspace, actor=c.actor, data=payload.service_data())
    )


@leads.get("/conversion-by-source", response=list[SourceConversionOut], auth=READ)
def lead_conversion(request: HttpRequest) -> list[dict[str, Any]]:
    """Per source: how many leads came in, converted, and became customers."""
    return lead_conversion_by_source()


@leads.get("/{int:lead_id}", response=LeadOut, auth=READ)
def get_lead(request: HttpRequest, lead_id: PathId) -> Lead:
    return lead_get(lead_id=lead_id)


@leads.patch("/{int:lead_id}", response=LeadOut, auth=WRITE)
def update_lead(request: HttpRequest, lead_id: PathId, payload: LeadWrite) -> Lead:
    """A converted lead cannot change (422)."""
    c = caller(request)
    lead = lead_get(lead_id=lead_id)
    return lead_update(workspace=c.workspace, actor=c.actor, lead=lead, data=payload.service_data())


@leads.delete("/{int:lead_id}", response={204: None}, auth=DELETE)
def delete_lead(request: HttpRequest, lead_id: PathId) -> Status[None]:
    c = caller(request)
    lead_delete(workspace=c.workspace, actor=c.actor, lead=lead_get(lead_id=lead_id))
    return Status(204, None)


@leads.post("/{int:lead_id}/convert", response=ConversionOut, auth=WRITE)
def convert_lead(request: HttpRequest, lead_id: PathId, payload: ConvertIn) -> dict[str, Any]:
    """Turn the lead into a contact, a company (from its company name) and optionally a deal,
    in one transaction. A contact with the lead's email and a company with its domain (or its
    email's domain) are linked instead of duplicated. A lead converts once: again is a 422
    naming `status`, as is converting a disqualified lead."""
    c = caller(request)
    lead = lead_get(lead_id=lead_id)
    deal_data = payload.deal.service_data() if payload.deal else None
    with errors_under("deal", ConvertDeal.model_fields):
        done = lead_convert(workspace=c.workspace, actor=c.actor, lead=lead, deal=deal_data)
    return {
        "lead_id": done.lead.pk,
        "contact_id": done.contact.pk,
        "contact_created": done.contact_created,
        "company_id": done.company.pk if done.company else None,
        "company_created": done.company_created,
        "deal_id": done.deal.pk if done.deal else None,
        "deal_created": done.deal is not None,
    }


@leads.post("/{int:lead_id}/disqualify", response=LeadOut, auth=WRITE)
def disqualify_lead(request: HttpRequest, lead_id: PathId, payload: DisqualifyIn) -> Lead:
    c = caller(request)
    lead = lead_get(lead_id=lead_id)
    return lead_disqualify(workspace=c.workspace, actor=c.actor, lead=lead, reason=payload.reason)


# --- web-to-lead forms ---------------------------------------------------------------------


class WebFormCreate(WriteSchema):
    name: str | None = None
    allowed_origins: list[str] | None = Field(
        None, description="sites allowed to post the form from a browser, e.g. https://acme.io"
    )
    static_list_id: RecordId | None = Field(
        None, description="a static list of this workspace that a submission asks to join"
    )
    double_opt_in: StrictBool | None = Field(
        None,
        description="join the list only after confirming from the mailed link (default true)",
    )


class WebFormUpdate(WebFormCreate):
    active: StrictBool | None = Field(None, description="an inactive form's key answers 404")


class WebFormOut(Schema):
    id: int
    name: str
    key: str = Field(description="identifies the form publicly; not a credential to the API")
    source: str = Field(description="the source given to the leads it captures")
    allowed_origins: list[str]
    active: bool
    owner_id: int | None
    static_list_id: int | None
    double_opt_in: bool
    url: str = Field(description="where the form posts, and its hosted page")
    embed_html: str = Field(
        description="a plain HTML form for another site, with the `website` honeypot hidden"
    )
    created_at: dt.datetime

    @staticmethod
    def resolve_url(obj: WebForm, context: dict[str, Any]) -> str:
        request: HttpRequest = context["request"]
        return request.build_absolute_uri(reverse("web-form", args=[obj.key]))

    @staticmethod
    def resolve_embed_html(obj: WebForm, context: dict[str, Any]) -> str:
        return web_form_embed_html(form=obj, action_url=WebFormOut.resolve_url(obj, context))


@web_forms.get("", response=list[WebFormOut], auth=READ)
def list_web_forms(request: HttpRequest) -> list[WebForm]:
    return list(web_form_list())


@web_forms.post("", response={201: WebFormOut}, auth=SETTINGS)
def create_web_form(request: HttpRequest, payload: WebFormCreate) -> Status[WebForm]:
    """A new public form with its key and the HTML to embed it."""
    c = caller(request)
    form = web_form_create(
        workspace=c.workspace,
        actor=c.actor,
        name=payload.name or "",
        allowed_origins=payload.allowed_origins,
        static_list_id=payload.static_list_id,
        double_opt_in=True if payload.double_opt_in is None else payload.double_opt_in,
    )
    return Status(201, form)


@web_forms.get("/{int:form_id}", response=WebFormOut, auth=READ)
def get_web_form(request: HttpRequest, form_id: PathId) -> WebForm:
    return web_form_get(form_id=form_id)


@web_forms.patch("/{int:form_id}", response=WebFormOut, auth=SETTINGS)
def update_web_form(request: HttpRequest, form_id: PathId, payload: WebFormUpdate) -> WebForm:
    c = caller(request)
    form = web_form_get(form_id=form_id)
    return web_form_update(
        workspace=c.workspace, actor=c.actor, form=form, data=payload.service_data()
    )


# --- lead scoring --------------------------------------------------------------------------


class ScoringRuleWrite(WriteSchema):
    target: ScoringTarget | None = None
    field: str | None = Field(None, description="fit rules: the field compared")
    operator: ScoringOperator | None = Field(None, description="fit rules")
    value: str | None = Field(None, description="fit rules; `in` takes a comma-separated list")
    activity_kind: str | None = Field(
        None, description="engagement rules (contacts): an activity kind, or `any`"
    )
    window_days: PositiveInt32 | None = Field(
        None, description="engagement rules: activities counted"
    )
    max_points: Int32 | None = Field(None, description="engagement rules: a cap")
    points: Int32 | None = Field(None, description="-1000 to 1000, per match or per activity")


class ScoringRuleOut(Schema):
    id: int
    target: str
    field: str
    operator: str
    value: str
    activity_kind: str
    window_days: int | None
    max_points: int | None
    points: int


class ThresholdIO(WriteSchema):
    mql_threshold: PositiveInt32 = Field(
        description="the score at which a contact becomes marketing-qualified"
    )


@scoring.get("/rules", response=list[ScoringRuleOut], auth=READ)
def list_scoring_rules(request: HttpRequest) -> list[ScoringRule]:
    return list(scoring_rule_list())


@scoring.post("/rules", response={201: ScoringRuleOut}, auth=SETTINGS)
def create_scoring_rule(request: HttpRequest, payload: ScoringRuleWrite) -> Status[ScoringRule]:
    c = caller(request)
    data = payload.service_data()
    return Status(201, scoring_rule_create(workspace=c.workspace, actor=c.actor, data=data))


@scoring.delete("/rules/{int:rule_id}", response={204: None}, auth=SETTINGS)
def delete_scoring_rule(request: HttpRequest, rule_id: PathId) -> Status[None]:
    c = caller(request)
    rule = scoring_rule_get(rule_id=rule_id)
    scoring_rule_delete(workspace=c.workspace, actor=c.actor, rule=rule)
    return Status(204, None)


@scoring.get("/threshold", response=ThresholdIO, auth=READ)
def get_scoring_threshold(request: HttpRequest) -> ThresholdIO:
    return ThresholdIO(mql_threshold=scoring_threshold_get())


@scoring.put("/threshold", response=ThresholdIO, auth=SETTINGS)
def set_scoring_threshold(request: HttpRequest, payload: ThresholdIO) -> ThresholdIO:
    c = caller(request)
    scoring_threshold_set(workspace=c.workspace, actor=c.actor, threshold=payload.mql_threshold)
    return ThresholdIO(mql_threshold=scoring_threshold_get())


# --- pipelines -----------------------------------------------------------------------------


class StageIn(WriteSchema):
    name: str | None = None
    probability: Decimal | None = Field(
        None, description="0–100; 100 for a won stage and 0 for a lost one if omitted"
    )
    outcome: StageOutcome | None = Field(None, description="open if omitted")


class PipelineWrite(WriteSchema):
    name: str | None = None
    stages: list[StageIn] | None = Field(
        None, description="in board order; at least one won and one lost stage"
    )


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: DecimalStr
    outcome: str


class PipelineOut(Schema):
    id: int
    name: str
    position: int
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj: Pipeline) -> list[Stage]:
        return list(obj.stages.all())


@pipelines.get("", response=list[PipelineOut], auth=READ)
def list_pipelines(request: HttpRequest) -> list[Pipeline]:
    return list(pipeline_list())


@pipelines.post("", response={201: PipelineOut}, auth=SETTINGS)
def create_pipeline(request: HttpRequest, payload: PipelineWrite) -> Status[Pipeline]:
    c = caller(request)
    data = payload.service_data()
    pipeline = pipeline_create(
        workspace=c.workspace,
        actor=c.actor,
        name=data.get("name") or "",
        stages=data.get("stages") or [],
    )
    return Status(201, pipeline_list().get(pk=pipeline.pk))


@pipelines.get("/{int:pipeline_id}", response=PipelineOut, auth=READ)
def get_pipeline(request: HttpRequest, pipeline_id: PathId) -> Pipeline:
    return pipeline_list().get(pk=pipeline_id)


# --- deals ---------------------------------------------------------------------------------


class DealContactIn(WriteSchema):
    id: RecordId = Field(description="a contact id")
    role: ContactRole | None = None


class DealLineIn(WriteSchema):
    product_id: RecordId
    quantity: Decimal | None = Field(None, description="1 if omitted")
    unit_price: Decimal | None = Field(
        None, description="the product's price in the deal's currency if omitted"
    )


class DealWrite(WriteSchema):
    name: str | None = None
    external_id: str | None = Field(
        None, description="another system's id for the record; unique in the workspace"
    )
    amount: Decimal | None = Field(None, description="the lines' total if omitted with lines")
    currency: str | None = Field(None, description="ISO 4217; the base currency if omitted")
    expected_close_date: IsoDate | None = None
    pipeline_id: RecordId | None = Field(None, description="the first pipeline if omitted")
    stage_id: RecordId | None = Field(None, description="the pipeline's first stage if omitted")
    owner_id: RecordId | None = Field(None, description="a member of the workspace")
    company_id: RecordId | None = None
    contacts: list[DealContactIn] | None = Field(None, description="replaces the contacts")
    forecast_category: ForecastCategory | None = None
    lost_reason: str | None = Field(None, description="required to move a deal to a lost stage")
    next_step: str | None = None
    lines: list[DealLineIn] | None = Field(None, description="replaces the line items")
    campaign_id: RecordId | None = Field(
        None,
        description="the campaign of this workspace that sourced or touched the deal "
        "(attribution credits it first, before the lead's); null for none",
    )


@create_body("name")
class DealCreate(DealWrite):
    pass


class DealOut(Schema):
    id: int
    name: str
    external_id: str
    amount: DecimalStr
    currency: str
    expected_close_date: dt.date | None
    pipeline_id: int
    stage_id: int
    stage_name: str
    outcome: str
    stage_entered_at: dt.datetime
    closed_at: dt.datetime | None
    owner_id: int | None
    company_id: int | None
    forecast_category: str
    lost_reason: str
    next_step: str
    position: float = Field(description="order within its stage on the board")
    campaign_id: int | None = Field(description="the campaign that sourced or touched the deal")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_stage_name(obj: Deal) -> str:
        return obj.stage.name


class DealContactOut(Schema):
    contact_id: int
    role: str


class DealLineOut(Schema):
    id: int
    product_id: int
    quantity: DecimalStr
    unit_price: DecimalStr
    total: DecimalStr

    @staticmethod
    def resolve_total(obj: DealLine) -> Decimal:
        return obj.total


class StageChangeOut(Schema):
    from_stage_id: int | None
    to_stage_id: int
    changed_at: dt.datetime
    actor_id: int | None


class DealDetailOut(DealOut):
    contacts: list[DealContactOut]
    lines: list[DealLineOut]
    stage_history: list[StageChangeOut] = Field(description="every move, oldest first")

    @staticmethod
    def resolve_contacts(obj: Deal) -> list[Any]:
        return list(obj.contact_links.all())

    @staticmethod
    def resolve_stage_history(obj: Deal) -> list[Any]:
        return list(obj.stage_changes.all())


class DealListParams(PageParams):
    q: str = Field("", description="deals whose name contains this")
    sort: str = Field(
        "-created", description="name, amount, close, created or updated; prefix - to reverse"
    )
    pipeline_id: QueryId | None = None
    stage_id: QueryId | None = None
    owner_id: QueryId | None = None
    outcome: StageOutcome | None = None
    company_id: QueryId | None = None
    campaign_id: QueryId | None = Field(None, description="deals of this campaign")
    expected_close_after: IsoDate | None = Field(None, description="on or after this day")
    expected_close_before: IsoDate | None = Field(None, description="before this day")


class DealMoveIn(WriteSchema):
    stage_id: RecordId = Field(description="a stage of the deal's pipeline")
    position: StrictFloat | None = Field(
        None, allow_inf_nan=False, description="its place among the stage's cards"
    )
    lost_reason: str | None = Field(None, description="required when the stage is a lost one")


@deals.get("", response=PageOut[DealOut], auth=READ, description="newest first by default")
def list_deals(request: HttpRequest, params: Query[DealListParams]) -> Page[Deal]:
    with query_errors():
        return deal_list(
            f=_filter(params, DealFilter, also=("sort",)),
            sort=params.sort,
            cursor=params.cursor,
            limit=params.limit,
        )


@deals.post("", response={201: DealDetailOut}, auth=WRITE)
def create_deal(request: HttpRequest, payload: DealCreate) -> Status[Deal]:
    """A deal reaching a won stage becomes an order."""
    c = caller(request)
    deal = deal_create(workspace=c.workspace, actor=c.actor, data=payload.service_data())
    return Status(201, deal_detail(deal_id=deal.pk))


@deals.get("/{int:deal_id}", response=DealDetailOut, auth=READ)
def get_deal(request: HttpRequest, deal_id: PathId) -> Deal:
    return deal_detail(deal_id=deal_id)


@deals.patch("/{int:deal_id}", response=DealDetailOut, auth=WRITE)
def update_deal(request: HttpRequest, deal_id: PathId, payload: DealWrite) -> Deal:
    c = caller(request)
    deal = deal_get(deal_id=deal_id)
    deal_update(workspace=c.workspace, actor=c.actor, deal=deal, data=payload.service_data())
    return deal_detail(deal_id=deal_id)


@deals.delete("/{int:deal_id}", response={204: None}, auth=DELETE)
def delete_deal(request: HttpRequest, deal_id: PathId) -> Status[None]:
    c = caller(request)
    deal_delete(workspace=c.workspace, actor=c.actor, deal=deal_get(deal_id=deal_id))
    return Status(204, None)


@deals.post("/{int:deal_id}/move", response=DealDetailOut, auth=WRITE)
def move_deal(request: HttpRequest, deal_id: PathId, payload: DealMoveIn) -> Deal:
    """The kanban drag: move the deal to a stage of its pipeline, at a place among its cards.
    The move is kept in the stage history and the audit trail; a stage of another pipeline,
    or a lost stage without `lost_reason`, is a 422 and changes nothing."""
    c = caller(request)
    deal_move(
        workspace=c.workspace,
        actor=c.actor,
        deal=deal_get(deal_id=deal_id),
        stage_id=payload.stage_id,
        position=payload.position,
        lost_reason=payload.lost_reason or "",
    )
    return deal_detail(deal_id=deal_id)


class BoardColumnOut(Schema):
    stage: StageOut
    deal_count: int
    amount_sum: DecimalStr = Field(
        description="the column's amounts in the workspace's base currency, at the latest rate"
    )
    deals: list[DealOut] = Field(description="the first cards by board position")


class BoardOut(Schema):
    pipeline_id: int
    currency: str
    columns: list[BoardColumnOut]


class BoardParams(Schema):
    owner_id: QueryId | None = None


# The board's cards are `DealOut`s dumped without `DealOut`: the deal's columns read as plain
# rows and laid out in the schema's field order, its money as the strings `DecimalStr` dumps
# (150 cards validated field by field from model instances were most of the request's CPU,
# docs/performance.md "Sales, seventh round"). `test_api_board.py` holds the answer byte for
# byte to the schema's own dump of the deals.
_CARD_FIELDS = tuple(DealOut.model_fields)
_CARD_COLUMNS = tuple(name for name in _CARD_FIELDS if name != "stage_name")
_CARD_MONEY = frozenset(
    name for name, field in DealOut.model_fields.items() if field.annotation is Decimal
)
# Days and times as the JSON encoder writes them, called here once per value rather than
# through ninja's encoder hook (650 of them a board).
_CARD_TIMES = frozenset(
    name
    for name, field in DealOut.model_fields.items()
    if any(
        isinstance(t, type) and issubclass(t, dt.date)
        for t in (field.annotation, *get_args(field.annotation))
    )
)
_TIME_TEXT = DjangoJSONEncoder().default


def _board_card(row: tuple[Any, ...], stage_name: str) -> dict[str, Any]:
    values = dict(zip(_CARD_COLUMNS, row, strict=False))  # SQLite's rows end with a rank
    values["stage_name"] = stage_name
    for name in _CARD_MONEY:
        values[name] = str(values[name])
    for name in _CARD_TIMES:  # already text when PostgreSQL wrote it (`board_sql`)
        if isinstance(values[name], dt.date):
            values[name] = _TIME_TEXT(values[name])
    return {name: values[name] for name in _CARD_FIELDS}


def board_answer(
    *, workspace: Workspace, pipeline: Pipeline, owner_id: int | None
) -> dict[str, Any]:
    """The board as `BoardOut.model_dump()` would give it."""
    columns = [
        {
            "stage": StageOut.from_orm(stage).model_dump(),
            "deal_count": n,
            "amount_sum": str(total.quantize(CENT)),
            "deals": [_board_card(row, stage.name) for row in rows],
        }
        for stage, rows, n, total in board(
            workspace=workspace,
            pipeline=pipeline,
            owner_id=owner_id,
            columns=_CARD_COLUMNS,
            times_as_json=True,
        )
    ]
    return {"pipeline_id": pipeline.pk, "currency": workspace.base_currency, "columns": columns}


@pipelines.get("/{int:pipeline_id}/board", response=BoardOut, auth=READ)
def get_board(
    request: HttpRequest, pipeline_id: PathId, params: Query[BoardParams]
) -> HttpResponse:
    workspace = caller(request).workspace

    def build() -> dict[str, Any]:
        pipeline = pipeline_get(pipeline_id=pipeline_id)
        return board_answer(workspace=workspace, pipeline=pipeline, owner_id=params.owner_id)

    return kept_dumped_json(
        request, workspace=workspace, name=f"api-board-{pipeline_id}", build=build
    )


# --- products ------------------------------------------------------------------------------


class ProductWrite(WriteSchema):
    sku: str | None = None
    name: str | None = None
    active: StrictBool | None = None
    prices: dict[str, Decimal] | None = Field(
        None, description='unit prices by currency, e.g. {"USD": "99.00", "EUR": "89.00"}'
    )


class PriceOut(Schema):
    currency: str
    unit_price: DecimalStr


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    active: bool
    prices: list[PriceOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_prices(obj: Product) -> list[Any]:
        return sorted(obj.prices.all(), key=lambda p: p.currency)


class ProductListParams(PageParams):
    active: bool | None = None


@products.get("", response=PageOut[ProductOut], auth=READ, description="by name")
def list_products(request: HttpRequest, params: Query[ProductListParams]) -> Page[Product]:
    with query_errors():
        return product_list(active=params.active, cursor=params.cursor, limit=params.limit)


@products.post("", response={201: ProductOut}, auth=WRITE)
def create_product(request: HttpRequest, payload: ProductWrite) -> Status[Product]:
    c = caller(request)
    product = product_create(workspace=c.workspace, actor=c.actor, data=payload.service_data())
    return Status(201, product_get(product_id=product.pk))


@products.get("/{int:product_id}", response=ProductOut, auth=READ)
def get_product(request: HttpRequest, product_id: PathId) -> Product:
    return product_get(product_id=product_id)


# --- orders --------------------------------------------------------------------------------


class OrderLineIn(WriteSchema):
    product_id: RecordId | None = None
    sku: str | None = Field(None, description="links the catalogue product with this SKU")
    description: str | None = Field(None, description="the product's name if omitted")
    quantity: Decimal | None = Field(None, description="1 if omitted")
    unit_price: Decimal | None = None


class OrderWrite(WriteSchema):
    external_id: str | None = Field(
        None,
        description="the order's id in the sending system: pushing the same id again "
        "replaces that order instead of adding one",
    )
    ordered_at: UtcDatetime | None = Field(None, description="now if omitted")
    status: OrderStatus | None = Field(None, description="paid if omitted")
    channel: OrderChannel | None = Field(None, description="manual if omitted")
    currency: str | None = Field(None, description="ISO 4217; the base currency if omitted")
    contact_id: RecordId | None = Field(None, description="a contact, a company, or both")
    company_id: RecordId | None = None
    lines: list[OrderLineIn] | None = Field(None, description="at least one")


class OrderLineOut(Schema):
    id: int
    product_id: int | None
    sku: str
    description: str
    quantity: DecimalStr
    unit_price: DecimalStr
    line_total: DecimalStr


class OrderOut(Schema):
    id: int
    external_id: str
    ordered_at: dt.datetime
    status: str
    channel: str
    currency: str
    total: DecimalStr
    contact_id: int | None
    company_id: int | None
    deal_id: int | None
    lines: list[OrderLineOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_lines(obj: Order) -> list[Any]:
        return sorted(obj.lines.all(), key=lambda line: line.pk)


class OrderListParams(PageParams):
    contact_id: QueryId | None = None
    company_id: QueryId | None = None
    status: OrderStatus | None = None
    channel: OrderChannel | None = None
    external_id: str | None = None
    q: str | None = Field(None, description="part of the external id")
    ordered_after: UtcDatetime | None = Field(None, description=f"at or after this time; {AT}")
    ordered_before: UtcDatetime | None = Field(None, description=f"before this time; {AT}")


def _order_upsert(request: HttpRequest, data: dict[str, Any]) -> tuple[Order, bool]:
    c = caller(request)
    return order_upsert(workspace=c.workspace, actor=c.actor, data=data)


@orders.get("", response=PageOut[OrderOut], auth=READ, description="most recent first")
def list_orders(request: HttpRequest, params: Query[OrderListParams]) -> Page[Order]:
    with query_errors():
        return order_list(f=_filter(params, OrderFilter), cursor=params.cursor, limit=params.limit)


@orders.post("", response={200: OrderOut, 201: OrderOut}, auth=WRITE)
def push_order(request: HttpRequest, payload: OrderWrite) -> Status[Order]:
    """Create an order (201), or, when an order with this `external_id` exists, replace it with
    what is sent (200): an ERP or shop may push the same order as often as it likes."""
    order, created = _order_upsert(request, payload.service_data())
    return Status(201 if created else 200, order_get(order_id=order.pk))


@orders.post("/bulk", response=BulkOut, auth=WRITE)
def push_orders(request: HttpRequest, payload: BulkIn[OrderWrite]) -> BulkOut:
    """Up to 1,000 orders, each upserted by `external_id` in its own savepoint: a bad order is
    reported by its index and the others are written."""
    return bulk_write(
        payload.items, schema=OrderWrite, write=lambda data: _order_upsert(request, data)
    )


@orders.get("/{int:order_id}", response=OrderOut, auth=READ)
def get_order(request: HttpRequest, order_id: PathId) -> Order:
    return order_get(order_id=order_id)


# --- exchange rates ------------------------------------------------------------------------


class ExchangeRateOut(Schema):
    id: int
    currency: str
    day: dt.date
    rate: DecimalStr = Field(description="units of the base currency for one unit of currency")


class ExchangeRateListParams(PageParams):
    currency: str | None = None


class RateIn(WriteSchema):
    rate: Decimal = Field(description="units of the base currency for one unit of currency")


@exchange_rates.get("", response=PageOut[ExchangeRateOut], auth=READ, description="newest first")
def list_exchange_rates(
    request: HttpRequest, params: Query[ExchangeRateListParams]
) -> Page[ExchangeRate]:
    with query_errors():
        return exchange_rate_list(
            currency=params.currency or "", cursor=params.cursor, limit=params.limit
        )


@exchange_rates.put("/{currency}/{day}", response=ExchangeRateOut, auth=SETTINGS)
def set_exchange_rate(
    request: HttpRequest, currency: str, day: IsoDate, payload: RateIn
) -> ExchangeRate:
    """Set the rate of a currency from `day` on (until a later day's rate); a conversion on a
    date uses the latest rate on or before it."""
    c = caller(request)
    rate = exchange_rate_set(
        workspace=c.workspace, actor=c.actor, currency=currency, day=day, rate=payload.rate
    )
    rate.refresh_from_db(fields=["rate"])  # as stored, with the column's ten places
    return rate


# --- forecast and purchase histories --------------------------------------------------------


class ForecastParams(Schema):
    start: IsoDate = Field(description="first day included")
    end: IsoDate = Field(description="first day left out")
    granularity: Literal["month", "quarter"] = "month"
    by_owner: bool = Field(True, description="one row per period and owner, else per period")
    pipeline_id: QueryId | None = None


class ForecastRowOut(Schema):
    period: str = Field(description="2026-04 or 2026-Q2")
    owner_id: int | None
    closed_won: DecimalStr
    pipeline: DecimalStr = Field(description="open deals expected to close, unweighted")
    weighted: DecimalStr = Field(description="open amount × the stage's probability")
    commit: DecimalStr
    best_case: DecimalStr
    calibrated: DecimalStr = Field(description="weighted by the workspace's observed win rates")
    deals_won: int
    deals_open: int


class ForecastOut(Schema):
    granularity: str
    currency: str = Field(description="the workspace's base currency, of every amount")
    rows: list[ForecastRowOut]
    totals: list[ForecastRowOut] = Field(description="per period, all owners together")


class PurchasesOut(PageOut[OrderOut]):
    lifetime_revenue: DecimalStr = Field(
        description="paid and fulfilled orders, each converted at its order date"
    )
    currency: str = Field(description="the workspace's base currency")


@reports.get("/forecast", response=ForecastOut, auth=READ)
def get_forecast(request: HttpRequest, params: Query[ForecastParams]) -> HttpResponse:
    """Closed-won, pipeline, weighted, commit, best case and calibrated figures per period
    overlapping [start, end), in the base currency. An amount in a currency with no rate
    on the day it needs is a 422 naming `currency`."""
    if params.end <= params.start:
        raise InvalidQuery([FieldError("end", "must be after start")])
    workspace = caller(request).workspace

    def build() -> dict[str, Any]:
        result = forecast(
            workspace=workspace,
            start=params.start,
            end=params.end,
            granularity=params.granularity,
            by_owner=params.by_owner,
            pipeline_id=params.pipeline_id,
        )
        totals: list[ForecastRow] = result.totals_by_period()
        return {
            "granularity": result.granularity,
            "currency": result.base_currency,
            "rows": result.rows,
            "totals": totals,
        }

    return kept_json(
        request, workspace=workspace, name="api-forecast", schema=ForecastOut, build=build
    )


def _purchases(
    request: HttpRequest, params: PageParams, *, contact_id: int | None, company_id: int | None
) -> dict[str, Any]:
    workspace = caller(request).workspace
    with query_errors():
        page = order_list(
            f=OrderFilter(contact_id=contact_id, company_id=company_id),
            cursor=params.cursor,
            limit=params.limit,
        )
    revenue = lifetime_revenue(workspace=workspace, contact_id=contact_id, company_id=company_id)
    return {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "prev_cursor": page.prev_cursor,
        "lifetime_revenue": revenue,
        "currency": workspace.base_currency,
    }


@reports.get("/contacts/{int:contact_id}/purchases", response=PurchasesOut, auth=READ)
def contact_purchases(
    request: HttpRequest, contact_id: PathId, params: Query[PageParams]
) -> dict[str, Any]:
    """The contact's orders, most recent first, and its lifetime revenue."""
    contact = contact_get(contact_id=contact_id)
    return _purchases(request, params, contact_id=contact.pk, company_id=None)


@reports.get("/companies/{int:company_id}/purchases", response=PurchasesOut, auth=READ)
def company_purchases(
    request: HttpRequest, company_id: PathId, params: Query[PageParams]
) -> dict[str, Any]:
    """The company's orders, most recent first, and its lifetime revenue."""
    company = company_get(company_id=company_id)
    return _purchases(request, params, contact_id=None, company_id=company.pk)


router.add_router("/leads", leads)
router.add_router("/web-forms", web_forms)
router.add_router("/scoring", scoring)
router.add_router("/pipelines", pipelines)
router.add_router("/deals", deals)
router.add_router("/products", products)
router.add_router("/orders", orders)
router.add_router("/exchange-rates", exchange_rates)
router.add_router("", reports)
