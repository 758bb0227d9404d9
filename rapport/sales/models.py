"""Sales: pipelines and deals with their stage history, products, orders and exchange rates."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.activities.models import Activity
from rapport.contacts.models import Company, Contact, external_id_unique
from rapport.core.models import WorkspaceScopedModel
from rapport.core.money import AMOUNT_MAX_DIGITS


def amount_field(**kwargs: Any) -> models.DecimalField:
    """A money amount: Decimal with two places; its currency lives in a sibling field."""
    return models.DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=2, **kwargs)


class ExchangeRate(WorkspaceScopedModel):
    """`rate` units of the workspace's base currency buy one unit of `currency` on `day`.

    A conversion on a date uses the latest rate on or before it.
    """

    currency = models.CharField(max_length=3)
    day = models.DateField()
    rate = models.DecimalField(max_digits=20, decimal_places=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "currency", "day"], name="exchangerate_unique_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchangerate_positive"),
        ]
        ordering = ["currency", "-day"]

    def __str__(self) -> str:
        return f"{self.currency} {self.day}: {self.rate}"


class Pipeline(WorkspaceScopedModel):
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="pipeline_unique_name")
        ]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class StageOutcome(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Stage(WorkspaceScopedModel):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    probability = models.DecimalField(
        max_digits=5, decimal_places=2, help_text="configured chance to win, 0–100"
    )
    outcome = models.CharField(max_length=4, choices=StageOutcome.choices, default="open")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_unique_name"),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100), name="stage_probability"
            ),
        ]
        ordering = ["pipeline", "position", "id"]

    def __str__(self) -> str:
        return self.name


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", "Pipeline"
    BEST_CASE = "best_case", "Best case"
    COMMIT = "commit", "Commit"
    OMITTED = "omitted", "Omitted"


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
    INFLUENCER = "influencer", "Influencer"
    CHAMPION = "champion", "Champion"
    TECHNICAL = "technical", "Technical evaluator"
    USER = "user", "User"
    OTHER = "other", "Other"


def external_id_field() -> models.CharField:
    return models.CharField(max_length=100, blank=True, help_text="another system's id")


class Deal(WorkspaceScopedModel):
    name = models.CharField(max_length=200)
    external_id = external_id_field()
    amount = amount_field(default=0)
    currency = models.CharField(max_length=3)
    expected_close_date = models.DateField(null=True, blank=True)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    # Copied from the stage so boards, forecasts and KPIs filter without a join.
    outcome = models.CharField(max_length=4, choices=StageOutcome.choices, default="open")
    stage_entered_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    contacts: models.ManyToManyField[Contact, Any] = models.ManyToManyField(
        Contact, through="DealContact", related_name="deals"
    )
    forecast_category = models.CharField(
        max_length=10, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )
    lost_reason = models.CharField(max_length=200, blank=True)
    next_step = models.CharField(max_length=200, blank=True)
    position = models.FloatField(default=0, help_text="order within its stage on the board")
    # The campaign that sourced or touched the deal (its lead's on conversion, or set by hand):
    # attribution credits it first, before the campaign of the lead the deal came from.
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The latest activity linked to the deal (its creation until one is logged), kept by a
    # listener on activities so "deals at risk" is an index scan, not a subquery per deal.
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [external_id_unique("deal_unique_external_id")]
        # The INCLUDE columns (PostgreSQL only; other databases build the key alone) make the
        # board's, forecast's and KPIs' aggregates index-only scans instead of heap reads over
        # every deal (docs/performance.md, "Sales, fourth round").
        indexes = [
            # The id settles ties: deals never dragged share position 0, and a column's first
            # cards are then read from the index instead of sorting the whole column.
            models.Index(
                fields=["workspace", "pipeline", "stage", "position", "id"],
                include=["currency", "amount", "owner"],
                name="deal_board_idx",
            ),
            models.Index(
                fields=["workspace", "outcome", "expected_close_date"],
                include=["pipeline", "stage", "owner", "forecast_category", "currency", "amount"],
                name="deal_open_idx",
            ),
            models.Index(
                fields=["workspace", "outcome", "closed_at"],
                include=["pipeline", "owner", "currency", "amount", "created_at"],
                name="deal_closed_idx",
            ),
            models.Index(fields=["workspace", "owner"], name="deal_owner_idx"),
            # Quietest first, the id as tie-breaker, as the at-risk list reads them.
            models.Index(
                fields=["workspace", "outcome", "last_activity_at", "id"],
                include=["expected_close_date", "owner"],
                name="deal_quiet_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DealContact(WorkspaceScopedModel):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="deal_links")
    role = models.CharField(max_length=20, choices=ContactRole.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deal", "contact"], name="dealcontact_unique")
        ]


class DealStageChange(WorkspaceScopedModel):
    """One move of a deal into a stage; the first row of a deal has no `from_stage`."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["deal", "changed_at"], name="stagechange_deal_idx")]
        ordering = ["changed_at", "id"]


