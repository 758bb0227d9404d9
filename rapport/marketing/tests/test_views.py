"""Marketing pages: the builder counts as it changes and saves what it shows; members only,
within their workspace; viewers read but do not write."""

import pytest

from rapport.campaigns.tests.factories import make_campaign, make_template
from rapport.contacts.tests.factories import make_contact
from rapport.marketing.models import ConsentEvent, Segment, StaticList
from rapport.marketing.services import static_list_add, static_list_create
from rapport.marketing.tests.factories import make_segment
from rapport.sequences.services import sequence_create
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
outsider_client = fixtures.outsider_client
owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db
LEADS = {"op": "and", "rules": [{"type": "lifecycle_stage", "op": "is", "stage": "lead"}]}


@pytest.fixture
def people(workspace):
    return [
        make_contact(workspace, first_name="Ann", lifecycle_stage="customer"),
        make_contact(workspace, first_name="Bob", lifecycle_stage="lead"),
        make_contact(workspace, first_name="Cy", lifecycle_stage="lead"),
    ]


@pytest.fixture
def segment(workspace, people):
    return make_segment(workspace, name="Hot leads", definition=LEADS)


@pytest.fixture
def static_list(workspace, people):
    with workspace_scope(workspace):
        created = static_list_create(workspace=workspace, actor=None, data={"name": "Fair"})
        static_list_add(
            workspace=workspace, actor=None, static_list=created, contact_ids=[people[0].pk]
        )
    return created


def test_the_builder_adds_a_condition_and_counts(member_client, people):
    everyone = member_client.post("/marketing/segments/builder/", {"r.op": "and"})
    added = member_client.post("/marketing/segments/builder/", {"r.op": "and", "action": "add:r"})
    leads = member_client.post(
        "/marketing/segments/builder/",
        {"r.op": "and", "r.0.type": "lifecycle_stage", "r.0.op": "is", "r.0.stage": "lead"},
    )

    assert everyone.context["count"] == 3
    assert 'name="r.0.type"' in added.content.decode()
    assert leads.context["count"] == 2


def test_the_builder_nests_groups_and_removes_nodes(member_client, people):
    form = {
        "r.op": "and",
        "r.0.op": "or",
        "r.0.0.type": "contact_field",
        "r.0.0.field": "first_name",
        "r.0.0.op": "is",
        "r.0.0.value": "Ann",
        "r.0.1.type": "contact_field",
        "r.0.1.field": "first_name",
        "r.0.1.op": "is",
        "r.0.1.value": "Bob",
    }
    both = member_client.post("/marketing/segments/builder/", form)
    only_bob = member_client.post(
        "/marketing/segments/builder/", {**form, "action": "remove:r.0.0"}
    )

    assert both.context["count"] == 2
    assert only_bob.context["count"] == 1
    assert 'name="r.0.0.value" aria-label="Value" placeholder="Value" value="Bob"' in (
        only_bob.content.decode()
    )


def test_saving_the_builder_form_stores_the_definition(member_client, workspace, people):
    response = member_client.post(
        "/marketing/segments/new/",
        {"name": "Leads", "r.op": "and", "r.0.type": "lifecycle_stage", "r.0.stage": "lead"},
    )

    with workspace_scope(workspace):
        segment = Segment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/marketing/segments/{segment.pk}/"
    assert segment.definition == {
        "op": "and",
        "rules": [{"type": "lifecycle_stage", "op": "is", "stage": "lead"}],
    }
    page = member_client.get(f"/marketing/segments/{segment.pk}/")
    assert page.context["count"] == 2
    assert {c.first_name for c in page.context["preview"]} == {"Bob", "Cy"}


def test_a_segment_copies_its_members_to_a_list(member_client, workspace, segment, static_list):
    response = member_client.post(
        f"/marketing/segments/{segment.pk}/to-list/", {"list_id": static_list.pk}
    )

    assert response.status_code == 302
    page = member_client.get(f"/marketing/lists/{static_list.pk}/")
    assert {c.first_name for c in page.context["members"]} == {"Ann", "Bob", "Cy"}
    assert [str(m) for m in page.context["messages"]] == [
        "2 contacts added to “Fair”."
    ]  # Ann was on it


