"""A process the durability tests kill on purpose.

    python -m tests.integration.storage_child publish <queue file> <queue> <first number>
    python -m tests.integration.storage_child receive <queue file> <queue> <lock milliseconds>
    python -m tests.integration.storage_child drain <queue file> <queue>
    python -m tests.integration.storage_child create <documents file> <first number>

Each prints one line per acknowledged operation, after the call returned, and flushes it, so a
line on stdout is a promise the store made.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

from shared.adapters.local_queue import LocalQueue
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.ports.messages import OutgoingMessage


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
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
