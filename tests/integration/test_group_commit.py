"""Concurrent writes to the embedded store share commits, and each caller still gets its own answer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.adapters.sqlite_documents import SqliteDocumentStore
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
