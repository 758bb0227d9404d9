"""Undoing "not a duplicate" (service, API, page), and "not a duplicate" refused on a pair
whose record a merge or a delete removed."""

import pytest

from rapport.api.testing import ApiClient
from rapport.audit.models import AuditEntry
from rapport.contacts.services import contact_delete
from rapport.core.errors import ServiceValidationError
from rapport.dedupe.models import PairStatus
from rapport.dedupe.services import pair_mark_not_duplicate, pair_reopen
from rapport.dedupe.tests.factories import pair_of, plant
from rapport.merge.services import merge_contacts
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(workspace):
    return plant(workspace)


def _ann_pair(workspace, planted):
    return pair_of(workspace, planted["ann"], planted["anne"])


def _mark(workspace, actor, planted):
    pair = _ann_pair(workspace, planted)
    with workspace_scope(workspace):
        pair_mark_not_duplicate(workspace=workspace, actor=actor, pair=pair)
    return pair


def _delete_anne(workspace, owner, planted) -> int:
    """Delete Anne (the planted dict keeps her pk); her id."""
    anne = planted["anne"]
    anne_id = anne.pk
    with workspace_scope(workspace):
        contact_delete(workspace=workspace, actor=owner, contact=anne)
    anne.pk = anne_id
    return anne_id


def test_an_undo_reopens_the_pair_and_is_audited(workspace, owner, planted):
    pair = _mark(workspace, owner, planted)

    with workspace_scope(workspace):
        pair_reopen(workspace=workspace, actor=owner, pair=pair)
        changes = list(
            AuditEntry.objects.filter(entity="dedupe.duplicatepair", object_id=pair.pk)
            .order_by("pk")
            .values_list("changes", flat=True)
        )

    assert _ann_pair(workspace, planted).status == PairStatus.OPEN
    assert changes[-1] == {"status": ["not_duplicate", "open"]}


def test_an_undo_of_an_open_pair_is_refused_by_name(workspace, owner, planted):
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as err:
        pair_reopen(workspace=workspace, actor=owner, pair=_ann_pair(workspace, planted))

    assert err.value.as_dict() == {"pair": ["the pair is not marked “not a duplicate”"]}


def test_not_a_duplicate_is_refused_once_a_record_is_deleted(workspace, owner, planted):
    anne_id = _delete_anne(workspace, owner, planted)

    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as err:
        pair_mark_not_duplicate(
            workspace=workspace, actor=owner, pair=_ann_pair(workspace, planted)
        )

    assert err.value.as_dict() == {
        "pair": [f"contact #{anne_id} no longer exists (merged or deleted)"]
    }
    assert _ann_pair(workspace, planted).status == PairStatus.OPEN


def test_not_a_duplicate_is_refused_on_a_merged_pair(
    workspace, owner, planted, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        merge_contacts(
            workspace=workspace, actor=owner, survivor=planted["ann"], other=planted["anne"]
        )

    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as err:
        pair_mark_not_duplicate(
            workspace=workspace, actor=owner, pair=_ann_pair(workspace, planted)
        )

    assert err.value.as_dict() == {"pair": ["the two records were merged already"]}
    assert _ann_pair(workspace, planted).status == PairStatus.MERGED


def test_the_api_undoes_with_a_delete_and_refuses_a_gone_record(workspace, owner, member, planted):
    api = ApiClient.with_token(member, workspace)
    pair = _mark(workspace, member, planted)

    undone = api.delete(f"/dedupe/pairs/{pair.pk}/not-duplicate")
    assert undone.status_code == 200
    assert undone.json()["status"] == "open"

    _delete_anne(workspace, owner, planted)
    refused = api.post(f"/dedupe/pairs/{pair.pk}/not-duplicate")
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:rapport:problem:state-conflict"
    assert "no longer exists" in refused.text
    assert _ann_pair(workspace, planted).status == PairStatus.OPEN


def test_the_htmx_row_offers_the_undo_which_brings_the_row_back(member_client, workspace, planted):
    pair = _ann_pair(workspace, planted)

    marked = member_client.post(f"/duplicates/{pair.pk}/not-duplicate/", HTTP_HX_REQUEST="true")
    body = marked.content.decode()
    assert "Ann Lee and Anne Lee: not a duplicate." in body
    assert f'hx-post="/duplicates/{pair.pk}/reopen/"' in body

    back = member_client.post(f"/duplicates/{pair.pk}/reopen/", HTTP_HX_REQUEST="true")
    body = back.content.decode()
    assert f'<tr id="pair-{pair.pk}">' in body
    assert "2 pairs left to review" in body
    assert _ann_pair(workspace, planted).status == PairStatus.OPEN


def test_without_htmx_the_message_holds_the_undo(member_client, workspace, planted):
    pair = _ann_pair(workspace, planted)

    page = member_client.post(f"/duplicates/{pair.pk}/not-duplicate/", follow=True)

    html = page.content.decode()
    assert "Ann Lee and Anne Lee: not a duplicate." in html
    assert f'action="/duplicates/{pair.pk}/reopen/"' in html
    member_client.post(f"/duplicates/{pair.pk}/reopen/")
    assert _ann_pair(workspace, planted).status == PairStatus.OPEN


def test_the_page_refuses_a_pair_whose_record_is_gone_with_a_message(
    member_client, workspace, owner, planted
):
    pair = _ann_pair(workspace, planted)
    _delete_anne(workspace, owner, planted)

    page = member_client.post(f"/duplicates/{pair.pk}/not-duplicate/", follow=True)
    row = member_client.post(f"/duplicates/{pair.pk}/not-duplicate/", HTTP_HX_REQUEST="true")

    assert page.status_code == 200
    assert "Not done: contact #" in page.content.decode()
    assert "no longer exists (merged or deleted)" in row.content.decode()
    assert 'role="alert"' in row.content.decode()
    assert _ann_pair(workspace, planted).status == PairStatus.OPEN


def test_an_htmx_undo_refused_answers_in_the_row_not_with_the_whole_page(
    member_client, workspace, planted
):
    pair = _ann_pair(workspace, planted)

    response = member_client.post(f"/duplicates/{pair.pk}/reopen/", HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Not done: the pair is not marked “not a duplicate”." in body
    assert 'role="alert"' in body
