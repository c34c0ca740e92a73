"""A process the durability tests kill on purpose.

    python -m tests.integration.storage_child publish <queue file> <queue> <first number>
    python -m tests.integration.storage_child receive <queue file> <queue> <lock milliseconds>
    python -m tests.integration.storage_child drain <queue file> <queue>
    python -m tests.integration.storage_child create <documents file> <first number>
    python -m tests.integration.storage_child cancel <documents file> <queue file> <hearing id> <now> <before|after> <n>

Each prints one line per acknowledged operation, after the call returned, and flushes it, so a
line on stdout is a promise the store made.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from shared.adapters.aes_vault import AesGcmVault
from shared.adapters.local_queue import LocalQueue
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.ports.documents import Document, DocumentStore, Page, PartitionKey, Query, Stored
from shared.ports.messages import OutgoingMessage
from shared.services.hearings import cancel_hearing
from tests.fakes import FixedClock, caseworker


class KilledAtWrite:
    """Passes everything to the store, and SIGKILLs this process just before or just after its n-th write."""

    def __init__(self, inner: DocumentStore, when: str, n: int) -> None:
        self.inner, self.when, self.n, self.writes = inner, when, n, 0

    def check(self) -> None:
        self.inner.check()

    def read(self, container: str, partition: PartitionKey, doc_id: str) -> Stored | None:
        return self.inner.read(container, partition, doc_id)

    def query(self, container: str, query: Query) -> Page:
        return self.inner.query(container, query)

    def create(self, container: str, partition: PartitionKey, body: Document) -> str:
        self._before()
        return self._after(self.inner.create(container, partition, body))

    def upsert(self, container: str, partition: PartitionKey, body: Document) -> str:
        self._before()
        return self._after(self.inner.upsert(container, partition, body))

    def create_many(self, container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[str | None]:
        self._before()
        made = self.inner.create_many(container, partition, bodies)
        self._after("")
        return made

    def upsert_many(self, container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[str]:
        self._before()
        etags = self.inner.upsert_many(container, partition, bodies)
        self._after("")
        return etags

    def replace(self, container: str, partition: PartitionKey, body: Document, etag: str) -> str:
        self._before()
        return self._after(self.inner.replace(container, partition, body, etag))

    def delete(self, container: str, partition: PartitionKey, doc_id: str) -> None:
        self._before()
        self.inner.delete(container, partition, doc_id)
        self._after("")

    def _before(self) -> None:
        self.writes += 1
        if self.when == "before" and self.writes == self.n:
            os.kill(os.getpid(), signal.SIGKILL)

    def _after(self, etag: str) -> str:
        if self.when == "after" and self.writes == self.n:
            os.kill(os.getpid(), signal.SIGKILL)
        return etag


def publish(path: Path, queue_name: str, first: int) -> None:
    queue = LocalQueue(path)
    number = first
    while True:
        message_id = f"m{number}"
        queue.publish(queue_name, OutgoingMessage(message_id, {"n": number, "padding": "x" * 200}))
        print(message_id, flush=True)
        number += 1


def receive(path: Path, queue_name: str, lock_ms: int) -> None:
    queue = LocalQueue(path, lock_duration=timedelta(milliseconds=lock_ms))
    while not (deliveries := queue.receive(queue_name)):
        time.sleep(0.01)
    print(deliveries[0].message_id, flush=True)
    time.sleep(3600)  # busy handling it when the process is killed


def drain(path: Path, queue_name: str) -> None:
    queue = LocalQueue(path)
    idle = 0
    while idle < 20:
        deliveries = queue.receive(queue_name, max_messages=5)
        idle = 0 if deliveries else idle + 1
        for delivery in deliveries:
            queue.complete(delivery)
            print(delivery.message_id, flush=True)
        if not deliveries:
            time.sleep(0.01)


def create(path: Path, first: int) -> None:
    store = SqliteDocumentStore(path)
    number = first
    while True:
        doc_id = f"r{number}"
        store.create("responses", ("h1", doc_id), {"id": doc_id, "hearingId": "h1", "text": "y" * 500})
        print(doc_id, flush=True)
        number += 1


def cancel(documents: Path, queue: Path, hearing_id: str, now: str, when: str, n: int) -> None:
    store = KilledAtWrite(SqliteDocumentStore(documents), when, n)
    cancel_hearing(
        caseworker(),
        hearing_id,
        documents=store,
        bus=LocalQueue(queue),
        clock=FixedClock(datetime.fromisoformat(now)),
        vault=AesGcmVault(bytes(range(32))),
    )
    print("cancelled", store.writes, flush=True)


def main(argv: list[str]) -> None:
    mode, path = argv[0], Path(argv[1])
    if mode == "publish":
        publish(path, argv[2], int(argv[3]))
    elif mode == "receive":
        receive(path, argv[2], int(argv[3]))
    elif mode == "drain":
        drain(path, argv[2])
    elif mode == "create":
        create(path, int(argv[2]))
    elif mode == "cancel":
        cancel(path, Path(argv[2]), argv[3], argv[4], argv[5], int(argv[6]))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
