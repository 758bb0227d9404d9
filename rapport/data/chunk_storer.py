"""A bulk import's chunks stored on other connections while the next one is planned.

Without it the importing process and its PostgreSQL backend take turns: Python matches and
cleans a chunk while the database waits, then the database inserts it, checks its keys and
commits while Python waits, so the wall time is the sum of the two. Here threads with their
own connections store chunks (inserts, row errors, undo records, counters, commit: one
transaction per chunk, as before) while the importing thread plans the next, which learns
the keys of the chunks in flight from the writer's memory rather than from the database
(`ContactBulkWriter.plan`).

Two chunks are in flight at most: the store is the database's work, the longer part, and two
backends inserting at once use both cores while the planning thread waits. A store takes its
turn (`turn`, which waits for the chunk before it and fails if that one failed) before it
creates what the chunk before it might also create (tags) and before it moves the batch's
counters and writes its undo records: commits stay in the file's order and gap-free, and a
store only ever waits for an earlier one, never the other way round.

Only on PostgreSQL (SQLite has one writer), only for a run outside any transaction (another
connection could not see what that transaction holds, such as the batch in a test), and only
where the writer can plan without the row path. `RAPPORT_IMPORT_OVERLAP=false` turns it off.
"""

import contextvars
import functools
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, connections

from rapport.data.importers import BulkWriter

STORERS = 2


class ChunkOutOfTurn(Exception):
    """The chunk before this one was not stored, so this one must not be either."""


def _turn(before: "Future[None] | None") -> None:
    if before is None:
        return
    try:
        before.result()
    except BaseException as exc:
        raise ChunkOutOfTurn("the chunk before this one was not stored") from exc


class ChunkStorer:
    """`STORERS` threads, a chunk each; the threads' connections are closed with them."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=STORERS, thread_name_prefix="import-store")
        self.flying: deque[Future[None]] = deque()

    def submit(self, store: Callable[[Callable[[], None]], None]) -> None:
        """Run `store(turn)` once fewer than `STORERS` chunks are in flight, in the caller's
        context (its workspace scope and audit source)."""
        while len(self.flying) >= STORERS:
            self.flying.popleft().result()
        turn = functools.partial(_turn, self.flying[-1] if self.flying else None)
        self.flying.append(self.pool.submit(contextvars.copy_context().run, store, turn))

    def drain(self) -> None:
        """Wait for the chunks in flight, oldest first; the first error is raised here."""
        while self.flying:
            self.flying.popleft().result()

    def close(self, *, failed: bool = False) -> None:
        """Wait for every chunk in flight, raising the first error unless the run `failed`
        already (a later chunk's error then only follows from it)."""
        try:
            if failed:
                wait(self.flying)
            else:
                self.drain()
        finally:
            # one task per thread: each waits until every thread holds one
            barrier = threading.Barrier(STORERS)

            def close_connections() -> None:
                barrier.wait()
                connections.close_all()

            wait([self.pool.submit(close_connections) for _ in range(STORERS)])
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
    except BaseException:
        storer.close(failed=True)
        raise
    storer.close()
