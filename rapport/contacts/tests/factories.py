"""Test data made through the services, so factories exercise the same path as users."""

from typing import Any

from rapport.activities.models import Activity
from rapport.activities.services import activity_create
from rapport.contacts.models import Company, Contact
from rapport.contacts.services import company_create, contact_create
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace
from rapport.tenancy.services import user_create


def make_contact(workspace: Workspace, actor: Any = None, **data: Any) -> Contact:
    data.setdefault("first_name", "Ann")
    data.setdefault("last_name", "Lee")
    with workspace_scope(workspace):
        return contact_create(workspace=workspace, actor=actor, data=data)


def make_company(workspace: Workspace, actor: Any = None, **data: Any) -> Company:
    data.setdefault("name", "Initech")
    with workspace_scope(workspace):
        return company_create(workspace=workspace, actor=actor, data=data)


def make_activity(workspace: Workspace, actor: Any = None, **data: Any) -> Activity:
    data.setdefault("kind", "note")
    if data["kind"] == "note":
        data.setdefault("body", "Spoke about renewal")
    if data["kind"] == "call":
        data.setdefault("outcome", "connected")
    with workspace_scope(workspace):
        return activity_create(workspace=workspace, actor=actor, data=data)


def make_user(username: str, first: str = "", last: str = "", *, active: bool = True) -> Any:
    user = user_create(username=username, password="correct horse battery staple")
    user.first_name, user.last_name, user.is_active = first, last, active
    user.save()
    return user
