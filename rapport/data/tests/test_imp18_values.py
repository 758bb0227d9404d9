"""Owners, communication preferences, company revenue, size, parent and custom fields read
from an import's cells: each bad value a row error naming its column, the bulk path leaving
what the row path leaves (records, undo log, audit entries), undo putting them back."""

from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.api.testing import ApiClient
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data import contact_bulk
from rapport.data.contact_importers import CompanyImporter, ContactImporter
from rapport.data.importers import Importer, importer_get, mapping_suggest
from rapport.data.models import ImportRowError
from rapport.data.services import import_undo
from rapport.data.tests.test_bulk_import import _canonical
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import membership_add, user_create, workspace_create
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client


@pytest.fixture
def mia(db):
    return user_create(
        username="mia",
        password="correct horse battery staple",
        email="Mia@X.io",
        first_name="Mia",
        last_name="Wong",
    )


def _workspace(owner, mia, name="ws", **kwargs):
    """A workspace with mia as a member and a custom field of each kind on contacts and
    companies."""
    workspace = workspace_create(name=name, owner=owner, default_region="US", **kwargs)
    membership_add(workspace=workspace, user=mia, role="member")
    with workspace_scope(workspace):
        for entity in ("contact", "company"):
            for data in (
                {"key": "tier", "label": "Tier", "field_type": "choice", "choices": ["Gold"]},
                {"key": "seats", "label": "Seats", "field_type": "number"},
                {"key": "renewal", "label": "Renewal date", "field_type": "date"},
                {"key": "vip", "label": "VIP", "field_type": "boolean"},
                {
                    "key": "areas",
                    "label": "Areas",
                    "field_type": "multi_choice",
                    "choices": ["EU", "US"],
                },
            ):
                custom_field_create(
                    workspace=workspace, actor=owner, data={**data, "entity": entity}
                )
    return workspace


def _errors(batch):
    with workspace_scope(batch.workspace):
        errors = ImportRowError.objects.filter(batch=batch).order_by("row", "id")
        return [(e.row, e.column, e.message) for e in errors]


HEADER = "Email,First Name,Contact owner,Preferred channel,Email Opt Out,Do Not Call,"
HEADER += "cf_tier,Seats,Renewal date,VIP,Areas\n"
ROWS = (
    'ann@x.io,Ann,mia wong,SMS,x,no,gold,"1,200",03/04/2025,yes,"eu, US"\n'
    "bo@x.io,Bo,OLIVIA,Postal mail,0,1,,42,2025-12-31,N,\n"
    "cy@x.io,Cy,mia@x.io,,,,,,,,\n"
    "bad1@x.io,D1,nobody,,,,,,,,\n"
    "bad2@x.io,D2,,pigeon,maybe,,,,,,\n"
    'bad3@x.io,D3,,,,,silver,1.5,2025-02-30,perhaps,"EU, Mars"\n'
)
ERRORS = [
    (5, "Contact owner", "no member 'nobody' in this workspace"),
    (
        6,
        "Preferred channel",
        "'pigeon' is not one of: No preference, Email, Phone, SMS, Postal mail",
    ),
    (6, "Email Opt Out", "'maybe' is not yes or no"),
    (7, "cf_tier", "must be one of: Gold"),
    (7, "Seats", "must be a whole number"),
    (7, "Renewal date", "must be a date (YYYY-MM-DD)"),
    (7, "VIP", "must be true or false"),
    (7, "Areas", "unknown choice(s) Mars"),
]


