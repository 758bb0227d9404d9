"""The board, the forecast and their API answers kept per workspace data version
(`sales.kept`): served again only while the workspace's data is unchanged, at once new after
any change that shows on them, and never to another workspace."""

import datetime as dt
import json

import pytest

from rapport.activities.services import activity_create
from rapport.api.testing import ApiClient
from rapport.contacts.tests.factories import make_contact
from rapport.sales.board import deal_place
from rapport.sales.listeners import deals_touch
from rapport.sales.services import deal_create, deal_delete, deal_update, exchange_rate_set
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import membership_add, user_create
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
member_client = fixtures.member_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
keep_pages = fixtures.keep_pages

pytestmark = pytest.mark.django_db

# A test runs inside one transaction that never commits: the writes whose effect is checked
# run their commit hooks (the version's raise) as a real commit would.


@pytest.fixture
def pipeline(workspace):
    with workspace_scope(workspace):
        return make_pipeline(workspace)


@pytest.fixture
def stages(pipeline):
    with workspace_scope(pipeline.workspace):
        return stage_ids(pipeline)


def make_deal(workspace, **data):
    with workspace_scope(workspace):
        return deal_create(workspace=workspace, actor=None, data={"amount": "100.00"} | data)


def board_column(content: str, stage_id: int) -> str:
    """The cards of one column, in board order."""
    return content.split(f'data-stage="{stage_id}"')[1].split("</ol>")[0]


def test_a_kept_board_costs_only_the_request_floor(
    owner_client, workspace, pipeline, django_assert_max_num_queries
):
    for i in range(30):
        make_deal(workspace, name=f"Deal {i}")
    first = owner_client.get("/deals/board/")
    # session, user, memberships: the pipelines, owners and columns are kept
    with django_assert_max_num_queries(3):
        again = owner_client.get("/deals/board/")
    board = b'<div id="board"'
    assert again.content.split(board)[1] == first.content.split(board)[1]
    assert b"30 deals" in again.content and b"Deal 24" in again.content


def test_a_drop_shows_on_the_kept_board_at_once(
    owner_client, workspace, pipeline, stages, django_capture_on_commit_callbacks
):
    first = make_deal(workspace, name="First")
    second = make_deal(workspace, name="Second")
    page = owner_client.get("/deals/board/").content.decode()
    assert board_column(page, stages["Qualify"]).index("First") < board_column(
        page, stages["Qualify"]
    ).index("Second")

    # Reordered within its column: the place is not audited, yet the board follows.
    with django_capture_on_commit_callbacks(execute=True), workspace_scope(workspace):
        deal_place(
            workspace=workspace,
            actor=None,
            deal=second,
            stage_id=stages["Qualify"],
            below_id=first.pk,
        )
    column = board_column(owner_client.get("/deals/board/").content.decode(), stages["Qualify"])
    assert column.index("Second") < column.index("First")

    # Dragged to another stage through the page.
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/deals/{first.pk}/move/", {"stage": stages["Proposal"]})
    page = owner_client.get("/deals/board/").content.decode()
    assert "First" in board_column(page, stages["Proposal"])
    assert "First" not in board_column(page, stages["Qualify"])


def test_an_edit_and_a_new_rate_show_on_the_kept_board_and_api(
    owner_client, workspace, owner, pipeline, stages, django_capture_on_commit_callbacks
):
    api = ApiClient.with_token(owner, workspace)
    deal = make_deal(workspace, name="Renewal", amount="100.00")
    assert b"100 USD" in owner_client.get("/deals/board/").content
    assert api.get(f"/sales/pipelines/{pipeline.pk}/board").json()["columns"][0]["amount_sum"] == (
        "100.00"
    )

    with django_capture_on_commit_callbacks(execute=True), workspace_scope(workspace):
        deal_update(
            workspace=workspace,
            actor=None,
            deal=deal,
            data={"amount": "50.00", "currency": "EUR"},
        )
        exchange_rate_set(
            workspace=workspace,
            actor=None,
            currency="EUR",
            day=dt.date(2020, 1, 1),
            rate="2",
        )
    assert b"100 USD" in owner_client.get("/deals/board/").content  # 50 EUR at 2
    with django_capture_on_commit_callbacks(execute=True), workspace_scope(workspace):
        exchange_rate_set(
            workspace=workspace,
            actor=None,
            currency="EUR",
            day=dt.date(2021, 1, 1),
            rate="3",
        )
    assert b"150 USD" in owner_client.get("/deals/board/").content
    column = api.get(f"/sales/pipelines/{pipeline.pk}/board").json()["columns"][0]
    assert column["amount_sum"] == "150.00" and column["deals"][0]["currency"] == "EUR"


