"""Contacts, companies, tags and custom fields through `/api/v1/`."""

import datetime as dt

import pytest
import time_machine

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact, CustomFieldDefinition, Tag
from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import workspace_create


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


def _define(workspace, owner, **data):
    with workspace_scope(workspace):
        return custom_field_create(workspace=workspace, actor=owner, data=data)


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["first_name"] for c in response.json()["items"]]


def _audit(workspace, entity: str, object_id: int) -> list[AuditEntry]:
    with workspace_scope(workspace):
        return list(AuditEntry.objects.filter(entity=entity, object_id=object_id).order_by("id"))


# --- contact CRUD -----------------------------------------------------------------------


def test_it_creates_a_contact_with_normalised_emails_and_phones(api):
    response = api.post(
        "/contacts",
        {
            "first_name": "Ann",
            "last_name": "Lee",
            "emails": ["  Ann.Lee@Example.COM ", "ann@home.org"],
            "phones": ["(415) 555-2671", "+44 20 7946 0018"],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["emails"] == ["ann.lee@example.com", "ann@home.org"]
    assert body["email"] == "ann.lee@example.com"
    assert body["phones"] == ["+14155552671", "+442079460018"]
    assert body["phone"] == "+14155552671"
    assert body["display_name"] == "Ann Lee"


def test_phones_without_a_country_code_are_read_in_the_workspaces_region(outsider):
    uk = workspace_create(name="London Ltd", owner=outsider, default_region="GB")

    response = ApiClient.with_token(outsider, uk).post(
        "/contacts", {"first_name": "Tom", "phones": ["020 7946 0018"]}
    )

    assert response.json()["phones"] == ["+442079460018"]


def test_it_reads_a_contact_with_its_companies_primary_first(api, workspace):
    first = make_company(workspace, name="Primary Co")
    second = make_company(workspace, name="Second Co")
    contact = make_contact(workspace, company_ids=[first.pk, second.pk], tags=["vip", "hot"])

    body = api.get(f"/contacts/{contact.pk}").json()

    assert body["primary_company_id"] == first.pk
    assert body["company_ids"] == [first.pk, second.pk]
    assert sorted(body["tags"]) == ["hot", "vip"]


def test_patch_changes_only_the_fields_sent(api, workspace, owner):
    contact = make_contact(workspace, first_name="Ann", job_title="CEO", emails=["a@example.com"])

    response = api.patch(f"/contacts/{contact.pk}", {"job_title": "CTO", "owner_id": owner.pk})

    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["job_title"], body["owner_id"]) == ("Ann", "CTO", owner.pk)
    assert body["emails"] == ["a@example.com"]
    cleared = api.patch(f"/contacts/{contact.pk}", {"owner_id": None}).json()
    assert cleared["owner_id"] is None


def test_patch_replaces_emails_and_answers_with_the_new_ones(api, workspace):
    contact = make_contact(workspace, emails=["old@example.com"])

    body = api.patch(f"/contacts/{contact.pk}", {"emails": ["New@Example.com"]}).json()

    assert body["emails"] == ["new@example.com"]
    assert body["email"] == "new@example.com"


def test_a_bad_patch_changes_nothing(api, workspace):
    contact = make_contact(workspace, first_name="Ann", emails=["a@example.com"])

    response = api.patch(f"/contacts/{contact.pk}", {"first_name": "Bea", "emails": ["nope"]})

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"emails.0"}
    assert api.get(f"/contacts/{contact.pk}").json()["first_name"] == "Ann"


def test_it_deletes_a_contact(api, workspace):
    contact = make_contact(workspace)

    response = api.delete(f"/contacts/{contact.pk}")

    assert response.status_code == 204
    assert api.get(f"/contacts/{contact.pk}").status_code == 404


def test_api_writes_are_audited_with_source_actor_and_changes(api, workspace, owner):
    created = api.post("/contacts", {"first_name": "Ann", "emails": ["ann@example.com"]}).json()
    api.patch(f"/contacts/{created['id']}", {"first_name": "Anna", "job_title": "CTO"})
    api.delete(f"/contacts/{created['id']}")

    create, update, delete = _audit(workspace, "contacts.contact", created["id"])
    assert [e.action for e in (create, update, delete)] == ["create", "update", "delete"]
    assert {e.source for e in (create, update, delete)} == {"api"}
    assert {e.actor_id for e in (create, update, delete)} == {owner.pk}
    assert create.changes["emails"] == [None, ["ann@example.com"]]
    assert update.changes == {"first_name": ["Ann", "Anna"], "job_title": ["", "CTO"]}
    assert delete.changes["first_name"] == ["Anna", None]


