"""Cleaning an import's emails and phones in other processes, one chunk ahead of the writer.

email-validator and phonenumbers are pure CPU, and while the bulk writer inserts a chunk its
process mostly waits on the database: so worker processes clean chunk N+1's distinct raw
values while the writer writes chunk N, on the machine's other core. The workers are spawned,
not forked (a fork of a process holding database connections and threads, as the django-tasks
worker does, is unsafe), and import only `contacts.normalise`, no Django model. Their answers
are the very ones the writer would compute itself (`answer` serves both), so the outcome does
not depend on whether they run or fail (`tests/test_clean_pool.py`).
"""

import functools
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor

from django.conf import settings

from rapport.contacts.normalise import email_normalise, phone_normalise
from rapport.core.errors import ServiceValidationError

# A normaliser's answer for one raw value: the cleaned value and "", or "" and the error
# message (which names the value, not the field, so it serves every column it comes from).
Answer = tuple[str, str]
Answers = dict[str, Answer]


def answer(fn: Callable[[str], str], raw: str) -> Answer:
    try:
        return fn(raw), ""
    except ServiceValidationError as exc:
        return "", exc.errors[0].message


def phone_cleaner(region: str) -> Callable[[str], str]:
    return functools.partial(phone_normalise, region=region)


def _clean(emails: list[str], phones: list[str], region: str) -> tuple[Answers, Answers]:
    """The worker's task (a module-level function, so the spawned process can import it)."""
    phone = phone_cleaner(region)
    return {r: answer(email_normalise, r) for r in emails}, {r: answer(phone, r) for r in phones}


def workers_wanted() -> int:
    """`RAPPORT_IMPORT_CLEAN_WORKERS`: 0 cleans in the importing process itself."""
    return max(int(getattr(settings, "RAPPORT_IMPORT_CLEAN_WORKERS", 1)), 0)


class CleanAhead:
    """Hands a chunk's raw emails and phones to the workers, and their answers back when the
    writer reaches that chunk. The pool starts with the first chunk handed over (a file of one
    chunk never starts it) and lives as long as the import run."""

    def __init__(self, *, workers: int, region: str) -> None:
        self.workers = workers
        self.region = region
        self.pool: ProcessPoolExecutor | None = None
        self.ahead: dict[int, list[Future[tuple[Answers, Answers]]]] = {}

    def submit(self, key: int, emails: Iterable[str], phones: Iterable[str]) -> None:
        if self.workers == 0:
            return
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        email_list, phone_list = list(emails), list(phones)
        n = self.workers
        self.ahead[key] = [
            self.pool.submit(_clean, email_list[i::n], phone_list[i::n], self.region)
            for i in range(n)
        ]

    def answers(self, key: int) -> tuple[Answers, Answers]:
        """The answers for the chunk submitted under `key` (waiting for them if need be);
        empty if it was not submitted or a worker failed: the writer then cleans the values
        itself, with the same functions, and meets any real problem there."""
        emails: Answers = {}
        phones: Answers = {}
        for future in self.ahead.pop(key, []):
            if future.exception() is None:  # it waits; a dead worker or broken pool: skipped
                e, p = future.result()
                emails.update(e)
                phones.update(p)
        return emails, phones

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.ahead.clear()
