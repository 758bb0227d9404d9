from typing import Any

from django.conf import settings
from django.db import models

from rapport.contacts.normalise import EXTENSION_MARK, phone_text, search_key
from rapport.core.models import WorkspaceScopedModel, workspace_key_unindexed


class LifecycleStage(models.TextChoices):
    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MARKETING_QUALIFIED = "marketing_qualified", "Marketing-qualified"
    SALES_QUALIFIED = "sales_qualified", "Sales-qualified"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    EVANGELIST = "evangelist", "Evangelist"
    CHURNED = "churned", "Churned"


class PreferredChannel(models.TextChoices):
    ANY = "", "No preference"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    SMS = "sms", "SMS"
    MAIL = "mail", "Postal mail"


class SizeBand(models.TextChoices):
    UNKNOWN = "", "Unknown"
    S1 = "1-10", "1–10"
    S11 = "11-50", "11–50"
    S51 = "51-200", "51–200"
    S201 = "201-500", "201–500"
    S501 = "501-1000", "501–1,000"
    S1001 = "1001-5000", "1,001–5,000"
    S5001 = "5001+", "5,001+"


def pattern_index(*fields: str, name: str, include: tuple[str, ...] = ()) -> models.Index:
    """A (workspace, text...) index that PostgreSQL can use for `LIKE 'prefix%'` searches,
    carrying `include` besides (PostgreSQL; SQLite ignores it)."""
    return models.Index(
        fields=["workspace", *fields],
        name=name,
        opclasses=["int8_ops", *["varchar_pattern_ops"] * len(fields)],
        include=include or None,
    )


def tag_key(name: str) -> str:
    """What two tag names that are one tag share: 'VIP' and 'vip', 'Straße' and 'STRASSE'."""
    return name.casefold()


class Tag(WorkspaceScopedModel):
    name = models.CharField(max_length=50)
    # `tag_key(name)`, stored so the database holds one tag per key: a lookup in Python cannot
    # stop two concurrent creates of 'Ü' and 'ü'. Casefolding can triple a name's length.
    key = models.CharField(max_length=150, editable=False)
    color = models.CharField(max_length=7, default="#64748b")

    class Meta:
        constraints = [
            # One name is one key: the constraint on the key holds the exact name's too.
            models.UniqueConstraint(fields=["workspace", "key"], name="tag_unique_key"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived here rather than by each writer: a tag saved without its key would collide
        # with the next one on ''.
        self.key = tag_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "key"}
        super().save(*args, **kwargs)


class CustomFieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Whole number"
    DECIMAL = "decimal", "Decimal"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Yes/no"
    CHOICE = "choice", "Single choice"
    MULTI_CHOICE = "multi_choice", "Multiple choice"
    URL = "url", "URL"
    EMAIL = "email", "Email"


class CustomFieldEntity(models.TextChoices):
    CONTACT = "contact", "Contact"
    COMPANY = "company", "Company"


class CustomFieldDefinition(WorkspaceScopedModel):
    """A field a workspace adds to contacts or companies; values live in `custom_fields` JSON."""

    entity = models.CharField(max_length=20, choices=CustomFieldEntity.choices)
    key = models.SlugField(max_length=50)
    label = models.CharField(max_length=100)
    field_type = models.CharField(max_length=20, choices=CustomFieldType.choices)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "entity", "key"], name="customfield_unique_key"
            )
        ]
        ordering = ["entity", "position", "id"]

    def __str__(self) -> str:
        return f"{self.entity}.{self.key}"


class PostalAddress(models.Model):
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2")

    class Meta:
        abstract = True


def external_id_unique(name: str) -> models.UniqueConstraint:
    """Another system's id for the record (a CRM's or ERP's): unique in a workspace when set,
    so an import or sync that sends it again finds the same record."""
    return models.UniqueConstraint(
        fields=["workspace", "external_id"], condition=~models.Q(external_id=""), name=name
    )