def test_company_and_tag_writes_are_audited_too(api, workspace, owner):
    company = api.post("/companies", {"name": "Initech"}).json()
    tag = api.post("/tags", {"name": "vip"}).json()

    [company_entry] = _audit(workspace, "contacts.company", company["id"])
    [tag_entry] = _audit(workspace, "contacts.tag", tag["id"])
    assert (company_entry.source, company_entry.actor_id) == ("api", owner.pk)
    assert company_entry.changes["name"] == [None, "Initech"]
    assert (tag_entry.source, tag_entry.changes["name"]) == ("api", [None, "vip"])


# --- custom fields ----------------------------------------------------------------------


def test_custom_field_values_are_validated_and_typed(api, workspace, owner):
    _define(workspace, owner, entity="contact", label="Seats", field_type="number")
    _define(
        workspace,
        owner,
        entity="contact",
        label="Plan",
        field_type="choice",
        choices=["free", "pro"],
    )
    _define(workspace, owner, entity="contact", label="Renews", field_type="date")

    bad = api.post(
        "/contacts",
        {"first_name": "Ann", "custom_fields": {"seats": "many", "plan": "gold", "renews": "soon"}},
    )
    good = api.post(
        "/contacts",
        {
            "first_name": "Ann",
            "custom_fields": {"seats": "12", "plan": "pro", "renews": "2030-01-31"},
        },
    )

    assert bad.status_code == 422
    assert set(problem_fields(bad)) == {
        "custom_fields.seats",
        "custom_fields.plan",
        "custom_fields.renews",
    }
    assert good.status_code == 201
    assert good.json()["custom_fields"] == {"seats": 12, "plan": "pro", "renews": "2030-01-31"}


def test_a_required_custom_field_is_required_on_create(api, workspace, owner):
    _define(workspace, owner, entity="contact", label="Region", field_type="text", required=True)

    response = api.post("/contacts", {"first_name": "Ann"})

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"custom_fields.region"}


def test_custom_field_definitions_have_crud(workspace, admin_user):
    api = ApiClient.with_token(admin_user, workspace)

    created = api.post(
        "/custom-fields",
        {
            "entity": "company",
            "label": "Segment",
            "field_type": "multi_choice",
            "choices": ["smb", "enterprise"],
        },
    )
    assert created.status_code == 201, created.content
    definition = created.json()
    assert definition["key"] == "segment"
    changed = api.patch(f"/custom-fields/{definition['id']}", {"label": "Market segment"})
    assert changed.json()["label"] == "Market segment"
    frozen = api.patch(f"/custom-fields/{definition['id']}", {"field_type": "text"})
    assert set(problem_fields(frozen)) == {"field_type"}
    listed = api.get("/custom-fields", {"entity": "company"}).json()
    assert [d["key"] for d in listed] == ["segment"]
    assert api.get("/custom-fields", {"entity": "contact"}).json() == []
    assert api.delete(f"/custom-fields/{definition['id']}").status_code == 204
    with workspace_scope(workspace):
        assert not CustomFieldDefinition.objects.exists()


@pytest.mark.parametrize("key", ["Region Code", "région", "r" * 51])
def test_a_custom_field_key_is_taken_as_given_or_refused(workspace, admin_user, key):
    """The client writes values under the key it chose: a key silently rewritten to another
    would make each of those writes fail."""
    api = ApiClient.with_token(admin_user, workspace)

    response = api.post(
        "/custom-fields",
        {"entity": "contact", "label": "Region", "key": key, "field_type": "text"},
    )

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"key"}
    with workspace_scope(workspace):
        assert not CustomFieldDefinition.objects.exists()


