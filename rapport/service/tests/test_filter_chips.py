"""The ticket list's filter chips: which query gives which chips, where each chip's × leads
(the same list without that one filter, off any page cursor), "Clear all" from two chips on,
and the page that shows them (escaped; re-sent with the table; the filters with the list)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from rapport.contacts.tests.factories import make_company, make_contact
from rapport.service.filter_chips import clear_filters_url, filter_chips
from rapport.service.forms import TicketListForm
from rapport.service.services import team_create
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client

pytestmark = pytest.mark.django_db
LIST = "/tickets/all/"


def chips_of(workspace, query: str, *, view: str = "all", team_id=None):
    params = QueryDict(query)
    form = TicketListForm(params)
    form.is_valid()
    with workspace_scope(workspace):
        chips = filter_chips(
            form=form,
            query=params,
            list_url=LIST,
            workspace=workspace,
            defaults={"status": form.status_for(view, None), "team": team_id},
            ignored=() if view == "team" else ("team",),
        )
    return chips, clear_filters_url(query=params, list_url=LIST, chips=chips)


def params_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_each_filter_is_a_chip_with_its_label_and_value(workspace, owner, member):
    chips, _ = chips_of(
        workspace,
        f"q=printer&status=open&priority=urgent&ticket_type=complaint&channel=email"
        f"&sla=breached&assignee={member.pk}&tag=vip&sort=-created",
    )
    assert [(c.label, c.value) for c in chips] == [
        ("Search", "printer"),
        ("Status", "Open"),
        ("Priority", "Urgent"),
        ("Type", "Complaint"),
        ("Channel", "Email"),
        ("SLA", "breached"),
        ("Assignee", "mia"),
        ("Tag", "vip"),
    ]


def test_a_chips_cross_removes_only_its_filter_and_the_cursor(workspace):
    chips, clear = chips_of(workspace, "priority=urgent&tag=vip&channel=&sort=due&cursor=abc")
    priority, tag = chips
    assert priority.remove_url.startswith(f"{LIST}?")
    assert params_of(priority.remove_url) == {"tag": ["vip"], "sort": ["due"]}
    assert params_of(tag.remove_url) == {"priority": ["urgent"], "sort": ["due"]}
    assert params_of(clear) == {"sort": ["due"]}  # the order stays, every filter goes


def test_the_last_chip_leads_to_the_bare_list(workspace):
    [chip], clear = chips_of(workspace, "tag=vip&q=")
    assert chip.remove_url == LIST == clear


def test_defaults_refused_values_and_empty_fields_give_no_chip(workspace):
    # The form sends every field on each change: "Any status" on All tickets, "Unsolved" in
    # an agent's queue, empty selects. A refused value is reported by the form instead.
    assert chips_of(workspace, "status=any&priority=&q=&channel=pigeon")[0] == []
    assert chips_of(workspace, "status=unsolved", view="mine")[0] == []
    [chip] = chips_of(workspace, "status=any", view="mine")[0]
    assert (chip.label, chip.value) == ("Status", "Any status")


def test_teams_customers_and_companies_are_named_and_others_are_not(
    workspace, owner, other_workspace, outsider
):
    with workspace_scope(workspace):
        billing = team_create(
            workspace=workspace, actor=owner, name="Billing", assignment="manual", member_ids=[]
        )
    ann = make_contact(workspace, first_name="Ann", last_name="Lee")
    acme = make_company(workspace, name="Acme")
    theirs = make_contact(other_workspace, first_name="Secret", last_name="Person")
    chips, _ = chips_of(
        workspace, f"team={billing.pk}&requester={ann.pk}&company={acme.pk}", view="team"
    )
    assert [(c.label, c.value) for c in chips] == [
        ("Team", "Billing"),
        ("Requester", "Ann Lee"),
        ("Company", "Acme"),
    ]
    # A team queue's own team is no filter; outside team queues a team filters nothing.
    assert chips_of(workspace, f"team={billing.pk}", view="team", team_id=billing.pk)[0] == []
    assert chips_of(workspace, f"team={billing.pk}")[0] == []
    [chip] = chips_of(workspace, f"requester={theirs.pk}")[0]
    assert chip.value == f"unknown #{theirs.pk}" and "Secret" not in chip.value


# --- the page -------------------------------------------------------------------------------


@pytest.fixture
def tickets(workspace, owner):
    ann = make_contact(workspace, first_name="Ann", emails=["ann@acme.io"])
    make_ticket(workspace, owner, ann, subject="Urgent vip", priority="urgent", tags=["vip"])
    make_ticket(workspace, owner, ann, subject="Calm vip", tags=["vip"])


def test_the_page_shows_the_chips_and_clear_all_from_two(owner_client, tickets):
    page = owner_client.get(f"{LIST}?priority=urgent&tag=vip").content.decode()
    assert "Priority: Urgent" in page and "Tag: vip" in page
    assert 'href="/tickets/all/?tag=vip"' in page and 'href="/tickets/all/?priority=urgent"' in page
    assert ">Clear all</a>" in page
    one = owner_client.get(f"{LIST}?tag=vip").content.decode()
    assert "Tag: vip" in one and "Clear all" not in one
    none = owner_client.get(LIST).content.decode()
    assert 'aria-label="Active filters" hidden' in none


def test_a_chip_is_escaped(owner_client, tickets):
    page = owner_client.get(f"{LIST}?q=%3Cb%3Eloud%3C/b%3E").content.decode()
    assert "Search: &lt;b&gt;loud&lt;/b&gt;" in page and "<b>loud</b>" not in page


def test_a_filtered_table_brings_its_chips_out_of_band(owner_client, tickets):
    body = owner_client.get(
        f"{LIST}?priority=urgent&tag=vip", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-table"
    ).content.decode()
    assert body.startswith('<div id="ticket-table"') and "Urgent vip" in body
    assert "Calm vip" not in body
    assert 'id="filter-chips"' in body and 'hx-swap-oob="true"' in body
    assert "Priority: Urgent" in body and 'id="filters"' not in body


def test_a_removed_chip_brings_the_filters_with_the_table(owner_client, tickets):
    body = owner_client.get(
        f"{LIST}?tag=vip", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-list"
    ).content.decode()
    assert body.startswith('<div id="ticket-list">')
    assert 'id="filters"' in body and 'value="vip"' in body
    assert "Urgent vip" in body and "Calm vip" in body
    assert body.count('id="filter-chips"') == 1  # in place, not out of band as well
    assert 'class="views-bar"' not in body  # not the page: no queue chips, no saved views


def test_a_team_queue_chips_only_another_team_than_its_own(owner_client, workspace, owner):
    with workspace_scope(workspace):
        billing, support = (
            team_create(
                workspace=workspace, actor=owner, name=name, assignment="manual", member_ids=[]
            )
            for name in ("Billing", "Support")
        )
    url = "/tickets/team/?team={}&status=unsolved"
    for headers in ({}, {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "ticket-table"}):
        # The agent is in no team: the queue opens on the first team, as the page shows it.
        own = owner_client.get(url.format(billing.pk), **headers).content.decode()
        assert "Team: Billing" not in own, headers
        other = owner_client.get(url.format(support.pk), **headers).content.decode()
        assert "Team: Support" in other, headers