@pytest.mark.parametrize("bulk", [False, True], ids=["row", "bulk"])
def test_contacts_get_owner_preferences_and_custom_fields_and_bad_cells_are_named(
    bulk, owner, mia, upload, run_import
):
    workspace = _workspace(owner, mia)

    batch = run_import(upload(workspace, HEADER + ROWS), bulk=bulk)

    assert (batch.created, batch.failed) == (3, 3)
    assert _errors(batch) == ERRORS
    with workspace_scope(workspace):
        ann, bo, cy = Contact.objects.order_by("email").values_list(
            "owner_id", "preferred_channel", "do_not_email", "do_not_call", "custom_fields"
        )
    assert ann == (
        mia.pk,
        "sms",
        True,
        False,
        {
            "tier": "Gold",
            "seats": 1200,
            "renewal": "2025-03-04",
            "vip": True,
            "areas": ["EU", "US"],
        },
    )
    assert bo == (
        owner.pk,
        "mail",
        False,
        True,
        {"seats": 42, "renewal": "2025-12-31", "vip": False},
    )
    assert cy == (mia.pk, "", False, False, {})
    with workspace_scope(workspace):
        entry = AuditEntry.objects.get(entity="contacts.contact", object_repr="Ann")
    assert entry.changes["owner"] == [None, mia.pk]
    assert entry.changes["preferred_channel"] == [None, "sms"]
    assert entry.changes["do_not_email"] == [None, True]
    assert entry.changes["custom_fields"][1]["seats"] == 1200


def test_a_name_several_members_share_is_refused(owner, mia, upload, run_import):
    workspace = _workspace(owner, mia)
    twin = user_create(username="mia2", password="x" * 20, first_name="Mia", last_name="Wong")
    membership_add(workspace=workspace, user=twin, role="member")

    batch = run_import(upload(workspace, "Email,Owner\na@x.io,Mia Wong\nb@x.io,mia2\n"))

    assert _errors(batch) == [(2, "Owner", "'Mia Wong' names several members of this workspace")]
    assert batch.created == 1


def test_a_required_custom_field_missing_from_a_new_contact_is_named(
    owner, mia, upload, run_import
):
    workspace = _workspace(owner, mia)
    with workspace_scope(workspace):
        custom_field_create(
            workspace=workspace,
            actor=owner,
            data={"entity": "contact", "label": "Code", "field_type": "text", "required": True},
        )

    for bulk in (False, True):
        batch = run_import(upload(workspace, "Email,Code\na@x.io,\nb@x.io,B1\n"), bulk=bulk)
        assert _errors(batch) == [(2, "", "is required")]
        assert batch.created == 1
        with workspace_scope(workspace):
            Contact.objects.all().delete()


UPDATE_HEADER = "Email,Owner,Preferred channel,Do not email,Do not call,Tier,Seats,VIP\n"
UPDATES = UPDATE_HEADER + (
    "ann@x.io,mia,email,yes,,Gold,7,\n"  # owner, flags and custom fields over Ann's
    "bo@x.io,,,,true,,,no\n"  # one flag, one custom field beside Bo's others
    "ann@x.io,olivia,,,,,8,\n"  # Ann again: merged into what the first row left
    "cy@x.io,ghost,,,,,,\n"  # an unknown owner: Cy left as he is
    "di@x.io,,,,,,,\n"  # nothing new: no entry
)


def _people(workspace, owner):
    with workspace_scope(workspace):
        make_contact(workspace, owner, first_name="Ann", emails=["ann@x.io"])
        make_contact(
            workspace,
            owner,
            first_name="Bo",
            emails=["bo@x.io"],
            owner_id=owner.pk,
            do_not_email=True,
            custom_fields={"seats": 3, "tier": "Gold"},
        )
        make_contact(workspace, owner, first_name="Cy", emails=["cy@x.io"], preferred_channel="sms")
        make_contact(workspace, owner, first_name="Di", emails=["di@x.io"])


def _state(workspace):
    with workspace_scope(workspace):
        return list(
            Contact.objects.order_by("email").values_list(
                "email",
                "owner_id",
                "preferred_channel",
                "do_not_email",
                "do_not_call",
                "custom_fields",
            )
        )


def _not_called(**kwargs):
    raise AssertionError("a row went down the row path")


