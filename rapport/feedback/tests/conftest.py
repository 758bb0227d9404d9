import pytest

from rapport.contacts.tests.factories import make_contact
from rapport.service.services import team_create, ticket_create, ticket_set_status


@pytest.fixture
def ann(scoped, owner):
    return make_contact(scoped, owner, first_name="Ann", emails=["ann@customer.example"])


@pytest.fixture
def support(scoped, owner, member):
    return team_create(
        workspace=scoped, actor=owner, name="Support", assignment="manual", member_ids=[member.pk]
    )


@pytest.fixture
def solve(scoped, owner, django_capture_on_commit_callbacks):
    """Open a ticket for `requester` and solve it, running the after-commit work."""

    def run(requester, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            ticket = ticket_create(
                workspace=scoped,
                actor=owner,
                data={
                    "subject": "Cannot log in",
                    "body": "Help",
                    "requester_id": requester.pk,
                    **extra,
                },
            )
        with django_capture_on_commit_callbacks(execute=True):
            ticket_set_status(workspace=scoped, actor=owner, ticket=ticket, status="solved")
        return ticket

    return run