def test_the_kept_api_board_is_what_ninja_sends(
    settings, workspace, owner, pipeline, stages, django_assert_max_num_queries
):
    api = ApiClient.with_token(owner, workspace)
    make_deal(workspace, name="A", owner_id=owner.pk, expected_close_date="2026-03-01")
    make_deal(workspace, name="B", stage_id=stages["Won"])
    path = f"/sales/pipelines/{pipeline.pk}/board"
    settings.RAPPORT_KEEP_PAGES = False
    plain = api.get(path)
    settings.RAPPORT_KEEP_PAGES = True
    api.get(path)
    with django_assert_max_num_queries(1):  # the token with its membership
        kept = api.get(path)
    assert kept.status_code == 200 and kept["Content-Type"] == plain["Content-Type"]
    assert json.loads(kept.content) == json.loads(plain.content)
    assert kept.content == plain.content


def test_another_workspace_never_gets_a_kept_board(
    owner_client, outsider_client, workspace, owner, other_workspace, outsider, pipeline
):
    make_deal(workspace, name="Ours")
    assert b"Ours" in owner_client.get("/deals/board/").content
    ours = f"/sales/pipelines/{pipeline.pk}/board"
    assert ApiClient.with_token(owner, workspace).get(ours).status_code == 200

    # Same URL, same version number (both workspaces have had as many changes, or not): the
    # workspace id in the key keeps them apart.
    assert outsider_client.get(f"/deals/board/?pipeline={pipeline.pk}").status_code == 404
    assert b"Ours" not in outsider_client.get("/deals/board/").content
    assert ApiClient.with_token(outsider, other_workspace).get(ours).status_code == 404
    with workspace_scope(other_workspace):
        theirs = make_pipeline(other_workspace)
    page = outsider_client.get(f"/deals/board/?pipeline={theirs.pk}").content
    assert b"Ours" not in page and b"0 deals" in page


def test_the_forecast_page_and_panels_follow_a_win(
    owner_client, workspace, pipeline, stages, django_capture_on_commit_callbacks
):
    quiet = make_deal(workspace, name="Quiet one", expected_close_date="2020-01-01")
    make_deal(workspace, name="Other")
    assert b"Quiet one" in owner_client.get("/forecast/panels/at-risk/").content
    kpis_before = owner_client.get("/forecast/panels/kpis/").content
    assert 'id="closed-won-now">0<' in owner_client.get("/forecast/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/deals/{quiet.pk}/move/", {"stage": stages["Won"]})
    assert b"Quiet one" not in owner_client.get("/forecast/panels/at-risk/").content
    assert owner_client.get("/forecast/panels/kpis/").content != kpis_before
    assert 'id="closed-won-now">100<' in owner_client.get("/forecast/").content.decode()


def test_a_new_last_activity_time_raises_the_version(
    workspace, owner, pipeline, django_capture_on_commit_callbacks
):
    """The time is kept by a listener after the activity's commit, outside its audit entry,
    so it raises the version itself: a panel kept in between would be stale otherwise."""
    deal = make_deal(workspace, name="Quiet")
    ann = make_contact(workspace, first_name="Ann")
    with workspace_scope(workspace):
        activity = activity_create(
            workspace=workspace,
            actor=owner,
            data={
                "kind": "call",
                "outcome": "connected",
                "contact_ids": [ann.pk],
                "deal_ids": [deal.pk],
            },
        )
    workspace.refresh_from_db()
    before = workspace.data_version
    with django_capture_on_commit_callbacks(execute=True):
        deals_touch(workspace.pk, [activity.pk])
    workspace.refresh_from_db()
    assert workspace.data_version == before + 1


def test_another_workspace_never_gets_kept_forecast_figures(
    owner_client, outsider_client, workspace, pipeline, other_workspace
):
    make_deal(workspace, name="Ours late", expected_close_date="2020-01-01")
    for url in ("/forecast/", "/forecast/panels/at-risk/", "/forecast/panels/kpis/"):
        owner_client.get(url)
    assert b"Ours late" in owner_client.get("/forecast/panels/at-risk/").content
    with workspace_scope(other_workspace):
        make_pipeline(other_workspace)
    assert b"Ours late" not in outsider_client.get("/forecast/panels/at-risk/").content
    assert b"No deal is at risk" in outsider_client.get("/forecast/panels/at-risk/").content


FORECAST_BODY = "<h1>Forecast</h1>"


def forecast_now(client, query: str = "") -> list[str]:
    """This period's row of the forecast table: closed won, pipeline, weighted, commit, best
    case, calibrated."""
    page = client.get(f"/forecast/{query}").content.decode()
    row = page.split('<tr class="is-current">')[1].split("</tr>")[0]
    return [cell.split("<")[0] for cell in row.split('<td class="num">')[1:]]


