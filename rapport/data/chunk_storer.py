"""A bulk import's chunks stored on a second connection while the next one is planned.

Without it the importing process and its PostgreSQL backend take turns: Python matches and
cleans a chunk while the database waits, then the database inserts it, checks its keys and
commits while Python waits, so the wall time is the sum of the two. Here one thread with its
own connection stores chunk N (inserts, row errors, undo records, counters, commit: one
transaction, as before) while the importing thread plans chunk N+1, which learns chunk N's
keys from the writer's memory rather than from the database (`ContactBulkWriter.plan`). At
most one chunk is in flight, so chunk N+1's prefetch sees every chunk before N committed.

Only on PostgreSQL (SQLite has one writer), only for a run outside any transaction (a second
connection could not see what that transaction holds, such as the batch in a test), and only
where the writer can plan without the row path. `RAPPORT_IMPORT_OVERLAP=false` turns it off.
"""

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, connections

from rapport.data.importers import BulkWriter


class ChunkStorer:
    """One thread, one chunk at a time; the thread's connection is closed with it."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-store")
        self.future: Future[None] | None = None

    def submit(self, store: Callable[[], None]) -> None:
        """Store a chunk once the one in flight is stored, in the caller's context (its
        workspace scope and audit source)."""
        self.drain()
        self.future = self.pool.submit(contextvars.copy_context().run, store)

    def drain(self) -> None:
        """Wait for the chunk in flight; its error, if any, is raised here."""
        future, self.future = self.future, None
        if future is not None:
            future.result()

    def close(self) -> None:
        try:
            self.drain()
        finally:
            self.pool.submit(connections.close_all).result()
            self.pool.shutdown()


def overlap_wanted(writer: BulkWriter | None) -> bool:
    return (
        writer is not None
        and settings.RAPPORT_IMPORT_OVERLAP
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and writer.plans_ahead()
    )


@contextmanager
def chunk_storer(writer: BulkWriter | None) -> Iterator[ChunkStorer | None]:
    """A storer for the run if it is wanted, closed (the last chunk stored) at the end."""
    if not overlap_wanted(writer):
        yield None
        return
    storer = ChunkStorer()
    try:
        yield storer
    finally:
        storer.close()