@pytest.mark.parametrize("chunk_rows", [2, 500])
def test_bulk_updates_and_creates_leave_what_the_row_path_leaves(
    owner, mia, upload, run_import, chunk_rows, monkeypatch
):
    results = []
    for bulk in (False, True):
        workspace = _workspace(owner, mia, name=f"ws {bulk}")
        _people(workspace, owner)
        if bulk:  # every row written by the bulk path, none handed back to the row path
            monkeypatch.setattr(contact_bulk, "_write_row", _not_called)
        batch = run_import(
            upload(workspace, UPDATES + "new@x.io,mia,phone,1,0,gold,5,x\n"),
            mode="update",
            chunk_rows=chunk_rows,
            bulk=bulk,
        )
        results.append((_canonical(batch), _state(workspace)))

    (row_path, row_state), (bulk_path, bulk_state) = results
    assert row_path["counts"] == (6, 1, 4, 0, 1)
    for key in row_path:
        assert bulk_path[key] == row_path[key], key
    assert bulk_state == row_state
    ann = next(s for s in bulk_state if s[0] == "ann@x.io")
    assert ann[1:] == (owner.pk, "email", True, False, {"tier": "Gold", "seats": 8})
    bo = next(s for s in bulk_state if s[0] == "bo@x.io")
    assert bo[1:] == (owner.pk, "", True, True, {"seats": 3, "tier": "Gold", "vip": False})
    assert row_path["errors"][0][1:3] == ("Owner", "no member 'ghost' in this workspace")


@pytest.mark.parametrize("bulk_undo", [False, True], ids=["one-by-one", "bulk"])
@pytest.mark.parametrize("bulk", [False, True], ids=["row", "bulk"])
def test_undoing_an_update_import_gives_back_owner_preferences_and_custom_fields(
    bulk, bulk_undo, owner, mia, upload, run_import, monkeypatch
):
    if not bulk_undo:
        monkeypatch.setattr(ContactImporter, "restore_many", Importer.restore_many)
    workspace = _workspace(owner, mia)
    _people(workspace, owner)
    before = _state(workspace)
    batch = run_import(upload(workspace, UPDATES), mode="update", bulk=bulk)
    assert _state(workspace) != before
    since = timezone.now()

    with workspace_scope(workspace):
        import_undo(workspace=workspace, actor=owner, batch=batch)

    assert _state(workspace) == before
    with workspace_scope(workspace):
        ann = Contact.objects.get(email="ann@x.io")
        entries = AuditEntry.objects.filter(object_id=ann.pk, action="update", at__gte=since)
        entries = entries.filter(entity="contacts.contact").order_by("id")
        changes = [(e.changes["owner"], e.changes["custom_fields"]) for e in entries]
    assert changes == [
        ([owner.pk, mia.pk], [{"tier": "Gold", "seats": 8}, {"tier": "Gold", "seats": 7}]),
        ([mia.pk, None], [{"tier": "Gold", "seats": 7}, {}]),
    ]


def test_contact_export_has_the_communication_preferences(owner_client, workspace):
    with workspace_scope(workspace):
        make_contact(workspace, first_name="Ann", preferred_channel="phone", do_not_call=True)
    response = owner_client.get("/exports/contacts.csv")
    text = b"".join(response.streaming_content).decode()
    header, row = text.splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    assert (cells["preferred_channel"], cells["do_not_email"], cells["do_not_call"]) == (
        "phone",
        "false",
        "true",
    )


