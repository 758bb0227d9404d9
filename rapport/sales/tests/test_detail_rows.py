"""The deal and lead pages write their field rows with `{% field_rows %}`
(`contacts.detail_html`, shared with the contact page): the same bytes as the include of
`contacts/_field.html` per row the pages had, on the real rows of a deal and a lead with text
that needs escaping, for a reader who may write and one who may not."""

import pytest
from django.template import engines

from rapport.sales.leads import lead_create
from rapport.sales.services import deal_create
from rapport.sales.tests.factories import make_pipeline
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
viewer_client = fixtures.viewer_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db

EVIL = "<script>alert('x')</script> & \"quotes\""
INCLUDED = engines["django"].from_string(
    '<div class="kv-list">{% for row in rows %}{% include "contacts/_field.html" '
    "with editing=False %}{% endfor %}</div>"
)


@pytest.fixture
def records(workspace, owner):
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace)
        deal = deal_create(
            workspace=workspace,
            actor=None,
            data={
                "name": f"Deal {EVIL}",
                "amount": "0",
                "pipeline_id": pipeline.pk,
                "next_step": EVIL,
                "owner_id": owner.pk,
            },
        )
        lead = lead_create(
            workspace=workspace,
            actor=None,
            data={"first_name": EVIL, "last_name": "Byron", "email": "ada@engines.io"},
        )
    return deal, lead


@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_the_deal_and_lead_rows_are_the_includes_markup(who, records, request):
    from rapport.sales.forms import DealForm, LeadForm
    from rapport.sales.views import _rows  # the rows the pages pass to the template

    client = request.getfixturevalue(f"{who}_client")
    deal, lead = records
    workspace = deal.workspace
    for record, form_class, url_name, page_url in (
        (deal, DealForm, "sales:deal_field", f"/deals/{deal.pk}/"),
        (lead, LeadForm, "sales:lead_field", f"/leads/{lead.pk}/"),
    ):
        with workspace_scope(workspace):
            rows = _rows(form_class(workspace=workspace, instance=record), url_name, record.pk)
        expected = INCLUDED.render({"rows": rows, "can_write": who == "owner"})
        page = client.get(page_url)
        assert page.status_code == 200
        assert expected in page.content.decode()
        assert "&lt;script&gt;" in expected and "<script>alert" not in expected
        assert ("editable" in expected) == (who == "owner")
