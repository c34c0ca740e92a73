"""Killing processes mid-flight loses nothing that was acknowledged.

A child process prints a line only after the store returned, then the test SIGKILLs it while it
is still writing. Every printed id must be there afterwards, and the file must be intact.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from shared.adapters.local_queue import LocalQueue
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.ports.messages import OutgoingMessage
from tests.integration.storage_support import poll

ROOT = Path(__file__).resolve().parents[2]


def start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.storage_child", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_lines(child: subprocess.Popen[str], count: int) -> list[str]:
    assert child.stdout is not None
    lines: list[str] = []
    while len(lines) < count:
        line = child.stdout.readline()
        if not line:
            assert child.stderr is not None
            raise AssertionError(f"the child stopped early: {child.stderr.read()}")
        lines.append(line.strip())
    return lines


def kill(child: subprocess.Popen[str]) -> list[str]:
    """SIGKILL the child; return the complete lines it had printed but we had not read yet."""
    child.send_signal(signal.SIGKILL)
    output, _ = child.communicate(timeout=30)
    return [line for line in output.splitlines(keepends=True) if line.endswith("\n")]


def intact(path: Path) -> bool:
    with sqlite3.connect(path) as conn:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def test_every_message_a_killed_publisher_was_told_about_is_in_the_queue(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite"
    acknowledged: list[str] = []
    for round_number in range(3):
        child = start("publish", str(path), "work", str(round_number * 1_000_000))
        acknowledged += read_lines(child, 40)
        acknowledged += [line.strip() for line in kill(child)]

    assert intact(path)
    queue = LocalQueue(path)
    received = [delivery.message_id for delivery in queue.receive("work", max_messages=1_000_000)]
    assert set(acknowledged) <= set(received)
    assert len(received) == len(set(received))
    queue.publish("work", OutgoingMessage("after-the-crash", {}))  # still writable
    assert queue.depth("work") == len(received) + 1


def test_a_message_held_by_a_killed_consumer_is_delivered_again(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite"
    queue = LocalQueue(path, lock_duration=timedelta(milliseconds=300))
    queue.publish("work", OutgoingMessage("close-hearing-h1", {"hearingId": "h1"}))

    child = start("receive", str(path), "work", "300")
    assert read_lines(child, 1) == ["close-hearing-h1"]
    kill(child)

    redelivered = poll(lambda: queue.receive("work"))
    assert [(item.message_id, item.delivery_count) for item in redelivered] == [("close-hearing-h1", 2)]


def test_consumers_in_several_processes_share_the_work_without_overlap(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite"
    queue = LocalQueue(path)
    published = [f"m{number}" for number in range(300)]
    for message_id in published:
        queue.publish("work", OutgoingMessage(message_id, {}))

    children = [start("drain", str(path), "work") for _ in range(3)]
    consumed: list[str] = []
    for child in children:
        output, errors = child.communicate(timeout=120)
        assert child.returncode == 0, errors
        consumed += output.split()

    assert sorted(consumed) == sorted(published)
    assert queue.depth("work") == 0


def test_every_document_a_killed_writer_was_told_about_is_readable(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite"
    acknowledged: list[str] = []
    for round_number in range(3):
        child = start("create", str(path), str(round_number * 1_000_000))
        acknowledged += read_lines(child, 40)
        acknowledged += [line.strip() for line in kill(child)]

    assert intact(path)
    store = SqliteDocumentStore(path)
    missing = [doc_id for doc_id in acknowledged if store.read("responses", ("h1", doc_id), doc_id) is None]
    assert missing == []
