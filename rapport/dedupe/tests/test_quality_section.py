"""The dedupe app's section of the data quality dashboard counts open pairs only, per kind."""

from rapport.data.quality import quality_report
from rapport.dedupe.models import DuplicatePair
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage


def _pair(workspace, entity, a, b, probability, status="open"):
    DuplicatePair.objects.create(
        workspace=workspace, entity=entity, a_id=a, b_id=b, probability=probability, status=status
    )


def test_the_dashboard_counts_open_suspected_pairs(scoped, workspace, other_workspace):
    _pair(workspace, "contact", 1, 2, 0.99)
    _pair(workspace, "contact", 3, 4, 0.85)
    _pair(workspace, "company", 1, 2, 0.9)
    _pair(workspace, "contact", 5, 6, 0.99, status="not_duplicate")
    _pair(other_workspace, "contact", 1, 2, 0.99)

    section = next(s for s in quality_report() if s.title.startswith("Suspected duplicates"))

    assert section.total == 3
    assert {f.label: f.count for f in section.figures} == {
        "Contact pairs": 2,
        "Company pairs": 1,
        "Probability ≥ 95%": 1,
    }


def test_the_dashboard_counts_pairs_as_pairs_and_links_to_the_queue(owner_client, workspace):
    with workspace_scope(workspace):
        _pair(workspace, "contact", 1, 2, 0.99)

    html = owner_client.get("/data/quality/").content.decode()

    section = html[html.index("Suspected duplicates awaiting review") :]
    assert "(1 pairs)" not in section and "(1 pair)" in section
    assert '<a class="btn btn-sm" href="/duplicates/">Review</a>' in section
