"""Company names are suggested while typing: in the contact form's companies and the list's
company filter; the company's page then lists its people."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_a_company_is_picked_from_suggestions_on_the_contact_form_and_the_list_filter(
    page, log_in, workspace, owner
):
    acme = make_company(workspace, name="Acme Corp")
    make_company(workspace, name="Acme Labs")
    make_company(workspace, name="Globex")
    make_contact(workspace, first_name="Zed", last_name="Other")
    log_in("olivia")
    page.goto("/contacts/new/")
    page.get_by_label("First name").fill("Ann")
    page.get_by_label("Emails").fill("ann@acme.io")
    add = page.get_by_label("Add a company")
    add.press_sequentially("acm", delay=50)
    options = page.locator(f"datalist#{add.get_attribute('list')} option")
    expect(options).to_have_count(2)
    assert options.evaluate_all("os => os.map(o => o.value)") == ["Acme Corp", "Acme Labs"]
    add.fill("Acme Corp")
    add.press("Enter")
    expect(page.get_by_label("Companies")).to_have_value("Acme Corp")
    page.get_by_role("button", name="Create contact").click()
    expect(page.locator("#record-title")).to_contain_text("Ann")
    with workspace_scope(workspace):
        assert Contact.objects.get(first_name="Ann").primary_company_id == acme.pk

    page.goto("/contacts/")
    company_filter = page.get_by_label("Company", exact=True)
    company_filter.press_sequentially("acme c", delay=50)
    expect(page.locator(f"datalist#{company_filter.get_attribute('list')} option")).to_have_count(1)
    # Picking the suggestion puts the whole name in the filter (a user clicks the option).
    company_filter.fill("Acme Corp")
    expect(page.locator("#contact-table, table").first).to_contain_text("Ann")
    expect(page.locator("#contact-table, table").first).not_to_contain_text("Zed")

    # The company's page lists its people once loaded, each a link to their page.
    page.goto(f"/companies/{acme.pk}/")
    people = page.locator("#company-people")
    expect(people).to_contain_text("Ann")
    people.get_by_role("link", name="Ann").click()
    expect(page.locator("#record-title")).to_contain_text("Ann")