def test_a_custom_field_label_cannot_be_blank_on_create_or_update(workspace, admin_user):
    api = ApiClient.with_token(admin_user, workspace)
    blank = api.post("/custom-fields", {"entity": "contact", "label": "  ", "field_type": "text"})
    field = api.post(
        "/custom-fields", {"entity": "contact", "label": "Region", "field_type": "text"}
    )

    cleared = api.patch(f"/custom-fields/{field.json()['id']}", {"label": None})
    spaces = api.patch(f"/custom-fields/{field.json()['id']}", {"label": " "})

    assert blank.status_code == cleared.status_code == spaces.status_code == 422
    assert set(problem_fields(blank)) == set(problem_fields(cleared)) == {"label"}
    assert api.get(f"/custom-fields/{field.json()['id']}").json()["label"] == "Region"


def test_a_choice_field_needs_choices(workspace, admin_user):
    api = ApiClient.with_token(admin_user, workspace)

    response = api.post(
        "/custom-fields", {"entity": "contact", "label": "Plan", "field_type": "choice"}
    )

    assert set(problem_fields(response)) == {"choices"}


# --- lists: filters, search, sort --------------------------------------------------------


def test_it_filters_by_owner_tag_stage_and_company(api, workspace, owner, member):
    initech = make_company(workspace, name="Initech")
    make_contact(
        workspace,
        first_name="Ann",
        owner_id=owner.pk,
        tags=["vip"],
        lifecycle_stage="customer",
        company_ids=[initech.pk],
    )
    make_contact(workspace, first_name="Bob", owner_id=member.pk, lifecycle_stage="lead")

    assert _names(api.get("/contacts", {"owner_id": owner.pk})) == ["Ann"]
    assert _names(api.get("/contacts", {"tag": "VIP"})) == ["Ann"]
    assert _names(api.get("/contacts", {"lifecycle_stage": "lead"})) == ["Bob"]
    assert _names(api.get("/contacts", {"company_id": initech.pk})) == ["Ann"]
    bad_stage = api.get("/contacts", {"lifecycle_stage": "king"})
    assert bad_stage.status_code == 400
    assert set(problem_fields(bad_stage)) == {"lifecycle_stage"}


def test_it_filters_by_created_and_updated_ranges(api, workspace):
    with time_machine.travel(dt.datetime(2024, 1, 10, tzinfo=dt.UTC), tick=False):
        old = make_contact(workspace, first_name="Old")
    with time_machine.travel(dt.datetime(2024, 3, 10, tzinfo=dt.UTC), tick=False):
        make_contact(workspace, first_name="New")
    with time_machine.travel(dt.datetime(2024, 5, 1, tzinfo=dt.UTC), tick=False):
        api.patch(f"/contacts/{old.pk}", {"job_title": "CEO"})

    assert _names(api.get("/contacts", {"created_after": "2024-02-01T00:00:00Z"})) == ["New"]
    assert _names(api.get("/contacts", {"created_before": "2024-02-01"})) == ["Old"]
    assert _names(api.get("/contacts", {"updated_after": "2024-04-01T00:00:00+00:00"})) == ["Old"]
    assert _names(api.get("/contacts", {"updated_before": "2024-04-01T00:00:00"})) == ["New"]


def test_it_filters_by_custom_field_values(api, workspace, owner):
    _define(workspace, owner, entity="contact", label="Seats", field_type="number")
    _define(
        workspace,
        owner,
        entity="contact",
        label="Channels",
        field_type="multi_choice",
        choices=["web", "phone", "fax"],
    )
    make_contact(workspace, first_name="Ann", custom_fields={"seats": 12, "channels": ["web"]})
    make_contact(workspace, first_name="Bob", custom_fields={"seats": 3, "channels": ["phone"]})

    assert _names(api.get("/contacts", {"cf.seats": "12"})) == ["Ann"]
    assert _names(api.get("/contacts", {"cf.channels": "phone"})) == ["Bob"]
    assert _names(api.get("/contacts", {"cf.seats": "3", "cf.channels": "web"})) == []
    bad = api.get("/contacts", {"cf.seats": "lots"})
    assert bad.status_code == 400
    assert set(problem_fields(bad)) == {"cf.seats"}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ann", ["Ann"]),
        ("ann lee", ["Ann"]),
        ("lee", ["Ann"]),
        ("nobody", []),
        ("zed", ["Bob"]),
        ("ann@initech.com", ["Ann"]),
        ("415 555 2671", ["Ann"]),
        ("+14155552671", ["Ann"]),
        ("globex", ["Bob"]),
    ],
)
def test_it_searches_by_name_email_phone_and_company(api, workspace, q, expected):
    globex = make_company(workspace, name="Globex")
    make_contact(
        workspace,
        first_name="Ann",
        last_name="Lee",
        emails=["ann@initech.com"],
        phones=["+1 415 555 2671"],
    )
    make_contact(workspace, first_name="Bob", last_name="Zed", company_ids=[globex.pk])

    assert _names(api.get("/contacts", {"q": q})) == expected


