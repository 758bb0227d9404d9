"""Cleaning one chunk ahead in worker processes leaves what cleaning in-process leaves."""

import pytest

from rapport.contacts.normalise import email_normalise
from rapport.data import clean_pool
from rapport.data.clean_pool import CleanAhead, answer, phone_cleaner
from rapport.data.tasks import import_run
from rapport.data.tests.test_bulk_import import MIXED, _canonical, _ws
from rapport.tenancy.access import workspace_scope

EMAILS = ["Ann@Acme.io", "not-an-email", "a@exämple.de", '"q d"@x.io', "b@@x.io", ""]
PHONES = ["+1 415 555 2671", "(415) 555-2672", "12", "+44 20 7946 0958", "abc", "+49 30 1234"]


def test_the_workers_answer_as_the_importing_process_would():
    ahead = CleanAhead(workers=2, region="US")
    try:
        ahead.submit(1, EMAILS, PHONES)
        emails, phones = ahead.answers(1)
    finally:
        ahead.close()

    assert emails == {raw: answer(email_normalise, raw) for raw in EMAILS}
    assert phones == {raw: answer(phone_cleaner("US"), raw) for raw in PHONES}
    assert phones["(415) 555-2672"] == ("+14155552672", "")
    assert emails["not-an-email"][1].startswith("'not-an-email' is not a valid email")


def test_a_chunk_never_handed_over_has_no_answers_and_no_pool_is_started():
    ahead = CleanAhead(workers=0, region="US")
    ahead.submit(1, EMAILS, PHONES)

    assert ahead.answers(1) == ({}, {})
    assert ahead.pool is None


@pytest.mark.parametrize("mode", ["skip", "update", "create"])
def test_an_import_cleaned_by_workers_leaves_what_one_cleaned_in_process_leaves(
    owner, upload, run_import, settings, mode
):
    results = []
    for workers in (0, 1, 2):
        settings.RAPPORT_IMPORT_CLEAN_WORKERS = workers
        workspace = _ws(owner, f"{mode} {workers}")
        batch = run_import(upload(workspace, MIXED), mode=mode, chunk_rows=3, bulk=True)
        results.append(_canonical(batch))

    assert results[0]["counts"][4] >= 6
    assert results[1] == results[0]
    assert results[2] == results[0]


def test_an_import_whose_workers_fail_cleans_in_process_with_the_same_outcome(
    owner, upload, run_import, settings, monkeypatch
):
    settings.RAPPORT_IMPORT_CLEAN_WORKERS = 1
    expected = _canonical(run_import(upload(_ws(owner, "ok"), MIXED), chunk_rows=3, bulk=True))
    # A task that cannot reach the worker (a local function does not pickle) fails its future.
    monkeypatch.setattr(clean_pool, "_clean", lambda *args: {})

    batch = run_import(upload(_ws(owner, "broken"), MIXED), chunk_rows=3, bulk=True)

    assert _canonical(batch) == expected


def test_the_import_task_cleans_ahead_in_workers(owner, upload, settings, monkeypatch):
    """The task's body as the django-tasks worker runs it, in chunks small enough to use the
    workers."""
    settings.RAPPORT_IMPORT_CLEAN_WORKERS = 1
    monkeypatch.setattr("rapport.data.services.BULK_CHUNK_ROWS", 3)
    handed: list[int] = []
    submit = CleanAhead.submit

    def submit_counted(self, key, emails, phones):
        handed.append(key)
        submit(self, key, emails, phones)

    monkeypatch.setattr(CleanAhead, "submit", submit_counted)
    workspace = _ws(owner, "task")
    batch = upload(workspace, MIXED)
    with workspace_scope(workspace):
        batch.status = "queued"
        batch.save()

    import_run.enqueue(workspace.pk, batch.pk)

    batch.refresh_from_db()
    assert batch.status == "done"
    assert (batch.rows, batch.created, batch.skipped, batch.failed) == (14, 3, 5, 6)
    assert len(handed) == 4  # every chunk but the first
