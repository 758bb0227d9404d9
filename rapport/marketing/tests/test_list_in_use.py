"""A static list that a segment's condition names, or that enters a sequence, cannot silently
vanish: deleting it is refused naming them, on the page and over the API. And the builder says
so when there is no list (nor tag, product…) to choose, instead of offering a box to type in."""

import pytest

from rapport.api.testing import ApiClient
from rapport.campaigns.models import Campaign, CampaignStatus
from rapport.campaigns.tests.factories import make_campaign, make_template
from rapport.core.errors import ServiceValidationError
from rapport.marketing.models import StaticList
from rapport.marketing.services import (
    StaticListInUse,
    static_list_create,
    static_list_delete,
    static_lists_hold,
)
from rapport.marketing.tests.factories import group, make_segment
from rapport.sales.leads import web_form_create
from rapport.sequences.services import sequence_create
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair(workspace, owner):
    with workspace_scope(workspace):
        return static_list_create(workspace=workspace, actor=owner, data={"name": "Fair"})


def _on(static_list, op="on"):
    return {"type": "static_list", "op": op, "list_id": static_list.pk}


def _lists(workspace):
    with workspace_scope(workspace):
        return list(StaticList.objects.values_list("name", flat=True))


def test_a_list_named_by_segments_or_entering_a_sequence_is_not_deleted(workspace, owner, fair):
    lead = {"type": "lifecycle_stage", "op": "is", "stage": "lead"}
    make_segment(workspace, owner, name="At the fair", definition=group(_on(fair)))
    # Nested in an OR group, and "not on": still the list's meaning.
    make_segment(
        workspace, owner, name="Leads away", definition=group(lead, group(_on(fair, "not_on")))
    )
    make_segment(workspace, owner, name="Unrelated", definition=group(lead))
    with workspace_scope(workspace):
        sequence_create(
            workspace=workspace,
            actor=owner,
            data={"name": "Fair follow-up", "enter_list_id": fair.pk},
        )
        with pytest.raises(ServiceValidationError) as exc:
            static_list_delete(workspace=workspace, actor=owner, static_list=fair)

    assert exc.value.as_dict() == {
        "static_list": [
            "is used by segments “At the fair”, “Leads away” and sequence “Fair follow-up”: "
            "change them first"
        ]
    }
    assert _lists(workspace) == ["Fair"]


def test_a_list_an_unfinished_campaign_or_a_web_form_names_is_not_deleted(workspace, owner, fair):
    template = make_template(workspace, owner)
    for name in ("Fair invite", "Fair reminder"):
        make_campaign(workspace, owner, name=name, template_id=template.pk, static_list_id=fair.pk)
    make_segment(workspace, owner, name="At the fair", definition=group(_on(fair)))
    with workspace_scope(workspace):
        web_form_create(workspace=workspace, actor=owner, name="Stand", static_list_id=fair.pk)
        with pytest.raises(StaticListInUse) as exc:
            static_list_delete(workspace=workspace, actor=owner, static_list=fair)

    assert exc.value.as_dict() == {
        "static_list": [
            "is used by segment “At the fair”, campaigns “Fair invite”, “Fair reminder” and "
            "web form “Stand”: change them first"
        ]
    }
    assert _lists(workspace) == ["Fair"]


def test_a_finished_campaign_does_not_keep_its_list(workspace, owner, fair):
    campaign = make_campaign(workspace, owner, name="Sent", static_list_id=fair.pk)
    Campaign.unscoped.filter(pk=campaign.pk).update(status=CampaignStatus.SENT)

    with workspace_scope(workspace):
        static_list_delete(workspace=workspace, actor=owner, static_list=fair)

    assert _lists(workspace) == []
    assert Campaign.unscoped.get(pk=campaign.pk).static_list_id is None


def test_a_use_of_a_list_deleted_meanwhile_is_refused_naming_the_field(workspace, owner, fair):
    """A writer that validated the list, then found it gone once it held the lock (the
    concurrent delete committed in between): `static_lists_hold` refuses it."""
    with workspace_scope(workspace):
        gone = StaticList.objects.create(workspace=workspace, name="Gone")
        gone_id = gone.pk
        gone.delete()
        with pytest.raises(ServiceValidationError) as exc:
            static_lists_hold(workspace=workspace, list_ids=[fair.pk, gone_id], field="definition")

    assert exc.value.as_dict() == {"definition": ["names a list that was deleted meanwhile"]}


def test_a_list_nothing_uses_is_deleted(workspace, owner, fair):
    make_segment(workspace, owner, name="Everyone")
    with workspace_scope(workspace):
        static_list_delete(workspace=workspace, actor=owner, static_list=fair)

    assert _lists(workspace) == []


def test_the_api_answers_409_naming_the_segment(workspace, owner, fair):
    make_segment(workspace, owner, name="At the fair", definition=group(_on(fair)))

    response = ApiClient.with_token(owner, workspace).delete(f"/marketing/lists/{fair.pk}")

    body = response.json()
    assert response.status_code == 409 and body["status"] == 409
    assert body["errors"][0]["field"] == "static_list"
    assert "“At the fair”" in body["errors"][0]["message"]
    assert _lists(workspace) == ["Fair"]


def test_the_list_page_says_why_it_was_not_deleted(owner_client, workspace, owner, fair):
    make_segment(workspace, owner, name="At the fair", definition=group(_on(fair)))

    page = owner_client.post(f"/marketing/lists/{fair.pk}/delete/", follow=True)

    assert page.redirect_chain[-1][0] == f"/marketing/lists/{fair.pk}/"
    assert "“Fair” was not deleted: it is used by segment “At the fair”" in page.content.decode()
    assert _lists(workspace) == ["Fair"]


# --- the builder with nothing to choose ----------------------------------------------------


def test_the_builder_says_there_is_no_list_yet_instead_of_a_box(owner_client, workspace):
    response = owner_client.post(
        "/marketing/segments/builder/", {"r.op": "and", "r.0.type": "static_list"}
    )

    page = response.content.decode()
    assert "No lists yet — create one first" in page
    assert 'name="r.0.list_id"' not in page  # no control to type an id into
    assert "Field required" not in page


def test_saving_a_segment_with_nothing_to_choose_names_why(owner_client, workspace):
    response = owner_client.post(
        "/marketing/segments/new/", {"name": "S", "r.op": "and", "r.0.type": "tag"}
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "No tags yet — tag a contact first" in page and "Field required" not in page


def test_a_list_to_choose_is_a_select(owner_client, workspace, fair):
    page = owner_client.post(
        "/marketing/segments/builder/", {"r.op": "and", "r.0.type": "static_list"}
    ).content.decode()

    assert f'<option value="{fair.pk}" selected>Fair</option>' in page
    assert "No lists yet" not in page
