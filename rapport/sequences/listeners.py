"""Entry by event: a contact reaching a sequence's entry stage enters it (once)."""

from rapport.audit.context import audit_source
from rapport.contacts.models import Contact
from rapport.core.hooks import on_records_changed
from rapport.sequences.models import Sequence, SequenceStatus
from rapport.sequences.services import sequence_enroll
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@on_records_changed("contacts.contact")
def enter_on_stage(workspace_id: int, ids: list[int]) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), audit_source("sequence"):
        sequences = Sequence.objects.filter(status=SequenceStatus.ACTIVE).exclude(enter_on_stage="")
        for sequence in sequences:
            reached = Contact.objects.filter(pk__in=ids, lifecycle_stage=sequence.enter_on_stage)
            sequence_enroll(workspace=workspace, actor=None, sequence=sequence, contacts=reached)
