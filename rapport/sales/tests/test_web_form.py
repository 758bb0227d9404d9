import pytest
from django.core.cache import cache
from django_scopes import scopes_disabled

from rapport.sales.leads import RATE_LIMIT, web_form_create
from rapport.sales.models import Lead
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def form(workspace, owner):
    cache.clear()
    with workspace_scope(workspace):
        return web_form_create(
            workspace=workspace,
            actor=owner,
            name="Contact us",
            allowed_origins=["https://www.acme.example"],
        )


def leads():
    with scopes_disabled():
        return list(Lead.objects.all())


GOOD = {"first_name": "Tom", "email": "tom@example.org", "company_name": "Tomco"}


def test_the_hosted_form_needs_no_login_and_creates_a_lead(client, form, workspace):
    page = client.get(f"/forms/{form.key}/")
    assert page.status_code == 200 and b'name="website"' in page.content
    response = client.post(f"/forms/{form.key}/", GOOD)
    assert response.status_code == 200 and b"Thank you" in response.content
    [lead] = leads()
    assert (lead.workspace, lead.email, lead.source) == (workspace, "tom@example.org", "web form")


def test_an_unknown_key_is_404(client, form):
    assert client.post("/forms/not-a-key/", GOOD).status_code == 404


def test_a_filled_honeypot_looks_accepted_but_stores_nothing(client, form):
    response = client.post(f"/forms/{form.key}/", {**GOOD, "website": "http://spam.example"})
    assert response.status_code == 200
    assert leads() == []


def test_bad_input_is_shown_by_field_and_stores_nothing(client, form):
    response = client.post(
        f"/forms/{form.key}/",
        {"email": "not-an-email", "first_name": "T"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["email"]
    page = client.post(f"/forms/{form.key}/", {"email": "bad"})
    assert page.status_code == 422 and b"not a valid email" in page.content
    assert leads() == []


def test_cross_site_posts_only_from_allowed_origins_with_cors_headers(client, form):
    allowed = client.post(
        f"/forms/{form.key}/",
        GOOD,
        HTTP_ORIGIN="https://www.acme.example",
        HTTP_ACCEPT="application/json",
    )
    assert allowed.status_code == 201
    assert allowed["Access-Control-Allow-Origin"] == "https://www.acme.example"
    refused = client.post(f"/forms/{form.key}/", GOOD, HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403
    assert len(leads()) == 1
    preflight = client.options(f"/forms/{form.key}/", HTTP_ORIGIN="https://www.acme.example")
    assert preflight.status_code == 204
    assert "POST" in preflight["Access-Control-Allow-Methods"]


def test_submissions_are_rate_limited_per_address(client, form):
    for i in range(RATE_LIMIT):
        assert client.post(f"/forms/{form.key}/", {"email": f"t{i}@example.org"}).status_code == 200
    assert client.post(f"/forms/{form.key}/", GOOD).status_code == 429
    assert len(leads()) == RATE_LIMIT


def test_an_origin_must_be_scheme_and_host(workspace, owner):
    from rapport.core.errors import ServiceValidationError

    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as exc:
        web_form_create(
            workspace=workspace, actor=owner, name="x", allowed_origins=["acme.example/path"]
        )
    assert "allowed_origins.0" in exc.value.as_dict()
