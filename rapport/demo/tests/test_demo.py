from django.core.management import call_command
from django_scopes import scopes_disabled

from rapport.activities.models import Activity
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.sales.models import Deal, ForecastSnapshot, Order
from rapport.service.models import Ticket
from rapport.tenancy.models import Workspace


def test_the_demo_loads_once_through_the_services(db):
    args = [
        "--contacts",
        "40",
        "--companies",
        "8",
        "--activities",
        "120",
        "--deals",
        "60",
        "--orders",
        "300",
        "--tickets",
        "80",
    ]
    call_command("demo", "--if-empty", *args)
    call_command("demo", "--if-empty", *args)
    ws = Workspace.objects.get(slug="demo-company")
    assert ws.memberships.count() == 3
    with scopes_disabled():
        assert Contact.objects.filter(workspace=ws).count() == 40
        assert Company.objects.filter(workspace=ws).count() == 8
        assert Activity.objects.filter(workspace=ws).count() == 120
        assert set(Activity.objects.values_list("kind", flat=True)) == {
            "note",
            "call",
            "email",
            "meeting",
            "task",
        }
        entries = AuditEntry.objects.filter(workspace=ws, entity="contacts.contact")
        assert entries.count() == 40
        assert set(entries.values_list("source", flat=True)) == {"cli"}
        deals = Deal.objects.filter(workspace=ws)
        assert deals.count() == 60
        assert {"won", "lost", "open"} <= set(deals.values_list("outcome", flat=True))
        # Each deal's history starts with no previous stage and ends in its current stage.
        for deal in deals[:20]:
            history = list(deal.stage_changes.order_by("changed_at", "id"))
            assert history[0].from_stage is None
            assert history[-1].to_stage_id == deal.stage_id
            assert deal.created_at <= history[-1].changed_at
        won = deals.filter(outcome="won").count()
        assert Order.objects.filter(workspace=ws).count() == 300
        assert Order.objects.filter(workspace=ws, channel="sales").count() == won
        assert AuditEntry.objects.filter(workspace=ws, entity="sales.order").count() == 300
        # Past months have a reconstructed forecast to compare with what was won.
        assert (
            ForecastSnapshot.objects.filter(workspace=ws).values("taken_on").distinct().count() == 6
        )
        tickets = Ticket.objects.filter(workspace=ws)
        assert tickets.count() == 80
        assert tickets.filter(first_responded_at__isnull=False).count() > 60
        breached = tickets.filter(sla_breached_at__isnull=False).count()
        assert 0 < breached < 40  # realistic: most tickets meet their SLA
        assert all(t.first_response_due_at for t in tickets)