def test_other_tools_columns_are_suggested(owner, mia):
    workspace = _workspace(owner, mia)
    hubspot = ["Email", "Contact owner", "Unsubscribed from all email", "Tier", "cf_seats"]
    salesforce = ["Email", "Owner Name", "Email Opt Out", "Do Not Call"]
    accounts = ["Account Name", "Account Owner", "Parent Account", "Annual Revenue"]
    accounts += ["Currency", "Employees", "VIP"]
    with workspace_scope(workspace):
        contacts = importer_get("contacts")
        assert mapping_suggest(contacts, hubspot) == {
            "Email": "email",
            "Contact owner": "owner",
            "Unsubscribed from all email": "do_not_email",
            "Tier": "cf_tier",
            "cf_seats": "cf_seats",
        }
        assert mapping_suggest(contacts, salesforce) == {
            "Email": "email",
            "Owner Name": "owner",
            "Email Opt Out": "do_not_email",
            "Do Not Call": "do_not_call",
        }
        assert mapping_suggest(importer_get("companies"), accounts) == {
            "Account Name": "name",
            "Account Owner": "owner",
            "Parent Account": "parent",
            "Annual Revenue": "annual_revenue",
            "Currency": "annual_revenue_currency",
            "Employees": "size_band",
            "VIP": "cf_vip",
        }


COMPANY_HEADER = "Name,External ID,Size,Annual Revenue,Currency,Parent,Owner,Tier,Seats\n"


def test_companies_get_size_revenue_parent_owner_and_custom_fields(owner, mia, upload, run_import):
    workspace = _workspace(owner, mia, base_currency="EUR")
    with workspace_scope(workspace):
        make_company(workspace, owner, name="Stored Group", external_id="SG")
    content = COMPANY_HEADER + (
        'Acme Group,AG,"5,001+","1,234.50",usd,,Mia Wong,gold,3\n'
        "Acme UK,,51–200,2000000,,Acme Group,,,\n"  # the band's label; the default currency
        "Acme DE,,250,,,SG,olivia,,\n"  # a number of employees; a parent by external id
        "Bad 1,,huge,,,,,,\n"
        "Bad 2,,,12.345,ZZZ,Nobody Inc,ghost,silver,x\n"
    )

    batch = run_import(upload(workspace, content, entity="companies"))

    assert (batch.created, batch.failed) == (3, 2)
    assert _errors(batch) == [
        (
            5,
            "Size",
            "'huge' is not one of: Unknown, 1–10, 11–50, 51–200, 201–500, 501–1,000, "
            "1,001–5,000, 5,001+",
        ),
        (6, "Annual Revenue", "at most 2 decimal places"),
        (6, "Parent", "no company 'Nobody Inc' in this workspace"),
        (6, "Owner", "no member 'ghost' in this workspace"),
        (6, "Tier", "must be one of: Gold"),
        (6, "Seats", "must be a whole number"),
        (6, "Currency", "'ZZZ' is not an ISO 4217 currency code"),  # the service's, beside
    ]
    with workspace_scope(workspace):
        got = {
            c.name: (
                c.size_band,
                c.annual_revenue,
                c.annual_revenue_currency,
                c.parent.name if c.parent else None,
                c.owner_id,
                c.custom_fields,
            )
            for c in Company.objects.exclude(name="Stored Group")
        }
        shown = importer_get("companies").stored(Company.objects.get(name="Acme UK"))
    assert {k: shown[k] for k in ("size_band", "parent", "owner", "annual_revenue_currency")} == {
        "size_band": "51-200",
        "parent": "Acme Group",
        "owner": "",
        "annual_revenue_currency": "EUR",
    }
    assert got == {
        "Acme Group": (
            "5001+",
            Decimal("1234.50"),
            "USD",
            None,
            mia.pk,
            {"tier": "Gold", "seats": 3},
        ),
        "Acme UK": ("51-200", Decimal("2000000"), "EUR", "Acme Group", None, {}),
        "Acme DE": ("201-500", None, "", "Stored Group", owner.pk, {}),
    }


def test_a_semicolon_files_revenue_is_read_with_a_decimal_comma(owner, mia, upload, run_import):
    workspace = _workspace(owner, mia)
    content = "Name;Annual Revenue;Currency\nAcme;1.234,50;EUR\nBeta;12,5;EUR\n"

    batch = run_import(upload(workspace, content, entity="companies"))

    assert batch.created == 2
    with workspace_scope(workspace):
        assert sorted(Company.objects.values_list("name", "annual_revenue")) == [
            ("Acme", Decimal("1234.50")),
            ("Beta", Decimal("12.50")),
        ]


