"""Concurrent writes to the embedded store share commits, and each caller still gets its own answer."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.adapters.sqlite_connections import SqliteConnections
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.adapters.sqlite_group_commit import GroupCommitter
from shared.ports.documents import DocumentExists, StaleDocument


def test_concurrent_creates_are_all_stored_and_a_duplicate_fails_alone(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite")
    store.create("hearings", ("taken",), {"id": "taken"})

    def create(n: int) -> str:
        doc_id = "taken" if n % 10 == 0 else f"doc-{n}"
        try:
            store.create("hearings", (doc_id,), {"id": doc_id, "n": n})
        except DocumentExists:
            return "exists"
        return "created"

    with ThreadPoolExecutor(max_workers=64) as pool:
        outcomes = list(pool.map(create, range(640)))
    store.close()

    assert outcomes.count("exists") == 64
    reopened = SqliteDocumentStore(tmp_path / "documents.sqlite")
    for n in range(640):
        if n % 10:
            stored = reopened.read("hearings", (f"doc-{n}",), f"doc-{n}")
            assert stored is not None and stored.body["n"] == n
    taken = reopened.read("hearings", ("taken",), "taken")
    assert taken is not None and "n" not in taken.body  # no failed write changed it


def test_a_stale_replace_in_a_batch_fails_only_its_caller(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite")
    etag = store.create("hearings", ("h",), {"id": "h", "v": 0})

    def replace(n: int) -> bool:
        try:
            store.replace("hearings", ("h",), {"id": "h", "v": n}, etag)
        except StaleDocument:
            return False
        return True

    with ThreadPoolExecutor(max_workers=32) as pool:
        won = list(pool.map(replace, range(1, 65)))
    assert won.count(True) == 1  # one ETag, one winner: the others were refused, not overwritten
    stored = store.read("hearings", ("h",), "h")
    assert stored is not None and stored.body["v"] == won.index(True) + 1


@pytest.mark.parametrize("path", [":memory:"])
def test_memory_store_writes_without_a_writer_thread(path: str) -> None:
    store = SqliteDocumentStore(path)
    store.create("hearings", ("a",), {"id": "a"})
    with pytest.raises(DocumentExists):
        store.create("hearings", ("a",), {"id": "a"})


def test_a_write_that_fails_in_a_batch_is_undone_alone_and_the_others_are_stored(tmp_path: Path) -> None:
    connections = SqliteConnections(tmp_path / "rows.sqlite")
    with connections.connection() as conn:
        conn.execute("CREATE TABLE rows (n INTEGER PRIMARY KEY)")
    committer = GroupCommitter(connections, "rows")
    gate, holding = threading.Event(), threading.Event()

    def insert(n: int) -> Callable[[sqlite3.Connection], int]:
        def write(conn: sqlite3.Connection) -> int:
            if n == 0:
                holding.set()
                gate.wait(10)  # holds the writer so that the others gather into one batch
            conn.execute("INSERT INTO rows (n) VALUES (?)", (n,))
            if n == 3:
                raise ValueError("refused after its row was written")
            return n

        return write

    with ThreadPoolExecutor(max_workers=6) as pool:
        first = pool.submit(committer.run, insert(0))
        assert holding.wait(10)
        rest = {n: pool.submit(committer.run, insert(n)) for n in range(1, 6)}
        deadline = time.monotonic() + 10
        while committer._pending.qsize() < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        gate.set()
        assert first.result() == 0
        with pytest.raises(ValueError):
            rest[3].result()
        assert [rest[n].result() for n in (1, 2, 4, 5)] == [1, 2, 4, 5]
    committer.close()
    with connections.connection() as conn:
        assert [row[0] for row in conn.execute("SELECT n FROM rows ORDER BY n")] == [0, 1, 2, 4, 5]