class Company(PostalAddress, WorkspaceScopedModel):
    workspace = workspace_key_unindexed()  # every index below starts with it
    name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=100, blank=True, help_text="another system's id")
    name_key = models.CharField(max_length=200, editable=False, help_text="lowercased for search")
    domain = models.CharField(max_length=253, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    annual_revenue = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    annual_revenue_currency = models.CharField(max_length=3, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="subsidiaries"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="companies")
    custom_fields = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "companies"
        constraints = [external_id_unique("company_unique_external_id")]
        indexes = [
            pattern_index("name_key", name="company_name_idx"),
            # The list's default order (name, then id): the pattern index above cannot serve
            # ORDER BY, so without this the first page sorts every company of the workspace.
            models.Index(fields=["workspace", "name_key", "id"], name="company_sort_idx"),
            models.Index(fields=["workspace", "domain"], name="company_domain_idx"),
            models.Index(fields=["workspace", "-updated_at", "-id"], name="company_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def set_derived_fields(self) -> None:
        self.name_key = search_key(self.name)


class Contact(PostalAddress, WorkspaceScopedModel):
    workspace = workspace_key_unindexed()  # every index below but the keys' starts with it
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=100, blank=True, help_text="another system's id")
    # Derived, lowercased and accent-free: "first last" for search, "last first" for sorting.
    search_name = models.CharField(max_length=201, editable=False)
    sort_name = models.CharField(max_length=201, editable=False)
    # Primary email and phone, copied from the rows below so lists need no join.
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    primary_company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="primary_contacts",
        db_index=False,  # contact_primary_company_idx starts with it
    )
    companies: models.ManyToManyField[Company, "ContactCompany"] = models.ManyToManyField(
        Company, through="ContactCompany", blank=True, related_name="contacts"
    )
    lifecycle_stage = models.CharField(
        max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.LEAD
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100, blank=True)
    tags: models.ManyToManyField[Tag, Any] = models.ManyToManyField(
        Tag, blank=True, related_name="contacts"
    )
    preferred_channel = models.CharField(
        max_length=10, choices=PreferredChannel.choices, blank=True
    )
    do_not_email = models.BooleanField(default=False)
    do_not_call = models.BooleanField(default=False)
    custom_fields = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [external_id_unique("contact_unique_external_id")]
        indexes = [
            # The name search's arms (`search_page._matches_sql`, `listing._first_page_by_arms`)
            # each pick their first page in name order from their matches: these two carry
            # what that reads (the sort name and id, and the workspace), so a prefix matching
            # a thousand first names or a surname's companies' people is read off the index
            # alone, never row by row from the table (docs/performance.md, perf24).
            pattern_index(
                "search_name", name="contact_search_name_idx", include=("sort_name", "id")
            ),
            models.Index(
                fields=["primary_company"],
                include=["workspace", "sort_name", "id"],
                name="contact_primary_company_idx",
            ),
            pattern_index("sort_name", name="contact_sort_name_idx"),
            # The list's default order (name, then id), read straight off the index; the pattern
            # index above serves `LIKE 'prefix%'` only, not ORDER BY.
            # Covering the name search's filters (listing._first_page_by_arms): a walk in name
            # order filters on the index alone (PostgreSQL; SQLite ignores `include`).
            models.Index(
                fields=["workspace", "sort_name", "id"],
                include=["search_name", "primary_company"],
                name="contact_sort_idx",
            ),
            models.Index(fields=["workspace", "-updated_at", "-id"], name="contact_updated_idx"),
            models.Index(fields=["workspace", "-created_at", "-id"], name="contact_created_idx"),
            models.Index(fields=["workspace", "owner"], name="contact_owner_idx"),
            models.Index(fields=["workspace", "lifecycle_stage"], name="contact_stage_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def set_derived_fields(self) -> None:
        """Recompute the search and sort keys from the names (every write path calls this)."""
        self.search_name = search_key(f"{self.first_name} {self.last_name}")
        self.sort_name = search_key(f"{self.last_name} {self.first_name}") or self.email

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email or f"Contact #{self.pk}"


# The key and value tables below: lookups by workspace go through the value's pattern index
# (workspace first) and lookups by contact through the unique (contact, value) one, so neither
# key has an index of its own (each cost every imported email, phone and link an entry).


class ContactEmail(WorkspaceScopedModel):
    workspace = workspace_key_unindexed()
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="emails", db_index=False
    )
    email = models.CharField(max_length=254)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "email"], name="contactemail_unique")
        ]
        indexes = [pattern_index("email", name="contactemail_email_idx")]
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.email


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    WORK = "work", "Work"
    HOME = "home", "Home"
    OTHER = "other", "Other"


class ContactPhone(WorkspaceScopedModel):
    workspace = workspace_key_unindexed()
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="phones", db_index=False
    )
    number = models.CharField(max_length=20, help_text="E.164")
    # Dialled after the number is answered ("x204"): E.164 has no place for it.
    extension = models.CharField(max_length=20, blank=True, default="")
    kind = models.CharField(max_length=10, choices=PhoneKind.choices, default=PhoneKind.WORK)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="contactphone_unique")
        ]
        indexes = [pattern_index("number", name="contactphone_number_idx")]
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.number

    @property
    def text(self) -> str:
        """The number as one text, its extension included (`normalise.phone_text`)."""
        return phone_text(self.number, self.extension)


def phone_text_sql(alias: str) -> str:
    """`ContactPhone.text` in SQL, for the raw queries that read phones as text (`alias`: the
    table's name or alias in the query)."""
    number, extension = f'{alias}."number"', f'{alias}."extension"'
    mark = EXTENSION_MARK.replace("'", "''")
    return f"CASE WHEN {extension} = '' THEN {number} ELSE {number} || '{mark}' || {extension} END"


class ContactCompany(WorkspaceScopedModel):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="company_links", db_index=False
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contact_links")
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "company"], name="contactcompany_unique")
        ]


class SavedView(WorkspaceScopedModel):
    """A named list query (filters and sort) a user keeps for a list: contacts, companies,
    tickets (`SAVED_VIEW_LISTS` in saved_views.py names them)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=20)
    name = models.CharField(max_length=80)
    params = models.JSONField(default=dict)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