def test_it_sorts_contacts(api, workspace):
    for first, last in [("Ann", "Young"), ("Bob", "Adams"), ("Cy", "Miller")]:
        make_contact(workspace, first_name=first, last_name=last)

    assert _names(api.get("/contacts", {"sort": "name"})) == ["Bob", "Cy", "Ann"]
    assert _names(api.get("/contacts", {"sort": "-name"})) == ["Ann", "Cy", "Bob"]
    assert _names(api.get("/contacts", {"sort": "-created"})) == ["Cy", "Bob", "Ann"]


@pytest.mark.parametrize("sort", ["name", "-name", "created", "-created"])
def test_pages_neither_repeat_nor_skip_rows_when_rows_are_inserted(api, workspace, sort):
    originals = [f"M{n:02d}" for n in range(0, 20, 2)]  # M00, M02, ... M18
    for name in originals:
        make_contact(workspace, first_name="", last_name=name)
    first = api.get("/contacts", {"sort": sort, "limit": 4}).json()
    seen = [c["last_name"] for c in first["items"]]

    # Rows sorting before, between and after what was seen, and after the last.
    for name in ("A00", "M01", "M05", "M11", "Z99"):
        make_contact(workspace, first_name="", last_name=name)
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor:
        body = api.get("/contacts", {"sort": sort, "limit": 4, "cursor": cursor}).json()
        rest.extend(c["last_name"] for c in body["items"])
        cursor = body["next_cursor"]

    walked_originals = [n for n in seen + rest if n in originals]
    assert len(walked_originals) == len(set(walked_originals)), "a row was repeated"
    assert sorted(walked_originals) == originals, "a row was skipped"
    expected_order = sorted(originals, reverse=sort in ("-name", "-created"))
    assert walked_originals == expected_order


def test_prev_cursor_walks_back_to_the_same_page(api, workspace):
    for name in ["A", "B", "C", "D", "E"]:
        make_contact(workspace, first_name="", last_name=name)
    page1 = api.get("/contacts", {"limit": 2}).json()
    page2 = api.get("/contacts", {"limit": 2, "cursor": page1["next_cursor"]}).json()

    back = api.get("/contacts", {"limit": 2, "cursor": page2["prev_cursor"]}).json()

    assert [c["id"] for c in back["items"]] == [c["id"] for c in page1["items"]]
    assert page1["prev_cursor"] is None


def test_the_contact_list_costs_the_same_queries_for_3_or_30_rows(
    api, workspace, django_assert_max_num_queries, django_assert_num_queries
):
    def seed(n: int) -> None:
        company = make_company(workspace, name=f"Co {n}")
        for i in range(n):
            make_contact(
                workspace,
                first_name=f"P{i}",
                emails=[f"p{i}@example.com"],
                phones=["+14155552671"],
                company_ids=[company.pk],
                tags=["vip"],
            )

    seed(3)
    api.get("/contacts")  # the token's last-used write happens on first use only
    with django_assert_max_num_queries(10) as few:
        api.get("/contacts", {"limit": 200})
    seed(27)
    with django_assert_num_queries(len(few.captured_queries)):
        response = api.get("/contacts", {"limit": 200})
    assert len(response.json()["items"]) == 30


def test_the_company_list_costs_the_same_queries_for_3_or_30_rows(
    api, workspace, django_assert_max_num_queries, django_assert_num_queries
):
    for i in range(3):
        make_company(workspace, name=f"Co {i}", tags=["vip"])
    api.get("/companies")
    with django_assert_max_num_queries(6) as few:
        api.get("/companies", {"limit": 200})
    for i in range(3, 30):
        make_company(workspace, name=f"Co {i}", tags=["vip"])
    with django_assert_num_queries(len(few.captured_queries)):
        api.get("/companies", {"limit": 200})


