"""Concurrent writes to the embedded store share commits, and each caller still gets its own answer."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.adapters.sqlite_connections import SqliteConnections
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.adapters.sqlite_group_commit import GroupCommitter, RowInsert, Write
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


class Refused(Exception):
    pass


def _one_batch(tmp_path: Path, writes: list[Write]) -> tuple[list[object], list[int]]:
    """Run ``writes`` as one batch (a first write holds the writer until all of them wait); each
    caller's answer or error, and the rows stored afterwards."""
    connections = SqliteConnections(tmp_path / "rows.sqlite")
    with connections.connection() as conn:
        conn.execute("CREATE TABLE rows (n INTEGER PRIMARY KEY)")
    committer = GroupCommitter(connections, "rows")
    gate, holding = threading.Event(), threading.Event()

    def hold(conn: sqlite3.Connection) -> str:
        holding.set()
        gate.wait(10)
        return "held"

    def answer(future: Future[object]) -> object:
        try:
            return future.result()
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=len(writes) + 1) as pool:
        first = pool.submit(committer.run, hold)
        assert holding.wait(10)
        futures = [pool.submit(committer.run, write) for write in writes]
        deadline = time.monotonic() + 10
        while committer._pending.qsize() < len(writes) and time.monotonic() < deadline:
            time.sleep(0.01)
        gate.set()
        assert first.result() == "held"
        answers = [answer(future) for future in futures]
    committer.close()
    with connections.connection() as conn:
        return answers, [row[0] for row in conn.execute("SELECT n FROM rows ORDER BY n")]


def _insert(n: int) -> RowInsert:
    return RowInsert("rows (n)", (n,), lambda: Refused(f"row {n} exists"))


def test_inserts_of_one_batch_are_stored_together_in_order_with_the_writes_between_them(tmp_path: Path) -> None:
    def double_the_last(conn: sqlite3.Connection) -> int:
        (last,) = conn.execute("SELECT max(n) FROM rows").fetchone()
        conn.execute("INSERT INTO rows (n) VALUES (?)", (last * 100,))
        return int(last)

    answers, rows = _one_batch(tmp_path, [_insert(1), _insert(2), double_the_last, _insert(3), _insert(4)])
    assert answers == [None, None, 2, None, None]  # the write between them saw the rows before it, not after
    assert rows == [1, 2, 3, 4, 200]


def test_a_duplicate_row_in_a_batch_of_inserts_fails_alone_with_its_own_error(tmp_path: Path) -> None:
    answers, rows = _one_batch(tmp_path, [_insert(1), _insert(2), _insert(1), _insert(3)])
    assert answers[:2] == [None, None] and answers[3] is None
    assert isinstance(answers[2], Refused) and str(answers[2]) == "row 1 exists"
    assert rows == [1, 2, 3]


def test_a_write_that_fails_in_a_batch_is_undone_alone_and_the_others_are_stored(tmp_path: Path) -> None:
    def fails(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO rows (n) VALUES (3)")
        raise ValueError("refused after its row was written")

    answers, rows = _one_batch(tmp_path, [_insert(1), _insert(2), fails, _insert(4), _insert(5)])
    assert answers[:2] == [None, None] and answers[3:] == [None, None]
    assert isinstance(answers[2], ValueError)
    assert rows == [1, 2, 4, 5]
