"""The list's filter choices (members, tags) read in one statement, as the ORM read them, and
written as options (`views._options_html`) as the template's loop wrote them."""

from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.contacts.forms import ListFilterForm, members_of, user_label
from rapport.contacts.models import LifecycleStage, Tag
from rapport.contacts.queries import filter_options
from rapport.contacts.tests.factories import make_contact, make_user
from rapport.contacts.views import _options_html
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import membership_add

pytestmark = pytest.mark.django_db


def test_the_choices_are_the_members_and_tags_of_this_workspace_only(
    workspace, other_workspace, owner, member
):
    for user in (
        make_user("zed", "Émile", "Zola"),
        make_user("amy", "", ""),
        make_user("bob", "Bob", ""),
    ):
        membership_add(workspace=workspace, user=user, role="member")
    membership_add(
        workspace=workspace, user=make_user("gone", "Al", "Gone", active=False), role="member"
    )
    membership_add(workspace=other_workspace, user=make_user("stranger", "Sam", "S"), role="member")
    make_contact(workspace, tags=["vip", "Lead", "<b>"])
    make_contact(other_workspace, tags=["theirs"])
    with workspace_scope(workspace):
        expected_owners = [(u.pk, user_label(u)) for u in members_of(workspace)]
        expected_tags = [(n, n) for n in Tag.objects.values_list("name", flat=True)]
        with CaptureQueriesContext(connection) as queries:
            options = filter_options(workspace)
    assert len(queries.captured_queries) == 1
    assert options["owner"] == expected_owners
    assert {label for _, label in options["owner"]} == {"Émile Zola", "amy", "Bob", "olivia", "mia"}
    assert options["tag"] == expected_tags
    assert sorted(name for name, _ in options["tag"]) == sorted(["vip", "Lead", "<b>"])
    assert options["lifecycle_stage"] == [(v, str(label)) for v, label in LifecycleStage.choices]


def test_a_workspace_without_tags_offers_its_members(workspace, owner):
    assert filter_options(workspace)["tag"] == []
    assert filter_options(workspace)["owner"] == [(owner.pk, "olivia")]


# contacts/_filters.html's option loop before `views._options_html` wrote it.
_OPTIONS = Template(
    '{% for value, label in choices %}<option value="{{ value }}"'
    "{% if form.cleaned_data.field == value %} selected{% endif %}>{{ label }}</option>"
    "{% endfor %}"
)


@pytest.mark.parametrize(
    ("query", "selected"),
    [
        ("", 0),
        ("owner=7", 1),
        ("owner=12345", 1),
        ("owner=x", 0),
        ("tag=%3Cb%3E", 1),
        ("tag=vip", 1),
        ("tag=nope", 0),
        ("tag=", 0),
        ("lifecycle_stage=lead", 1),
        ("lifecycle_stage=bogus", 0),
        ("owner=7&tag=Lead&lifecycle_stage=customer", 3),
    ],
)
def test_the_options_are_what_the_template_wrote(query, selected):
    form = ListFilterForm(QueryDict(query), filters=ListFilterForm.FILTERS)
    form.is_valid()
    choices: dict[str, list[tuple[Any, str]]] = {
        "owner": [(7, "Émile <Zola>"), (12345, 'a "b" & c'), (8, "amy")],
        "tag": [("<b>", "<b>"), ("Lead", "Lead"), ("vip", "vip"), ("it's", "it's")],
        "lifecycle_stage": [(v, str(label)) for v, label in LifecycleStage.choices],
    }
    written = []
    for name, pairs in choices.items():
        chosen = {"field": form.cleaned_data[name]} if name in form.cleaned_data else {}
        context = Context({"choices": pairs, "form": {"cleaned_data": chosen}})
        written.append(_options_html(pairs, form.cleaned_data.get(name)))
        assert written[-1] == _OPTIONS.render(context)
    assert "".join(written).count(" selected") == selected


def test_the_list_page_marks_the_chosen_owner_tag_and_stage(client, workspace, owner):
    make_contact(workspace, tags=["<b>", "vip"])
    client.force_login(owner)
    query = f"?owner={owner.pk}&tag=%3Cb%3E&lifecycle_stage=customer"
    html = client.get(reverse("contacts:contact_list") + query).content.decode()
    assert f'<option value="{owner.pk}" selected>olivia</option>' in html
    assert '<option value="&lt;b&gt;" selected>&lt;b&gt;</option>' in html
    assert '<option value="vip">vip</option>' in html
    assert '<option value="customer" selected>Customer</option>' in html


@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("", ""),
        ("?q=", ""),
        ("?q=%3Ci%3E%22Ann%27s%22%20%26", "&lt;i&gt;&quot;Ann&#x27;s&quot; &amp;"),
        ("?q=first&q=last&tag=vip", "last"),  # the last of several, as `form.q.value`
        ("?tag=vip", ""),
    ],
)
def test_the_search_box_shows_the_querys_text_escaped(
    client, settings, workspace, owner, keep, query, value
):
    settings.RAPPORT_KEEP_PAGES = keep
    client.force_login(owner)
    for url in (f"/contacts/{query}", f"/companies/{query}"):
        client.get(url.replace("q=", "q=other"))  # keeps the form for the query but its text
        html = client.get(url).content.decode()
        box = html[html.index('<input type="search" name="q"') :]
        assert box.startswith(f'<input type="search" name="q" value="{value}" placeholder=')
