"""What a browser pass over the foundation screens found: the login's wrong password, the
lists' width at 1280 px, the audit trail by labels with links, a long change kept whole, and
the address and preferences edited in place."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser

LONG_NAME = ("Maximiliane-Alexandrina", "von Hohenzollern-Sigmaringen-Wittelsbach")
LONG_EMAIL = "maximiliane.alexandrina.von.hohenzollern@international-holdings-example.com"
LONG_COMPANY = "International Consolidated Holdings and Subsidiaries of Northern Europe"


def test_a_wrong_password_keeps_the_username_and_focuses_the_password(page, workspace):
    page.goto("/login/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value("olivia")
    password = page.get_by_label("Password")
    expect(password).to_be_focused()
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", alert.get_attribute("id") or "")


def _table_fits(page) -> dict:
    """The list table against the viewport: no sideways scroll, its last header inside."""
    return page.evaluate(
        """() => {
            const wrap = document.querySelector('#record-table .table-wrap');
            const last = [...wrap.querySelectorAll('thead th')].filter(
                th => th.offsetParent !== null).pop();
            return {scroll: wrap.scrollWidth, client: wrap.clientWidth,
                    last: last.textContent.trim(),
                    right: last.getBoundingClientRect().right, viewport: innerWidth};
        }"""
    )


@pytest.mark.parametrize("path", ["/contacts/", "/companies/"])
def test_the_lists_default_columns_fit_at_1280_and_stay_usable_at_390(
    page, log_in, workspace, owner, path
):
    acme = make_company(
        workspace,
        owner,
        name=LONG_COMPANY,
        domain="international-holdings-example.com",
        industry="Industrial conglomerates and diversified holdings",
        size_band="1001-5000",
    )
    for n in range(3):
        make_contact(
            workspace,
            owner,
            first_name=f"{LONG_NAME[0]}{n}",
            last_name=LONG_NAME[1],
            emails=[f"{n}{LONG_EMAIL}"],
            company_ids=[acme.pk],
            lifecycle_stage="marketing_qualified",
            job_title="Vice President of International Business Development",
        )
    log_in("olivia")
    page.goto(path)
    fits = _table_fits(page)
    assert fits["last"].startswith("Updated")
    assert fits["scroll"] <= fits["client"], fits
    assert fits["right"] <= fits["viewport"], fits
    # A cut value keeps its whole text in its title.
    titled = page.locator('#record-table tbody [title*="international-holdings-example.com"]')
    expect(titled.first).to_be_attached()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    first = page.locator("#record-table tbody .rowlink").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_audit_log_reads_labels_and_links_each_record(page, log_in, workspace, owner):
    ann = make_contact(workspace, owner, first_name="Ann", last_name="Lee")
    gone = make_contact(workspace, owner, first_name="Gone", last_name="Away")
    with workspace_scope(workspace):
        contact_update(
            workspace=workspace, actor=owner, contact=ann, data={"lifecycle_stage": "customer"}
        )
        from rapport.contacts.services import contact_delete

        contact_delete(workspace=workspace, actor=owner, contact=gone)
    log_in("olivia")
    page.goto("/settings/audit/?action=update")
    row = page.locator("#audit-table tbody tr", has_text="Ann Lee")
    row.locator("summary").click()
    expect(row.locator("dt")).to_have_text("Lifecycle stage")
    expect(row.locator("dd")).to_have_text("Lead → Customer")
    page.goto("/settings/audit/?action=delete")
    expect(page.locator("#audit-table")).to_contain_text("Gone Away")
    expect(page.locator("#audit-table a", has_text="Gone Away")).to_have_count(0)
    page.goto("/settings/audit/?action=update")
    page.get_by_role("link", name="Ann Lee").click()
    expect(page).to_have_url(re.compile(rf"/contacts/{ann.pk}/$"))


def test_a_long_change_opens_to_its_whole_value(page, log_in, workspace, owner):
    ann = make_contact(workspace, owner, first_name="Ann", last_name="Lee")
    street = "Unit 4, " + "Very Long Industrial Estate Road " * 5 + "(rear)"
    with workspace_scope(workspace):
        contact_update(workspace=workspace, actor=owner, contact=ann, data={"street": street})
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")
    change = page.locator(".changes li", has_text="Street")
    expect(change.locator(".change-full")).not_to_be_visible()
    change.get_by_text(re.compile("show all")).click()
    expect(change.locator(".change-full")).to_have_text(street)
    expect(change.locator(".change-start")).not_to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_address_and_preferences_are_edited_in_place(page, log_in, workspace, owner):
    ann = make_contact(workspace, owner, first_name="Ann", last_name="Lee")
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")

    address = page.get_by_role("region", name="Address")
    address.get_by_title("Click to edit city").click()
    city = address.get_by_label("City")
    expect(city).to_be_focused()
    city.fill("Lyon")
    city.press("Enter")
    expect(address.locator("#f-city .kv-value")).to_have_text("Lyon")

    address.get_by_title("Click to edit country").click()
    address.get_by_label("Country").fill("Z1")
    address.get_by_role("button", name="Save").click()
    expect(address.locator("#f-country .field-error")).to_be_visible()
    address.get_by_role("button", name="Cancel").click()

    prefs = page.get_by_role("region", name="Communication preferences")
    prefs.get_by_title("Click to edit do not email").click()
    prefs.get_by_label("Do not email").check()
    prefs.get_by_role("button", name="Save").click()
    expect(prefs.locator("#f-do_not_email .kv-value")).to_have_text("Yes")
    prefs.get_by_title("Click to edit preferred channel").click()
    prefs.get_by_label("Preferred channel").select_option("sms")
    prefs.get_by_role("button", name="Save").click()
    expect(prefs.locator("#f-preferred_channel .kv-value")).to_have_text("SMS")
    expect(page.locator(".changes").first).to_contain_text("Preferred channel")
