"""Back through a filtered list: the filter form shows the query of the page it returns to."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact

pytestmark = pytest.mark.browser


def test_back_puts_the_filters_of_the_page_it_returns_to(page, log_in, workspace):
    make_contact(workspace, first_name="Lena", last_name="Lead", lifecycle_stage="lead")
    make_contact(workspace, first_name="Lena", last_name="Buyer", lifecycle_stage="customer")
    make_contact(workspace, first_name="Carl", last_name="Customer", lifecycle_stage="customer")
    log_in("olivia")
    page.goto("/contacts/")
    search, stage = page.get_by_label("Search contacts"), page.get_by_label("Lifecycle stage")
    count = page.locator(".record-count")

    search.fill("lena")
    expect(count).to_have_text("1–2 of 2 contacts")
    stage.select_option("customer")
    expect(count).to_have_text("1 of 1 contact")

    page.go_back()
    expect(page).to_have_url(re.compile(r"q=lena&.*lifecycle_stage=&"))
    expect(count).to_have_text("1–2 of 2 contacts")
    expect(search).to_have_value("lena")
    expect(stage).to_have_value("")
    csv = page.get_by_role("link", name="Export CSV")
    expect(csv).to_have_attribute("href", re.compile(r"q=lena&.*lifecycle_stage=&"))

    page.go_forward()
    expect(count).to_have_text("1 of 1 contact")
    expect(search).to_have_value("lena")
    expect(stage).to_have_value("customer")

    page.go_back()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/contacts/$"))
    expect(search).to_have_value("")
    expect(page.locator("#record-table")).to_contain_text("Carl Customer")
