import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.feedback.models import SurveyInvite
from rapport.feedback.services import nps_send, survey_answer
from rapport.tenancy.access import workspace_scope


def test_it_invites_and_mails_each_mailable_contact_once(
    scoped, owner, mailoutbox, django_capture_on_commit_callbacks
):
    ann = make_contact(scoped, owner, first_name="Ann", emails=["ann@a.example"])
    bob = make_contact(scoped, owner, first_name="Bob", emails=["bob@b.example"])
    silent = make_contact(scoped, owner, first_name="Sil")
    with django_capture_on_commit_callbacks(execute=True):
        invites = nps_send(
            workspace=scoped, actor=owner, contact_ids=[ann.pk, bob.pk, ann.pk, silent.pk]
        )
    assert [i.contact for i in invites] == [ann, bob]
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@a.example", "bob@b.example"]
    ann_mail = next(m for m in mailoutbox if m.to == ["ann@a.example"])
    ann_invite = next(i for i in invites if i.contact == ann)
    assert ann_mail.body.startswith("Hello Ann,")
    assert f"/feedback/{ann_invite.token}/0/" in ann_mail.body
    assert f"/feedback/{ann_invite.token}/10/" in ann_mail.body
    assert AuditEntry.objects.filter(entity="feedback.surveyinvite", actor=owner).count() == 2


def test_tokens_are_long_and_distinct(scoped, owner):
    contacts = [make_contact(scoped, owner, emails=[f"c{n}@x.example"]) for n in range(5)]
    invites = nps_send(workspace=scoped, actor=owner, contact_ids=[c.pk for c in contacts])
    tokens = {i.token for i in invites}
    assert len(tokens) == 5 and all(len(t) >= 43 for t in tokens)


def test_contacts_of_another_workspace_are_refused(workspace, owner, other_workspace):
    theirs = make_contact(other_workspace, None, emails=["x@globex.example"])
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as exc:
        nps_send(workspace=workspace, actor=owner, contact_ids=[theirs.pk])
    assert "contact_ids" in exc.value.as_dict()
    with workspace_scope(other_workspace):
        assert not SurveyInvite.objects.exists()


@pytest.mark.parametrize("bad", [[], "1,2", [True], [None]])
def test_it_refuses_a_malformed_list(scoped, owner, bad):
    with pytest.raises(ServiceValidationError) as exc:
        nps_send(workspace=scoped, actor=owner, contact_ids=bad)
    assert list(exc.value.as_dict()) == ["contact_ids"]


def test_nps_scores_run_from_zero_to_ten(scoped, owner):
    (invite,) = nps_send(
        workspace=scoped,
        actor=owner,
        contact_ids=[make_contact(scoped, owner, emails=["a@x.io"]).pk],
    )
    with pytest.raises(ServiceValidationError):
        survey_answer(invite=invite, score=11)
    assert survey_answer(invite=invite, score=0) is True
