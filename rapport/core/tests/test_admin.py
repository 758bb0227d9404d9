from django_scopes import scopes_disabled

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.services import user_create


def test_an_admin_edit_lands_in_the_audit_trail(client, workspace, owner):
    contact = make_contact(workspace, owner, first_name="Ann", last_name="Lee")
    su = user_create(username="root", password="pw-pw-pw-pw-1", is_staff=True, is_superuser=True)
    client.force_login(su)
    url = f"/admin/contacts/contact/{contact.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(first_name="Anna", lifecycle_stage="customer", custom_fields="{}")
    data = {k: v for k, v in data.items() if k in form.fields}
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="update").get()
        contact.refresh_from_db()
    assert entry.source == "admin"
    assert entry.actor == su
    assert entry.changes["first_name"] == ["Ann", "Anna"]
    assert contact.search_name == "anna lee"


def test_the_admin_is_closed_to_non_superusers(client, workspace, owner):
    client.force_login(owner)
    assert client.get("/admin/contacts/contact/").status_code == 302
