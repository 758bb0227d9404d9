from django.core.management import call_command
from django_scopes import scopes_disabled

from rapport.activities.models import Activity
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.tenancy.models import Workspace


def test_the_demo_loads_once_through_the_services(db):
    args = ["--contacts", "40", "--companies", "8", "--activities", "120"]
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
