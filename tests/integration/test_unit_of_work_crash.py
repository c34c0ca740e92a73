"""A process killed between the writes of one change leaves the change with its trail and its event,
or neither: a hearing is cancelled in a child process that SIGKILLs itself just before or just after
one of its writes to a real SQLite file, and the sweep, run afterwards as a fresh start would, finds
the rest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shared.adapters.local_queue import LocalQueue
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.hearing import HearingStatus
from shared.domain.reference import HearingTemplate
from shared.services import queues
from shared.services.hearings import audit_trail, dispatch_pending_events
from shared.services.repositories import AuditRepository, HearingRepository, ReferenceRepository
from tests.fakes import (
    SUMMER_MORNING,
    TEMPLATE_ID,
    FakeBus,
    FakeMailer,
    FixedClock,
    InMemoryFiles,
    InMemoryRecords,
    Portal,
    caseworker,
)

ROOT = Path(__file__).resolve().parents[2]


def scheduled_hearing(documents: Path) -> tuple[str, Portal]:
    portal = Portal(
        clock=FixedClock(SUMMER_MORNING),
        store=SqliteDocumentStore(documents),
        bus=FakeBus(),
        mailer=FakeMailer(),
        files=InMemoryFiles(),
        records=InMemoryRecords(),
    )
    ReferenceRepository(portal.store).put(HearingTemplate(id=TEMPLATE_ID, name="Standardhøring"))
    hearing_id = portal.scheduled()
    portal.clock.advance(minutes=1)
    return hearing_id, portal


def cancel_in_a_child(
    documents: Path, queue: Path, hearing_id: str, now: str, when: str, n: int
) -> subprocess.CompletedProcess[str]:
    args = ["cancel", str(documents), str(queue), hearing_id, now, when, str(n)]
    child = subprocess.run(
        [sys.executable, "-m", "tests.integration.storage_child", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode in (0, -signal.SIGKILL), child.stderr
    return child


# The cancellation writes the hearing with its outbox (1), copies the entry to the trail (2),
# publishes the event, and empties the outbox (3).
@pytest.mark.parametrize(
    ("when", "n", "cancelled"),
    [("before", 1, False), ("after", 1, True), ("after", 2, True), ("before", 3, True), ("after", 3, True)],
)
def test_a_process_killed_between_writes_leaves_all_or_nothing(
    tmp_path: Path, when: str, n: int, cancelled: bool
) -> None:
    documents, queue_file = tmp_path / "documents.sqlite", tmp_path / "queue.sqlite"
    hearing_id, portal = scheduled_hearing(documents)
    now = portal.clock.now().isoformat()

    assert cancel_in_a_child(documents, queue_file, hearing_id, now, when, n).returncode == -signal.SIGKILL

    # A fresh process: new connections to the same files.
    store, queue = SqliteDocumentStore(documents), LocalQueue(queue_file)
    hearing = HearingRepository(store).require(hearing_id).model
    assert (hearing.status is HearingStatus.CANCELLED) is cancelled
    read = [event.action for event in audit_trail(caseworker(), hearing_id, documents=store, vault=portal.vault).items]
    assert read.count("hearing.cancelled") == (1 if cancelled else 0)

    dispatch_pending_events(documents=store, bus=queue)

    trail, _ = AuditRepository(store).page(hearing_id, 100, None)
    assert [event.action for event in trail].count("hearing.cancelled") == (1 if cancelled else 0)
    published = [delivery.message_id for delivery in queue.receive(queues.HEARING_EVENTS, max_messages=20)]
    assert published == ([f"{hearing_id}:cancelled"] if cancelled else [])
    assert HearingRepository(store).require(hearing_id).model.has_pending_events is False
    store.close()
    queue.close()


def test_the_child_without_a_kill_cancels_in_three_writes(tmp_path: Path) -> None:
    documents, queue_file = tmp_path / "documents.sqlite", tmp_path / "queue.sqlite"
    hearing_id, portal = scheduled_hearing(documents)

    child = cancel_in_a_child(documents, queue_file, hearing_id, portal.clock.now().isoformat(), "after", 99)

    assert (child.returncode, child.stdout.split()) == (0, ["cancelled", "3"])
    store = SqliteDocumentStore(documents)
    assert HearingRepository(store).require(hearing_id).model.has_pending_events is False
    store.close()
