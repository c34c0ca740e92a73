"""A long-running host whose thread pools come and go does not run out of file handles."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from shared.adapters.local_queue import LocalQueue
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.ports.messages import OutgoingMessage


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_connections_of_finished_threads_are_closed(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite")
    queue = LocalQueue(tmp_path / "queue.sqlite")
    store.read("hearings", ("warm-up",), "warm-up")
    before = open_files()

    def work(n: int) -> None:
        store.read("hearings", (f"h{n}",), f"h{n}")
        queue.publish("q", OutgoingMessage(message_id=f"m{n}", body={"n": n}))

    for n in range(200):
        thread = threading.Thread(target=work, args=(n,))
        thread.start()
        thread.join()

    assert open_files() - before < 10  # not one or two per finished thread
    assert queue.depth("q") == 200
    store.close()
    queue.close()