class DealActivity(WorkspaceScopedModel):
    """Links an activity to a deal: the activities app stays unaware of deals."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="deal_links")
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="activity_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deal", "activity"], name="dealactivity_unique")
        ]


class Product(WorkspaceScopedModel):
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "sku"], name="product_sku")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class ProductPrice(WorkspaceScopedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3)
    unit_price = amount_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "currency"], name="productprice_unique")
        ]


class DealLine(WorkspaceScopedModel):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price = amount_field()

    @property
    def total(self) -> Any:
        return (self.quantity * self.unit_price).quantize(self.unit_price)


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class OrderChannel(models.TextChoices):
    SALES = "sales", "Sales (won deal)"
    MANUAL = "manual", "Entered by hand"
    IMPORT = "import", "Import"
    ERP = "erp", "ERP"
    ECOMMERCE = "ecommerce", "E-commerce"


class Order(WorkspaceScopedModel):
    """A purchase. `external_id` makes pushes idempotent: the same id updates, never duplicates."""

    external_id = external_id_field()
    ordered_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default="paid")
    channel = models.CharField(max_length=10, choices=OrderChannel.choices, default="manual")
    currency = models.CharField(max_length=3)
    total = amount_field(default=0)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    deal = models.OneToOneField(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="order"
    )

    class Meta:
        constraints = [external_id_unique("order_unique_external_id")]
        indexes = [
            models.Index(fields=["workspace", "contact", "-ordered_at"], name="order_contact_idx"),
            models.Index(fields=["workspace", "company", "-ordered_at"], name="order_company_idx"),
            models.Index(fields=["workspace", "-ordered_at"], name="order_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.external_id or f"Order #{self.pk}"


class OrderLine(WorkspaceScopedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price = amount_field()
    line_total = amount_field()


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    WORKING = "working", "Working"
    NURTURING = "nurturing", "Nurturing"
    QUALIFIED = "qualified", "Qualified"
    DISQUALIFIED = "disqualified", "Disqualified"
    CONVERTED = "converted", "Converted"


class Lead(WorkspaceScopedModel):
    """A prospect not yet qualified: kept apart from contacts until converted."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    external_id = external_id_field()
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    domain = models.CharField(max_length=253, blank=True)
    source = models.CharField(max_length=100, blank=True)
    # The campaign that sourced the lead: its report counts the lead, and attribution credits
    # it with the revenue of the deal the lead converts into.
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # A campaign name that matched no campaign of the workspace: text from before leads
    # linked to campaigns (sales 0008), or a web form's bad campaign id. "Link now" (or a
    # campaign created with that name) links the lead and clears it.
    campaign_name = models.CharField(max_length=100, blank=True, editable=False)
    message = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=LeadStatus.choices, default="new")
    disqualify_reason = models.CharField(max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.IntegerField(default=0)
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score_reasons = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [external_id_unique("lead_unique_external_id")]
        indexes = [
            models.Index(fields=["workspace", "status", "-created_at"], name="lead_status_idx"),
            models.Index(fields=["workspace", "email"], name="lead_email_idx"),
            models.Index(fields=["workspace", "campaign"], name="lead_campaign_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email or f"Lead #{self.pk}"

    @property
    def campaign_label(self) -> str:
        """The linked campaign's name, else the unlinked name kept from before."""
        return self.campaign.name if self.campaign else self.campaign_name


class WebForm(WorkspaceScopedModel):
    """A public web-to-lead form: its key identifies the workspace, no login involved."""

    name = models.CharField(max_length=100)
    key = models.CharField(max_length=40, unique=True)
    allowed_origins = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=100, default="web form")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)
    static_list = models.ForeignKey(
        "marketing.StaticList",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the list a submission subscribes to (same workspace)",
    )
    double_opt_in = models.BooleanField(
        default=True, help_text="subscribe only once the address confirms by mail"
    )

    def __str__(self) -> str:
        return self.name


class ScoringTarget(models.TextChoices):
    LEAD = "lead", "Leads"
    CONTACT = "contact", "Contacts"


class ScoringOperator(models.TextChoices):
    EQUALS = "equals", "is"
    CONTAINS = "contains", "contains"
    IN = "in", "is one of"
    PRESENT = "present", "is filled in"


class ScoringRule(WorkspaceScopedModel):
    """Points for fit (a field matches) or engagement (activities of a kind in a window)."""

    target = models.CharField(max_length=10, choices=ScoringTarget.choices)
    field = models.CharField(max_length=40, blank=True, help_text="fit rules")
    operator = models.CharField(max_length=10, choices=ScoringOperator.choices, blank=True)
    value = models.CharField(max_length=200, blank=True)
    activity_kind = models.CharField(max_length=10, blank=True, help_text="engagement rules")
    window_days = models.PositiveIntegerField(null=True, blank=True)
    max_points = models.IntegerField(null=True, blank=True)
    points = models.IntegerField()

    class Meta:
        ordering = ["target", "id"]

    def __str__(self) -> str:
        return f"{self.points:+d} {self.field or self.activity_kind}"


class ContactScore(WorkspaceScopedModel):
    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="score")
    score = models.IntegerField(default=0)
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField()


