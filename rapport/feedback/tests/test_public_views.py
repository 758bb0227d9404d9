import re

import pytest
from django.test import Client

from rapport.contacts.tests.factories import make_contact
from rapport.feedback.models import SurveyInvite
from rapport.feedback.services import nps_send
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def invite(scoped, ann, solve):
    solve(ann)
    return SurveyInvite.objects.get()


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def fresh(invite):
    return SurveyInvite.unscoped.get(pk=invite.pk)


def answer(client, token, score):
    """What a person's click does: the link's page, then the post its script sends."""
    page = client.get(f"/feedback/{token}/{score}/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert csrf is not None, page.content
    return client.post(f"/feedback/{token}/{score}/", {"csrfmiddlewaretoken": csrf.group(1)})


def test_fetching_a_score_link_records_nothing_until_the_page_sends_it(browser, invite):
    # A mail scanner fetches every link of the mail, and runs no script.
    for score in range(1, 6):
        page = browser.get(f"/feedback/{invite.token}/{score}/")
        assert page.status_code == 200
        assert f'<strong class="chosen">{score}</strong>' in page.content.decode()
        assert f'action="/feedback/{invite.token}/{score}/"' in page.content.decode()
    assert fresh(invite).score is None
    # A forged post from elsewhere is refused.
    forged = Client(enforce_csrf_checks=True).post(f"/feedback/{invite.token}/4/")
    assert forged.status_code == 403 and fresh(invite).score is None
    # The customer's own click counts.
    answer(browser, invite.token, 4)
    assert fresh(invite).score == 4


def test_the_survey_page_offers_the_scores_without_a_login(browser, invite):
    response = browser.get(f"/feedback/{invite.token}/")
    assert response.status_code == 200
    for score in range(1, 6):
        assert f'href="/feedback/{invite.token}/{score}/"' in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_one_click_records_the_score_once(browser, invite):
    first = answer(browser, invite.token, 5)
    assert first.status_code == 200 and b"Thank you" in first.content
    again = browser.get(f"/feedback/{invite.token}/1/")
    assert again.status_code == 200 and b"Thank you" in again.content
    assert b"(5)" in again.content
    again = answer(browser, invite.token, 1)
    assert again.status_code == 200 and b"Thank you" in again.content
    assert b"(5)" in again.content
    assert fresh(invite).score == 5
    assert SurveyInvite.unscoped.filter(score__isnull=False).count() == 1


def test_the_comment_form_is_csrf_protected(browser, invite):
    page = answer(browser, invite.token, 4)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert csrf is not None
    forged = Client(enforce_csrf_checks=True).post(
        f"/feedback/{invite.token}/", {"comment": "forged"}
    )
    assert forged.status_code == 403
    sent = browser.post(
        f"/feedback/{invite.token}/",
        {"comment": "Quick and friendly, thanks!", "csrfmiddlewaretoken": csrf.group(1)},
    )
    assert sent.status_code == 200 and b"We received your comment" in sent.content
    answered = fresh(invite)
    assert answered.comment == "Quick and friendly, thanks!" and answered.sentiment > 0


def test_an_empty_comment_is_refused_with_a_message(client, invite):
    answer(client, invite.token, 3)
    response = client.post(f"/feedback/{invite.token}/", {"comment": "  "})
    assert response.status_code == 422
    assert b"write a comment" in response.content
    assert fresh(invite).commented_at is None


@pytest.mark.parametrize(
    "path",
    [
        "/feedback/not-a-token/",
        "/feedback/not-a-token/5/",
        "/feedback/" + "x" * 200 + "/",
    ],
)
def test_an_unknown_token_is_not_found(client, invite, path):
    assert client.get(path).status_code == 404
    assert fresh(invite).score is None


def test_a_score_outside_the_scale_is_not_found(client, invite):
    assert client.get(f"/feedback/{invite.token}/6/").status_code == 404
    assert client.get(f"/feedback/{invite.token}/0/").status_code == 404
    assert fresh(invite).score is None


def test_the_page_shows_nothing_but_the_survey(client, invite, ann):
    body = answer(client, invite.token, 2).content.decode()
    assert "Acme Sales" in body
    for private in ("Cannot log in", "ann@customer.example", "Ann"):
        assert private not in body


def test_each_token_answers_only_its_own_survey(client, workspace, other_workspace, invite):
    theirs_contact = make_contact(other_workspace, None, emails=["g@globex.example"])
    with workspace_scope(other_workspace):
        (theirs,) = nps_send(workspace=other_workspace, actor=None, contact_ids=[theirs_contact.pk])
    response = answer(client, theirs.token, 10)
    assert b"Globex" in response.content and b"Acme" not in response.content
    assert fresh(theirs).score == 10
    assert fresh(invite).score is None


def test_the_pages_only_accept_get_and_post(client, invite):
    assert client.put(f"/feedback/{invite.token}/").status_code == 405
    assert client.put(f"/feedback/{invite.token}/5/").status_code == 405