def test_consent_is_recorded_from_the_contact_panel(member_client, workspace, people):
    ann = people[0]
    response = member_client.post(
        f"/marketing/contacts/{ann.pk}/consent/",
        {"purpose": "newsletter", "status": "opted_in", "source": "trade fair"},
    )

    assert response.status_code == 200
    assert "trade fair" in response.content.decode()
    with workspace_scope(workspace):
        assert ConsentEvent.objects.get().status == "opted_in"
    contact_page = member_client.get(f"/contacts/{ann.pk}/")
    assert f"/marketing/contacts/{ann.pk}/panel/" in contact_page.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/marketing/segments/{segment}/",
        "/marketing/segments/{segment}/edit/",
        "/marketing/lists/{list}/",
        "/marketing/contacts/{contact}/panel/",
    ],
)
def test_another_workspaces_records_are_not_found(
    outsider_client, segment, static_list, people, url
):
    path = url.format(segment=segment.pk, list=static_list.pk, contact=people[0].pk)

    assert outsider_client.get(path).status_code == 404


def test_the_segment_list_says_who_is_in_each_what_uses_it_and_counts_after(
    owner_client, workspace, owner, segment
):
    template = make_template(workspace, owner)
    make_campaign(workspace, owner, name="Spring", segment_id=segment.pk, template_id=template.pk)
    with workspace_scope(workspace):
        sequence_create(
            workspace=workspace,
            actor=owner,
            data={
                "name": "Drip",
                "enter_segment_id": segment.pk,
                "steps": [{"type": "email", "template_id": template.pk}],
            },
        )

    page = owner_client.get("/marketing/segments/").content.decode()
    count = owner_client.get(f"/marketing/segments/{segment.pk}/count/")

    row = page.split("Hot leads", 1)[1]
    assert "Lifecycle stage is Lead" in row
    assert "1 campaign, 1 sequence" in row
    assert f'hx-get="/marketing/segments/{segment.pk}/count/"' in row
    assert count.content.decode() == "2"  # Bob and Cy, asked for by the row once shown


def test_another_workspaces_segments_and_lists_are_not_listed(
    outsider_client, segment, static_list
):
    assert "Hot leads" not in outsider_client.get("/marketing/segments/").content.decode()
    assert outsider_client.get(f"/marketing/segments/{segment.pk}/count/").status_code == 404
    assert "Fair" not in outsider_client.get("/marketing/lists/").content.decode()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/marketing/segments/new/", {"name": "Eve", "r.op": "and"}),
        ("/marketing/segments/{segment}/edit/", {"name": "Eve", "r.op": "and"}),
        ("/marketing/segments/{segment}/delete/", {}),
        ("/marketing/segments/{segment}/to-list/", {"list_id": "{list}"}),
        ("/marketing/lists/", {"name": "Eve"}),
        ("/marketing/lists/{list}/delete/", {}),
        ("/marketing/lists/{list}/remove/{contact}/", {}),
        ("/marketing/contacts/{contact}/lists/", {"list_id": "{list}"}),
        ("/marketing/lists/add-contacts/", {"list_id": "{list}", "contact_ids": "{contact}"}),
        ("/marketing/lists/add-contacts/", {"list_id": "{list}", "scope": "matching"}),
        (
            "/marketing/contacts/{contact}/consent/",
            {"purpose": "sms", "status": "opted_in", "source": "eve"},
        ),
    ],
)
def test_a_viewer_cannot_write(viewer_client, workspace, segment, static_list, people, url, data):
    ids = {"segment": segment.pk, "list": static_list.pk, "contact": people[0].pk}
    filled = {k: v.format(**ids) for k, v in data.items()}

    response = viewer_client.post(url.format(**ids), filled)

    assert response.status_code == 403
    with workspace_scope(workspace):
        assert list(Segment.objects.values_list("name", flat=True)) == ["Hot leads"]
        assert list(StaticList.objects.values_list("name", flat=True)) == ["Fair"]
        assert StaticList.objects.get().members.count() == 1
        assert not ConsentEvent.objects.exists()


def test_a_viewer_reads_and_explores_the_builder(viewer_client, segment, static_list):
    assert viewer_client.get(f"/marketing/segments/{segment.pk}/").status_code == 200
    assert viewer_client.get(f"/marketing/lists/{static_list.pk}/").status_code == 200
    assert viewer_client.post("/marketing/segments/builder/", {"r.op": "and"}).status_code == 200


def _members(workspace, static_list):
    with workspace_scope(workspace):
        return set(static_list.members.values_list("contact__first_name", flat=True))