@pytest.mark.parametrize("bulk_undo", [False, True], ids=["one-by-one", "restore_many"])
def test_undoing_a_company_update_import_gives_back_what_it_replaced(
    bulk_undo, owner, mia, upload, run_import, monkeypatch
):
    if not bulk_undo:
        monkeypatch.setattr(CompanyImporter, "restore_many", Importer.restore_many)
    workspace = _workspace(owner, mia)
    with workspace_scope(workspace):
        group = make_company(workspace, owner, name="Group")
        make_company(
            workspace,
            owner,
            name="Acme",
            external_id="A",
            size_band="1-10",
            annual_revenue="10.00",
            annual_revenue_currency="GBP",
            owner_id=mia.pk,
            custom_fields={"seats": 1},
        )

    def state():
        with workspace_scope(workspace):
            c = Company.objects.get(external_id="A")
            return (
                c.size_band,
                c.annual_revenue,
                c.annual_revenue_currency,
                c.parent_id,
                c.owner_id,
                c.custom_fields,
            )

    before = state()
    content = COMPANY_HEADER + "Acme,A,11-50,99.99,USD,Group,olivia,Gold,2\n"
    batch = run_import(upload(workspace, content, entity="companies"), mode="update")
    assert state() == (
        "11-50",
        Decimal("99.99"),
        "USD",
        group.pk,
        owner.pk,
        {"seats": 2, "tier": "Gold"},
    )

    with workspace_scope(workspace):
        import_undo(workspace=workspace, actor=owner, batch=batch)

    assert state() == before


def test_the_api_lists_a_workspaces_custom_fields_among_the_importers_fields(owner, mia):
    workspace = _workspace(owner, mia)
    other = workspace_create(name="Other", owner=owner, default_region="US")

    def fields(ws):
        importers = ApiClient.with_token(owner, ws).get("/data/importers").json()
        by_entity = {i["entity"]: [f["name"] for f in i["fields"]] for i in importers}
        return by_entity["contacts"], by_entity["companies"]

    contacts, companies = fields(workspace)
    assert {"owner", "do_not_email", "cf_tier", "cf_areas"} <= set(contacts)
    assert {"owner", "parent", "annual_revenue", "cf_seats"} <= set(companies)
    assert not any(name.startswith("cf_") for name in fields(other)[0])  # its own: none


def test_bad_currencies_urls_emails_and_decimals_are_named(owner, mia, upload, run_import):
    workspace = _workspace(owner, mia)
    with workspace_scope(workspace):
        for label, kind in (("Site", "url"), ("Billing", "email"), ("Score", "decimal")):
            custom_field_create(
                workspace=workspace,
                actor=owner,
                data={"entity": "company", "label": label, "field_type": kind},
            )
    content = "Name,Annual Revenue,Currency,Site,Billing,Score\n"
    content += 'Good,10,usd,https://a.example,ap@a.example,"1,234.5"\n'
    content += "Bad,10,ZZZ,,,\n"
    content += "Worse,,,ftp://a.example,nobody,1.2.3\n"

    batch = run_import(upload(workspace, content, entity="companies"))

    assert batch.created == 1
    assert _errors(batch) == [
        (3, "Currency", "'ZZZ' is not an ISO 4217 currency code"),
        (4, "Site", "must be an http(s) URL"),
        (4, "Billing", "'nobody' is not a valid email: An email address must have an @-sign."),
        (4, "Score", "must be a decimal number"),
    ]
    with workspace_scope(workspace):
        assert Company.objects.get(name="Good").custom_fields == {
            "site": "https://a.example",
            "billing": "ap@a.example",
            "score": "1234.5",
        }