def test_a_kept_forecast_page_costs_only_the_request_floor(
    owner_client, member_client, workspace, owner, pipeline, django_assert_max_num_queries
):
    make_deal(workspace, name="Soon", expected_close_date=dt.date.today(), owner_id=owner.pk)
    first = owner_client.get("/forecast/?granularity=quarter")
    # session, user, memberships: the owners, tables, chart data and panel loaders are kept
    with django_assert_max_num_queries(3):
        again = owner_client.get("/forecast/?granularity=quarter")
    body = first.content.split(FORECAST_BODY.encode())[1]
    assert again.content.split(FORECAST_BODY.encode())[1] == body
    assert b'id="forecast-data"' in body and b"By owner" in body and b"olivia" in body
    # The kept part is the same for every member and holds no form token.
    token = first.content.split(b'name="csrfmiddlewaretoken" value="')
    assert len(token) == 1 or token[1].split(b'"')[0] not in body
    with django_assert_max_num_queries(3):
        theirs = member_client.get("/forecast/?granularity=quarter").content
    assert theirs.split(FORECAST_BODY.encode())[1] == body


def test_every_write_shows_on_the_kept_forecast_page_at_once(
    owner_client, workspace, owner, member, pipeline, stages, django_capture_on_commit_callbacks
):
    today = dt.date.today()
    first = make_deal(workspace, name="First", expected_close_date=today, owner_id=owner.pk)
    assert forecast_now(owner_client)[:3] == ["0", "100", "20"]

    def written(write):
        with django_capture_on_commit_callbacks(execute=True), workspace_scope(workspace):
            return write()

    second = written(lambda: make_deal(workspace, name="Second", expected_close_date=today))
    assert forecast_now(owner_client)[:2] == ["0", "200"]
    written(
        lambda: deal_update(workspace=workspace, actor=None, deal=first, data={"amount": "300"})
    )
    assert forecast_now(owner_client)[:2] == ["0", "400"]

    # A new rate: the open deal in euros is valued at the latest one.
    def to_euros() -> None:
        exchange_rate_set(
            workspace=workspace, actor=None, currency="EUR", day=dt.date(2020, 1, 1), rate="2"
        )
        deal_update(workspace=workspace, actor=None, deal=second, data={"currency": "EUR"})

    written(to_euros)
    assert forecast_now(owner_client)[:2] == ["0", "500"]
    written(
        lambda: exchange_rate_set(
            workspace=workspace, actor=None, currency="EUR", day=dt.date(2021, 1, 1), rate="3"
        )
    )
    assert forecast_now(owner_client)[:2] == ["0", "600"]

    # Won through the page, then reassigned and the other deal deleted.
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/deals/{first.pk}/move/", {"stage": stages["Won"]})
    assert forecast_now(owner_client)[:2] == ["300", "300"]
    assert 'id="closed-won-now">300<' in owner_client.get("/forecast/").content.decode()
    assert forecast_now(owner_client, f"?owner={member.pk}")[:2] == ["0", "0"]
    first.refresh_from_db()
    written(
        lambda: deal_update(
            workspace=workspace, actor=None, deal=first, data={"owner_id": member.pk}
        )
    )
    assert forecast_now(owner_client, f"?owner={member.pk}")[:2] == ["300", "0"]
    written(lambda: deal_delete(workspace=workspace, actor=None, deal=second))
    assert forecast_now(owner_client)[:2] == ["300", "0"]

    # A new member is one of the owners to filter by.
    assert ">nora<" not in owner_client.get("/forecast/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        nora = user_create(username="nora", password="correct horse battery staple")
        membership_add(workspace=workspace, user=nora, role="member")
    assert f'<option value="{nora.pk}">nora<' in owner_client.get("/forecast/").content.decode()


def test_another_workspace_never_gets_a_kept_forecast_page(
    owner_client, outsider_client, workspace, owner, pipeline, other_workspace
):
    make_deal(workspace, name="Ours", expected_close_date=dt.date.today(), owner_id=owner.pk)
    for query in ("", f"?owner={owner.pk}", "?granularity=quarter"):
        assert b"olivia" in owner_client.get(f"/forecast/{query}").content
    with workspace_scope(other_workspace):
        make_pipeline(other_workspace)
    # Same URLs, same version number: the workspace id in the key keeps them apart.
    for query in ("", f"?owner={owner.pk}", "?granularity=quarter"):
        theirs = outsider_client.get(f"/forecast/{query}").content.split(FORECAST_BODY.encode())[1]
        assert b"olivia" not in theirs and b"By owner" not in theirs