class ScoringSettings(WorkspaceScopedModel):
    """The score at which a contact becomes marketing-qualified (one row per workspace)."""

    mql_threshold = models.PositiveIntegerField(default=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace"], name="scoringsettings_one")]


class ForecastSnapshot(WorkspaceScopedModel):
    """The forecast for one period as it stood on one day, so it can later be set against
    what was actually won. Taken daily by `rapport forecast_snapshot` (cron or the worker)."""

    period = models.CharField(max_length=7, help_text="2026-11 or 2026-Q4")
    taken_on = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    currency = models.CharField(max_length=3)
    closed_won = amount_field()
    pipeline = amount_field()
    weighted = amount_field()
    commit = amount_field()
    best_case = amount_field()
    calibrated = amount_field()

    class Meta:
        constraints = [
            # Two constraints rather than NULLS NOT DISTINCT, which SQLite lacks.
            models.UniqueConstraint(
                fields=["workspace", "period", "taken_on", "owner"],
                condition=Q(owner__isnull=False),
                name="forecastsnapshot_unique",
            ),
            models.UniqueConstraint(
                fields=["workspace", "period", "taken_on"],
                condition=Q(owner__isnull=True),
                name="forecastsnapshot_unique_unowned",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "period", "taken_on"], name="snapshot_idx")]


# Kept sums of deals, maintained by database triggers on `sales_deal` (`sales.deal_totals`),
# so a board or forecast right after a write reads a few hundred rows instead of aggregating
# every deal. Triggers, not services: imports, bulk updates, merges, deletes and a user's
# deletion (its deals' owner set to NULL) all change deals, and a trigger sees every one.
# `owner_key` is the owner's id, 0 for none: a plain column (not a foreign key) so that the
# "no owner" row is unique on both databases and a deleted user's rows are moved by the
# trigger (through the deals' own update), not by Django's SET_NULL.


class KeptDealSum(WorkspaceScopedModel):
    """How many deals and their amount per (pipeline, stage, owner, currency) and whatever
    a kept sum adds to that key."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    owner_key = models.IntegerField(help_text="the owner's id; 0 when the deal has none")
    currency = models.CharField(max_length=3)
    deals = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=24, decimal_places=2, default=0)  # a sum: wider

    class Meta:
        abstract = True


class DealStageTotal(KeptDealSum):
    """Every deal counted once per (pipeline, stage, owner, currency): the board's totals."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "pipeline", "stage", "owner_key", "currency"],
                name="dealstagetotal_unique",
            )
        ]


class DealOpenMonthTotal(KeptDealSum):
    """Open deals with an expected close date, counted per (month of that date, pipeline,
    stage, owner, forecast category, currency): the forecast's open figures."""

    month = models.DateField(help_text="the first day of the expected close date's month")
    forecast_category = models.CharField(max_length=10, choices=ForecastCategory.choices)

    class Meta:
        constraints = [
            # Starts with the month: the forecast reads a range of months.
            models.UniqueConstraint(
                fields=[
                    "workspace",
                    "month",
                    "pipeline",
                    "stage",
                    "owner_key",
                    "forecast_category",
                    "currency",
                ],
                name="dealopenmonthtotal_unique",
            )
        ]


class DealWonDayTotal(KeptDealSum):
    """Won deals counted per (day they were won in UTC, pipeline, stage, owner, currency): the
    forecast's closed-won figures, which convert each day's sum at that day's rate. The day
    is UTC's: a request in another time zone sums the deals (its days differ)."""

    day = models.DateField(help_text="the day of the close time, in UTC")

    class Meta:
        constraints = [
            # Starts with the day: the forecast reads a range of days.
            models.UniqueConstraint(
                fields=["workspace", "day", "pipeline", "stage", "owner_key", "currency"],
                name="dealwondaytotal_unique",
            )
        ]
