from typing import Any

from rapport.campaigns.tests.factories import make_template
from rapport.contacts.models import Contact
from rapport.sequences.models import Sequence
from rapport.sequences.services import sequence_create, sequence_enroll
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


def enrolled(workspace: Workspace, actor: Any, contact: Contact) -> Sequence:
    """`contact` in a one-email sequence of its own."""
    template = make_template(workspace, actor, name=f"Drip for {contact.pk}")
    with workspace_scope(workspace):
        sequence = sequence_create(
            workspace=workspace,
            actor=actor,
            data={
                "name": f"Drip for {contact.pk}",
                "steps": [{"type": "email", "template_id": template.pk}],
            },
        )
        sequence_enroll(
            workspace=workspace,
            actor=actor,
            sequence=sequence,
            contacts=Contact.objects.filter(pk=contact.pk),
        )
    return sequence