# --- companies --------------------------------------------------------------------------


def test_it_creates_a_company_with_a_normalised_domain_and_revenue(api, workspace):
    response = api.post(
        "/companies",
        {
            "name": "Initech",
            "domain": "https://www.Initech.com/about",
            "annual_revenue": "1250000.50",
            "size_band": "51-200",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["domain"] == "initech.com"
    assert body["annual_revenue"] == "1250000.50"
    assert body["annual_revenue_currency"] == "USD"
    bad = api.post("/companies", {"name": "", "annual_revenue": "-5", "size_band": "huge"})
    assert set(problem_fields(bad)) == {"size_band"}
    bad = api.post("/companies", {"name": "", "annual_revenue": "-5", "domain": "nope"})
    assert set(problem_fields(bad)) == {"name", "annual_revenue", "domain"}


def test_it_lists_searches_and_updates_companies(api, workspace):
    parent = make_company(workspace, name="Umbrella")
    child = make_company(workspace, name="Umbrella Labs", domain="labs.umbrella.com")
    make_company(workspace, name="Initech")

    found = api.get("/companies", {"q": "umbr", "sort": "-name"}).json()["items"]
    patched = api.patch(f"/companies/{child.pk}", {"parent_id": parent.pk})
    loop = api.patch(f"/companies/{parent.pk}", {"parent_id": child.pk})

    assert [c["name"] for c in found] == ["Umbrella Labs", "Umbrella"]
    assert patched.json()["parent_id"] == parent.pk
    assert set(problem_fields(loop)) == {"parent_id"}
    assert api.delete(f"/companies/{child.pk}").status_code == 204


# --- tags -------------------------------------------------------------------------------


def test_tags_have_crud(api, workspace):
    created = api.post("/tags", {"name": "vip", "color": "#FF0000"})
    assert created.status_code == 201
    tag = created.json()
    assert tag["color"] == "#ff0000"
    assert set(problem_fields(api.post("/tags", {"name": "VIP"}))) == {"name"}
    assert set(problem_fields(api.post("/tags", {"name": "x", "color": "red"}))) == {"color"}
    assert api.patch(f"/tags/{tag['id']}", {"name": "key"}).json()["name"] == "key"
    assert [t["name"] for t in api.get("/tags").json()] == ["key"]
    assert api.delete(f"/tags/{tag['id']}").status_code == 204
    with workspace_scope(workspace):
        assert not Tag.objects.exists()


# --- bulk -------------------------------------------------------------------------------


def test_bulk_lands_good_rows_and_reports_bad_ones_per_field(api, workspace):
    existing = make_contact(workspace, first_name="Old", job_title="Intern")

    response = api.post(
        "/contacts/bulk",
        {
            "items": [
                {"first_name": "Ann", "emails": ["ANN@example.com"]},
                {"first_name": "Bad", "emails": ["not-an-email"], "phones": ["12"]},
                {"id": existing.pk, "job_title": "CEO"},
                {"first_name": 42},
                {"id": 424242, "first_name": "Ghost"},
                {"first_name": "Cy", "tags": ["bulk"]},
            ]
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["failed"]) == (2, 1, 3)
    results = body["results"]
    assert [r["status"] for r in results] == [
        "created",
        "error",
        "updated",
        "error",
        "error",
        "created",
    ]
    assert {e["field"] for e in results[1]["errors"]} == {"emails.0", "phones.0"}
    assert {e["field"] for e in results[3]["errors"]} == {"first_name"}
    assert {e["field"] for e in results[4]["errors"]} == {"id"}
    assert results[2]["id"] == existing.pk
    with workspace_scope(workspace):
        assert set(Contact.objects.values_list("first_name", flat=True)) == {"Old", "Ann", "Cy"}
        assert Contact.objects.get(pk=existing.pk).job_title == "CEO"
        assert Contact.objects.get(pk=results[0]["id"]).email == "ann@example.com"
        assert AuditEntry.objects.filter(source="api").count() == 3
        assert not Tag.objects.exclude(name="bulk").exists()


def test_a_bulk_row_failing_after_its_first_write_leaves_nothing(api, workspace, monkeypatch):
    from rapport.contacts import services

    def failing_audit(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", failing_audit)

    response = api.post("/contacts/bulk", {"items": [{"first_name": "Ann", "tags": ["new"]}]})

    assert response.status_code == 500
    with workspace_scope(workspace):
        assert not Contact.objects.exists()
        assert not Tag.objects.exists()


def test_bulk_refuses_an_unknown_key_beside_the_items(api, workspace):
    response = api.post("/contacts/bulk", {"item": [{"first_name": "Ann"}], "items": []})

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"item"}


def test_bulk_refuses_more_than_1000_items(api, workspace):
    response = api.post("/contacts/bulk", {"items": [{"first_name": "X"}] * 1001})

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"items"}
    with workspace_scope(workspace):
        assert not Contact.objects.exists()


def test_bulk_accepts_1000_items(api, workspace):
    items = [{"first_name": f"P{i}"} for i in range(1000)]

    body = api.post("/contacts/bulk", {"items": items}).json()

    assert body["created"] == 1000
    with workspace_scope(workspace):
        assert Contact.objects.count() == 1000


def test_company_bulk_shares_the_same_behaviour(api, workspace):
    existing = make_company(workspace, name="Initech")

    body = api.post(
        "/companies/bulk",
        {"items": [{"name": "Globex"}, {"name": ""}, {"id": existing.pk, "industry": "Software"}]},
    ).json()

    assert [r["status"] for r in body["results"]] == ["created", "error", "updated"]
    assert [e["field"] for e in body["results"][1]["errors"]] == ["name"]
    with workspace_scope(workspace):
        assert Company.objects.get(pk=existing.pk).industry == "Software"
        assert Company.objects.count() == 2


def test_the_plain_api_rows_are_what_ninja_dumps(api, workspace, owner):
    from rapport.api.records import PageOut
    from rapport.contacts.api import _CONTACT_ROWS, ContactOut, _with_contact_rows
    from rapport.contacts.listing import contact_page
    from rapport.contacts.queries import RecordFilter

    _define(workspace, owner, entity="contact", label="Tier", field_type="choice", choices=["a"])
    acme, initech = make_company(workspace, name="Acme"), make_company(workspace, name="Initech")
    make_contact(
        workspace,
        first_name="Ann",
        emails=["ann@acme.io", "ann2@acme.io"],
        phones=["+12125550100", "+442071838750"],
        company_ids=[initech.pk, acme.pk],
        tags=["vip", "b2b"],
        owner_id=owner.pk,
        custom_fields={"tier": "a"},
        do_not_email=True,
    )
    make_contact(workspace, first_name="", last_name="", emails=["x@y.io"])
    make_contact(workspace, first_name="Bo", lifecycle_stage="customer", preferred_channel="phone")
    with workspace_scope(workspace):
        f = RecordFilter()
        page = contact_page(f=f, workspace=workspace, sort="name", cursor=None, limit=5)
        _with_contact_rows(page.items)
        assert (
            _CONTACT_ROWS.dump(page.items)
            == PageOut[ContactOut].from_orm(page).model_dump()["items"]
        )
    answer = api.get("/contacts?limit=2").json()
    assert list(answer) == ["items", "next_cursor", "prev_cursor"]
    assert answer["next_cursor"]
    first = answer["items"][0]
    assert list(first) == list(ContactOut.model_fields)
    assert first["company_ids"] == [initech.pk, acme.pk]


def test_the_plain_api_rows_load_deferred_fields_as_ninja_does(workspace, owner):
    from rapport.contacts.api import _CONTACT_ROWS, ContactOut, _with_contact_rows

    make_contact(
        workspace,
        first_name="Ann",
        last_name="Lee",
        emails=["ann@acme.io"],
        owner_id=owner.pk,
        tags=["vip"],
    )
    make_contact(workspace, first_name="Bo", do_not_call=True)
    with workspace_scope(workspace):
        # Fields left out of the read load on first access, through their descriptors.
        contacts = list(Contact.objects.only("id", "first_name").order_by("pk"))
        _with_contact_rows(contacts)
        rows = _CONTACT_ROWS.dump(contacts)
        expected = [ContactOut.from_orm(c).model_dump() for c in contacts]
    assert rows == expected
    assert rows[0]["last_name"] == "Lee" and rows[0]["tags"] == ["vip"]
    assert rows[1]["do_not_call"] is True