def test_ticked_contacts_go_onto_a_list_from_the_contact_list(
    member_client, workspace, people, static_list
):
    ann, bob, _ = people
    page = member_client.get("/contacts/").content.decode()
    assert f'name="contact_ids" value="{bob.pk}"' in page
    assert 'id="add-to-list"' in page

    response = member_client.post(
        "/marketing/lists/add-contacts/",
        {"list_id": static_list.pk, "scope": "selected", "contact_ids": [ann.pk, bob.pk]},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/marketing/lists/{static_list.pk}/"
    assert _members(workspace, static_list) == {"Ann", "Bob"}


def test_all_contacts_matching_the_filters_go_onto_a_list(member_client, workspace, static_list):
    response = member_client.post(
        "/marketing/lists/add-contacts/",
        {"list_id": static_list.pk, "scope": "matching", "lifecycle_stage": "lead", "q": ""},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/marketing/lists/{static_list.pk}/"
    assert _members(workspace, static_list) == {"Ann", "Bob", "Cy"}


def test_a_filter_matching_too_many_is_refused_and_adds_nobody(
    member_client, workspace, people, static_list, monkeypatch
):
    monkeypatch.setattr("rapport.marketing.views.LIST_CHANGE_LIMIT", 1)

    response = member_client.post(
        "/marketing/lists/add-contacts/",
        {"list_id": static_list.pk, "scope": "matching", "lifecycle_stage": "lead"},
    )

    assert response["Location"] == "/contacts/?lifecycle_stage=lead"
    shown = member_client.get(response["Location"]).content.decode()
    assert "more than 1 contacts match these filters" in shown
    assert _members(workspace, static_list) == {"Ann"}


def test_a_bad_filter_or_another_workspaces_contact_adds_nobody(
    member_client, workspace, static_list, other_workspace
):
    with workspace_scope(other_workspace):
        stranger = make_contact(other_workspace, first_name="Zed")
    bad = member_client.post(
        "/marketing/lists/add-contacts/",
        {"list_id": static_list.pk, "scope": "matching", "lifecycle_stage": "royalty"},
    )
    assert "lifecycle_stage" in member_client.get(bad["Location"]).content.decode()
    foreign = member_client.post(
        "/marketing/lists/add-contacts/",
        {"list_id": static_list.pk, "scope": "selected", "contact_ids": [stranger.pk]},
    )
    assert "no such contacts" in member_client.get(foreign["Location"]).content.decode()
    assert _members(workspace, static_list) == {"Ann"}


def test_the_list_menu_offers_only_this_workspaces_lists(
    member_client, other_workspace, static_list
):
    with workspace_scope(other_workspace):
        static_list_create(workspace=other_workspace, actor=None, data={"name": "Theirs"})

    options = member_client.get("/marketing/lists/options/").content.decode()

    assert f'<option value="{static_list.pk}">Fair</option>' in options
    assert "Theirs" not in options


FIELD = {"type": "contact_field"}


def test_the_segment_page_says_who_is_in_it_in_words(member_client, workspace, people):
    nested = {
        "op": "and",
        "rules": [
            {"type": "lifecycle_stage", "op": "is_not", "stage": "customer"},
            {
                "op": "or",
                "rules": [
                    {**FIELD, "field": "job_title", "op": "contains", "value": "VP"},
                    {**FIELD, "field": "city", "op": "is_empty"},
                ],
            },
        ],
    }
    segment = make_segment(workspace, name="Nested", definition=nested)
    everyone = make_segment(workspace, name="All", definition={"op": "and", "rules": []})

    page = member_client.get(f"/marketing/segments/{segment.pk}/").content.decode()
    rule = page.split('id="segment-rule">')[1].split("</p>")[0]
    empty = member_client.get(f"/marketing/segments/{everyone.pk}/").content.decode()

    assert rule == (
        '<span class="muted">Who:</span> Lifecycle stage is not Customer and '
        "(Contact field Job title contains “VP” or Contact field City is empty)"
    )
    assert '<span class="muted">Who:</span> Every contact</p>' in empty


def test_a_number_reads_in_place_of_its_choices_n(member_client, workspace, people):
    quiet = {
        "op": "and",
        "rules": [
            {"type": "activity", "op": "has_not", "kind": "call", "when": "within_days", "days": 90}
        ],
    }
    segment = make_segment(workspace, name="Quiet", definition=quiet)

    page = member_client.get(f"/marketing/segments/{segment.pk}/").content.decode()

    assert "Activity has no Call in the last 90 days</p>" in page
