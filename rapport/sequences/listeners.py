"""Entry by event: a contact reaching a sequence's entry stage, or joining its entry list,
enters it (once: an enrollment is unique per sequence and contact)."""

from rapport.audit.context import audit_source
from rapport.contacts.models import Contact
from rapport.core.hooks import on_records_changed
from rapport.marketing.models import StaticListMember
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


@on_records_changed("marketing.staticlistmember")
def enter_on_list(workspace_id: int, ids: list[int]) -> None:
    """`ids` are memberships that began (`static_list_add`, a web form's confirmation too)."""
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), audit_source("sequence"):
        joined = StaticListMember.objects.filter(pk__in=ids)
        lists = set(joined.values_list("static_list_id", flat=True))
        sequences = Sequence.objects.filter(status=SequenceStatus.ACTIVE, enter_list_id__in=lists)
        for sequence in sequences:
            on_it = joined.filter(static_list_id=sequence.enter_list_id).values("contact_id")
            contacts = Contact.objects.filter(pk__in=on_it)
            sequence_enroll(workspace=workspace, actor=None, sequence=sequence, contacts=contacts)
