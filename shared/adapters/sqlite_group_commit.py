"""Group commit for the embedded SQLite adapters: concurrent writes share one durable commit.

With ``synchronous=FULL`` every commit waits for the disk (an fsync), and on deadline day that wait,
not the CPU, is what one write costs. A writer thread takes whatever writes are waiting, runs them in
one transaction and commits them together; each caller blocks until the commit that holds its write
has returned, so "stored before the answer" still holds. When a write fails (a duplicate id, a stale
ETag), the transaction is undone and the batch runs again with each write in its own savepoint, so
the failure is raised to its own caller only; a commit that fails is raised to every caller in it.
"""

from __future__ import annotations

import itertools
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from shared.adapters.sqlite_connections import SqliteConnections

log = logging.getLogger(__name__)
T = TypeVar("T")
Write = Callable[[sqlite3.Connection], Any]

# Enough to empty a burst of 64 concurrent clients in one or two commits, small enough that one
# transaction never holds the write lock for long.
MAX_BATCH = 256
# Rows per multi-row INSERT: well inside SQLite's limit on bound values (32,766 by default).
MAX_ROWS_PER_STATEMENT = 200


@dataclass(frozen=True, eq=False)
class RowInsert:
    """A write that inserts one row. The rows of a batch's inserts into the same table go into one
    multi-row statement: one SQLite call instead of one per row. ``conflict`` turns a constraint
    failure into the caller's own error when the row is inserted alone."""

    table: str  # "name (column, ...)"
    row: tuple[Any, ...]
    conflict: Callable[[], Exception] | None = None

    def __call__(self, conn: sqlite3.Connection) -> None:
        try:
            insert_rows(conn, self.table, [self.row])
        except sqlite3.IntegrityError as error:
            if self.conflict is None:
                raise
            raise self.conflict() from error


class GroupCommitter:
    def __init__(self, connections: SqliteConnections, name: str) -> None:
        self._connections = connections
        self._pending: queue.SimpleQueue[tuple[Write, Future[Any]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._name = name
        self._closed = False

    def run(self, write: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``write`` in the next group transaction and return its result once that is committed."""
        if self._connections.memory or self._closed:
            # One shared connection behind a lock: nothing to batch, nothing to wait for on disk.
            with self._connections.transaction() as conn:
                return write(conn)
        self._ensure_started()
        done: Future[T] = Future()
        self._pending.put((write, done))
        return done.result()

    def close(self) -> None:
        self._closed = True
        if self._thread is not None:
            self._pending.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    thread = threading.Thread(target=self._loop, name=f"group-commit:{self._name}", daemon=True)
                    thread.start()
                    self._thread = thread

    def _loop(self) -> None:
        while True:
            first = self._pending.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._pending.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._pending.put(None)  # stop after this batch
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[tuple[Write, Future[Any]]]) -> None:
        try:
            outcomes = self._all_together(batch)
            if outcomes is None:  # one of them failed: the transaction was undone, so isolate each write
                outcomes = self._each_in_its_savepoint(batch)
        except BaseException as error:  # the commit itself failed: nothing in this batch is stored
            log.warning("a group commit of %d writes failed", len(batch), exc_info=True)
            for _, done in batch:
                if not done.done():
                    done.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for done, succeeded, value in outcomes:
            if succeeded:
                done.set_result(value)
            else:
                done.set_exception(value)

    def _all_together(self, batch: list[tuple[Write, Future[Any]]]) -> list[tuple[Future[Any], bool, Any]] | None:
        """The usual case, no write fails: no savepoints, and each run of inserts into one table as one
        statement (each SQLite call lets the interpreter lock go, and every hand-back costs the busy
        intake threads a switch). None, with nothing stored, when a write raised."""
        outcomes: list[tuple[Future[Any], bool, Any]] = []
        try:
            with self._connections.transaction() as conn:
                for writes in _runs_of_inserts(batch):
                    first = writes[0][0]
                    if isinstance(first, RowInsert):
                        insert_rows(conn, first.table, [w.row for w, _ in writes if isinstance(w, RowInsert)])
                        outcomes.extend((done, True, None) for _, done in writes)
                    else:
                        outcomes.append((writes[0][1], True, first(conn)))
        except Exception:
            if len(outcomes) == len(batch):
                raise  # every write ran: it is the commit that failed
            return None
        return outcomes

    def _each_in_its_savepoint(self, batch: list[tuple[Write, Future[Any]]]) -> list[tuple[Future[Any], bool, Any]]:
        # A write that fails (a duplicate id, a stale ETag) is undone alone and raised to its caller only.
        outcomes: list[tuple[Future[Any], bool, Any]] = []
        with self._connections.transaction() as conn:
            for write, done in batch:
                conn.execute("SAVEPOINT one_write")
                try:
                    result = write(conn)
                except Exception as error:
                    conn.execute("ROLLBACK TO one_write")
                    conn.execute("RELEASE one_write")
                    outcomes.append((done, False, error))
                    continue
                conn.execute("RELEASE one_write")
                outcomes.append((done, True, result))
        return outcomes


def _runs_of_inserts(batch: list[tuple[Write, Future[Any]]]) -> Iterator[list[tuple[Write, Future[Any]]]]:
    """The batch in order: each run of inserts into one table together, every other write alone."""
    for key, run in itertools.groupby(batch, key=lambda item: _table_of(item[0])):
        if key is None:
            yield from ([item] for item in run)
        else:
            yield list(run)


def _table_of(write: Write) -> tuple[str, int] | None:
    return (write.table, len(write.row)) if isinstance(write, RowInsert) else None


def insert_rows(conn: sqlite3.Connection, table: str, rows: Sequence[tuple[Any, ...]], then: str = "") -> None:
    """Insert ``rows`` into ``table`` ("name (column, ...)", a constant of the caller's; every value is
    bound) with as few statements as SQLite allows; ``then`` is an ON CONFLICT clause for all of them."""
    if not rows:
        return
    values = _placeholders(len(rows[0]))
    for start in range(0, len(rows), MAX_ROWS_PER_STATEMENT):
        chunk = rows[start : start + MAX_ROWS_PER_STATEMENT]
        statement = f"INSERT INTO {table} VALUES {', '.join([values] * len(chunk))}{then}"  # noqa: S608 -- see above
        conn.execute(statement, list(itertools.chain(*chunk)))


def _placeholders(count: int) -> str:
    return f"({', '.join('?' * count)})"
