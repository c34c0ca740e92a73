"""A durable message queue in one SQLite file: the embedded stand-in for Azure Service Bus.

It keeps the Service Bus guarantees the services rely on: at-least-once delivery under a lock
that expires when a consumer dies, exponential backoff after a failed attempt, a dead-letter
store after too many attempts (with replay), and duplicate detection on the message id. A
message that ``publish`` returned for is on disk (WAL, ``synchronous=FULL``); several processes
may share the file.

Times come from the real clock on purpose: moving the portal's adjustable clock must not make
locks or backoffs expire.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.adapters.sqlite_connections import SqliteConnections
from shared.adapters.sqlite_group_commit import MAX_ROWS_PER_STATEMENT, GroupCommitter, insert_rows
from shared.observability.spans import with_trace_context
from shared.ports.messages import OutgoingMessage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body BLOB NOT NULL,
    subject TEXT NOT NULL,
    properties TEXT NOT NULL,
    enqueued_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    lock_token TEXT,
    last_reason TEXT
);
CREATE INDEX IF NOT EXISTS messages_visible ON messages (queue, visible_at, seq);
CREATE UNIQUE INDEX IF NOT EXISTS messages_lock ON messages (lock_token);
CREATE INDEX IF NOT EXISTS messages_in_flight ON messages (queue, visible_at) WHERE lock_token IS NOT NULL;
CREATE TABLE IF NOT EXISTS dead_letters (
    id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body BLOB NOT NULL,
    subject TEXT NOT NULL,
    properties TEXT NOT NULL,
    reason TEXT NOT NULL,
    delivery_count INTEGER NOT NULL,
    enqueued_at REAL NOT NULL,
    dead_lettered_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_by_queue ON dead_letters (queue, dead_lettered_at);
CREATE TABLE IF NOT EXISTS seen_ids (
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (queue, message_id)
);
CREATE INDEX IF NOT EXISTS seen_ids_by_age ON seen_ids (seen_at);
CREATE TABLE IF NOT EXISTS queues (name TEXT PRIMARY KEY);
"""


class LockLost(Exception):
    """The delivery's lock expired and the message was handed to another consumer (or is gone)."""


@dataclass(frozen=True)
class Delivery:
    queue: str
    message_id: str
    body: bytes
    subject: str
    properties: dict[str, str]
    delivery_count: int
    enqueued_at: datetime
    lock_token: str


@dataclass(frozen=True)
class DeadLetter:
    id: str
    queue: str
    message_id: str
    body: bytes
    reason: str
    delivery_count: int
    dead_lettered_at: datetime
    subject: str = ""
    properties: dict[str, str] = field(default_factory=dict)


class LocalQueue:
    def __init__(
        self,
        path: Path | str,
        *,
        max_delivery_count: int = 5,
        lock_duration: timedelta = timedelta(seconds=60),
        backoff_base: timedelta = timedelta(seconds=1),
        backoff_max: timedelta = timedelta(minutes=5),
        duplicate_window: timedelta = timedelta(days=1),  # as the Service Bus queues in infra/
    ) -> None:
        if max_delivery_count < 1:
            raise ValueError("max_delivery_count must be at least 1")
        self._db = SqliteConnections(path)
        self._publishes = GroupCommitter(self._db, Path(str(path)).name)
        self.max_delivery_count = max_delivery_count
        self._lock_seconds = lock_duration.total_seconds()
        self._backoff_base = backoff_base.total_seconds()
        self._backoff_max = backoff_max.total_seconds()
        self._window = duplicate_window.total_seconds()
        self._known_queues: set[str] = set()
        self._next_purge = 0.0
        with self._db.connection() as conn:
            conn.executescript(_SCHEMA)

    # -- sending ----------------------------------------------------------------------------------

    def publish(self, queue: str, message: OutgoingMessage) -> None:
        self.publish_many(queue, [message])

    def publish_many(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        if not messages:
            return
        now = time.time()
        # Encode and read the trace here: the insert runs on the group-commit writer's thread, outside
        # this context, and the consumer continues the trace.
        rows = [
            (message.message_id, message.encoded(), message.subject, json.dumps(with_trace_context(message.properties)))
            for message in messages
        ]

        # Concurrent publishers share one durable commit (group commit); each returns once its own is on disk.
        def insert(conn: sqlite3.Connection) -> None:
            if queue not in self._known_queues:
                conn.execute("INSERT OR IGNORE INTO queues (name) VALUES (?)", (queue,))
            # An id seen within the window is a duplicate: dropped, like Service Bus duplicate detection.
            # One that was seen longer ago counts as new, and its old sighting is renewed. A few
            # statements for the whole batch: each SQLite call lets the interpreter lock go.
            fresh = _unseen(conn, queue, rows, since=now - self._window)
            insert_rows(
                conn,
                "seen_ids (queue, message_id, seen_at)",
                [(queue, message_id, now) for message_id, *_ in fresh],
                then=" ON CONFLICT (queue, message_id) DO UPDATE SET seen_at = excluded.seen_at",
            )
            insert_rows(
                conn,
                "messages (queue, message_id, body, subject, properties, enqueued_at, visible_at)",
                [
                    (queue, message_id, encoded, subject, properties, now, now)
                    for message_id, encoded, subject, properties in fresh
                ],
            )

        self._publishes.run(insert)

        self._known_queues.add(queue)
        if now >= self._next_purge:  # forget old ids now and then, not on every publish
            with self._db.connection() as conn:
                conn.execute("DELETE FROM seen_ids WHERE seen_at < ?", (now - self._window,))
            self._next_purge = now + 60

    # -- consuming --------------------------------------------------------------------------------

    def receive(self, queue: str, max_messages: int = 1) -> list[Delivery]:
        """Lock up to ``max_messages`` visible messages, oldest first, for ``lock_duration``."""
        if max_messages < 1:
            return []
        now = time.time()
        deliveries: list[Delivery] = []
        with self._db.transaction() as conn:
            # A consumer that died holding the last allowed delivery: dead-letter instead of retrying.
            expired = conn.execute(
                "SELECT seq, queue, message_id, body, subject, properties, enqueued_at, delivery_count FROM messages"
                " WHERE queue = ? AND lock_token IS NOT NULL AND visible_at <= ? AND delivery_count >= ?",
                (queue, now, self.max_delivery_count),
            ).fetchall()
            for row in expired:
                self._dead_letter(conn, row, f"lock expired on delivery {row[7]} of {self.max_delivery_count}", now)
            rows = conn.execute(
                "SELECT seq, queue, message_id, body, subject, properties, enqueued_at, delivery_count FROM messages"
                " WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?",
                (queue, now, max_messages),
            ).fetchall()
            for seq, queue_name, message_id, body, subject, properties, enqueued_at, count in rows:
                token = uuid.uuid4().hex
                conn.execute(
                    "UPDATE messages SET lock_token = ?, visible_at = ?, delivery_count = ? WHERE seq = ?",
                    (token, now + self._lock_seconds, count + 1, seq),
                )
                deliveries.append(
                    Delivery(
                        queue=queue_name,
                        message_id=message_id,
                        body=bytes(body),
                        subject=subject,
                        properties=json.loads(properties),
                        delivery_count=count + 1,
                        enqueued_at=datetime.fromtimestamp(enqueued_at, UTC),
                        lock_token=token,
                    )
                )
        return deliveries

    def complete(self, delivery: Delivery) -> None:
        with self._db.transaction() as conn:
            deleted = conn.execute("DELETE FROM messages WHERE lock_token = ?", (delivery.lock_token,)).rowcount
        if not deleted:
            raise LockLost(f"message {delivery.message_id} on {delivery.queue} is no longer locked by this delivery")

    def renew(self, delivery: Delivery) -> None:
        """Extend the lock of a message still being processed, as the Functions host does on Service Bus."""
        with self._db.connection() as conn:
            renewed = conn.execute(
                "UPDATE messages SET visible_at = ? WHERE lock_token = ?",
                (time.time() + self._lock_seconds, delivery.lock_token),
            ).rowcount
        if not renewed:
            raise LockLost(f"message {delivery.message_id} on {delivery.queue} is no longer locked by this delivery")

    def abandon(self, delivery: Delivery, reason: str) -> None:
        """Give the message back: retried after a backoff, or dead-lettered after the last allowed delivery."""
        now = time.time()
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT seq, queue, message_id, body, subject, properties, enqueued_at, delivery_count FROM messages"
                " WHERE lock_token = ?",
                (delivery.lock_token,),
            ).fetchone()
            if row is None:
                raise LockLost(
                    f"message {delivery.message_id} on {delivery.queue} is no longer locked by this delivery"
                )
            count = row[7]
            if count >= self.max_delivery_count:
                self._dead_letter(conn, row, reason, now)
                return
            delay = min(self._backoff_base * 2 ** (count - 1), self._backoff_max)
            conn.execute(
                "UPDATE messages SET lock_token = NULL, visible_at = ?, last_reason = ? WHERE seq = ?",
                (now + delay, reason, row[0]),
            )

    # -- operations -------------------------------------------------------------------------------

    def dead_letters(self, queue: str) -> list[DeadLetter]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "SELECT id, queue, message_id, body, reason, delivery_count, dead_lettered_at, subject, properties"
                " FROM dead_letters WHERE queue = ? ORDER BY dead_lettered_at, id",
                (queue,),
            ).fetchall()
        return [
            DeadLetter(
                id=row[0],
                queue=row[1],
                message_id=row[2],
                body=bytes(row[3]),
                reason=row[4],
                delivery_count=row[5],
                dead_lettered_at=datetime.fromtimestamp(row[6], UTC),
                subject=row[7],
                properties=json.loads(row[8]),
            )
            for row in rows
        ]

    def replay(self, queue: str, dead_letter_id: str) -> None:
        """Put a dead letter back on its queue as a fresh message (duplicate detection does not apply).

        An operator may also name the dead letter by its message id; the latest one with that id is replayed.
        Raises KeyError when there is no such dead letter.
        """
        now = time.time()
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT id, message_id, body, subject, properties FROM dead_letters"
                " WHERE queue = ? AND (id = ? OR message_id = ?)"
                " ORDER BY id = ? DESC, dead_lettered_at DESC LIMIT 1",
                (queue, dead_letter_id, dead_letter_id, dead_letter_id),
            ).fetchone()
            if row is None:
                raise KeyError(f"no dead letter {dead_letter_id} on {queue}")
            conn.execute("DELETE FROM dead_letters WHERE id = ?", (row[0],))
            conn.execute(
                "INSERT INTO messages (queue, message_id, body, subject, properties, enqueued_at, visible_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (queue, row[1], row[2], row[3], row[4], now, now),
            )

    def depth(self, queue: str) -> int:
        """Messages not yet completed (waiting, backing off or in flight); dead letters excluded."""
        with self._db.connection() as conn:
            (count,) = conn.execute("SELECT count(*) FROM messages WHERE queue = ?", (queue,)).fetchone()
        return int(count)

    def oldest_age(self, queue: str) -> float | None:
        """Seconds since the oldest message still on the queue was enqueued; None when it is empty."""
        with self._db.connection() as conn:
            (oldest,) = conn.execute("SELECT min(enqueued_at) FROM messages WHERE queue = ?", (queue,)).fetchone()
        return None if oldest is None else max(0.0, time.time() - float(oldest))

    def queues(self) -> list[str]:
        with self._db.connection() as conn:
            rows = conn.execute("SELECT name FROM queues ORDER BY name").fetchall()
        return [row[0] for row in rows]

    def check(self) -> None:
        with self._db.connection() as conn:
            conn.execute("SELECT 1 FROM queues LIMIT 1").fetchall()

    def forget(self, key: str, value: str) -> int:
        """Delete every message and dead letter whose JSON body has ``key`` equal to ``value`` (retention),
        and erase them from the file. Returns how many went."""
        with self._db.transaction() as conn:
            gone = 0
            for table in ("messages", "dead_letters"):
                gone += conn.execute(
                    f"DELETE FROM {table} WHERE json_valid(CAST(body AS TEXT)) "  # noqa: S608 -- the two table names above
                    "AND json_extract(CAST(body AS TEXT), '$.' || ?) = ?",
                    (key, value),
                ).rowcount
        self._db.erase_freed()
        return int(gone)

    def close(self) -> None:
        self._publishes.close()
        self._db.close()

    # -- plumbing ---------------------------------------------------------------------------------

    @staticmethod
    def _dead_letter(conn: sqlite3.Connection, row: tuple[object, ...], reason: str, now: float) -> None:
        seq, queue, message_id, body, subject, properties, enqueued_at, count = row[:8]
        conn.execute("DELETE FROM messages WHERE seq = ?", (seq,))
        conn.execute(
            "INSERT INTO dead_letters (id, queue, message_id, body, subject, properties, reason, delivery_count,"
            " enqueued_at, dead_lettered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (uuid.uuid4().hex, queue, message_id, body, subject, properties, reason, count, enqueued_at, now),
        )


def _unseen(
    conn: sqlite3.Connection, queue: str, rows: list[tuple[str, bytes, str, str]], since: float
) -> list[tuple[str, bytes, str, str]]:
    """The rows whose id was not seen on ``queue`` since ``since``; of one id twice, the first."""
    first_of_each: dict[str, tuple[str, bytes, str, str]] = {}
    for row in rows:
        first_of_each.setdefault(row[0], row)
    ids = list(first_of_each)
    seen: set[str] = set()
    for start in range(0, len(ids), MAX_ROWS_PER_STATEMENT):
        chunk = ids[start : start + MAX_ROWS_PER_STATEMENT]
        marks = ", ".join("?" * len(chunk))
        seen.update(
            message_id
            for (message_id,) in conn.execute(
                f"SELECT message_id FROM seen_ids WHERE queue = ? AND seen_at >= ? AND message_id IN ({marks})",  # noqa: S608 -- placeholders only
                (queue, since, *chunk),
            )
        )
    return [row for message_id, row in first_of_each.items() if message_id not in seen]
