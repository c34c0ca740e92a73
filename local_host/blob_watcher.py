"""Blob triggers by polling (Azurite raises no Event Grid events), each blob version processed once.

Outcomes keyed by (function, blob name, etag) live in SQLite under the data folder, so a restart does not
process a blob again. A blob whose function keeps failing is tried again after a growing delay (1 s, 2 s,
4 s, ... at most 5 minutes), ``MAX_ATTEMPTS`` times in all, and then recorded as poison and left alone, like
the Functions host's poison blob queue, until the developer replays it.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from azure.functions.blob import InputStream

from local_host.activity import Activity
from local_host.catalog import FunctionSpec
from local_host.invoker import Invoker

log = logging.getLogger("local_host.blobs")

POLL_INTERVAL = 0.5
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_SECONDS = 300.0

DONE = "done"
FAILED = "failed"
POISON = "poison"


@dataclass(frozen=True)
class BlobPath:
    """``uploads/{name}`` split into the container and a pattern for the blob name."""

    container: str
    prefix: str
    pattern: re.Pattern[str]

    @classmethod
    def parse(cls, path: str) -> BlobPath:
        container, _, name_pattern = path.strip("/").partition("/")
        if not container or "{" in container:
            raise ValueError(f"blob trigger path needs a literal container: {path!r}")
        prefix = name_pattern.split("{", 1)[0]
        regex, position = "", 0
        for found in re.finditer(r"\{([^{}]+)\}", name_pattern):
            regex += re.escape(name_pattern[position : found.start()])
            regex += f"(?P<{found.group(1)}>.+)" if found.group(1).isidentifier() else ".+"
            position = found.end()
        regex += re.escape(name_pattern[position:])
        return cls(container, prefix, re.compile(f"^{regex}$" if name_pattern else "^.+$"))

    def matches(self, blob_name: str) -> bool:
        return self.pattern.match(blob_name) is not None


@dataclass(frozen=True)
class BlobOutcome:
    status: str
    attempts: int
    next_attempt_at: float  # seconds since the epoch; a failed blob is not tried again before then


def retry_delay(attempts: int, base: float = RETRY_BASE_SECONDS) -> float:
    """Seconds to wait after the ``attempts``-th failure: base, 2 x base, 4 x base, ... at most 5 minutes."""
    return float(min(base * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


@dataclass(frozen=True)
class PoisonBlob:
    function: str
    container: str
    name: str
    etag: str
    attempts: int
    error: str
    recorded_at: str


class BlobLedger:
    """What each blob function has done with each blob version; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS blob_receipts (
                   function TEXT NOT NULL, container TEXT NOT NULL, name TEXT NOT NULL, etag TEXT NOT NULL,
                   status TEXT NOT NULL, attempts INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '',
                   updated_at TEXT NOT NULL,
                   PRIMARY KEY (function, container, name, etag))"""
        )
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(blob_receipts)")}
        if "next_attempt_at" not in columns:  # a data folder from before retries were spaced out
            self._db.execute("ALTER TABLE blob_receipts ADD COLUMN next_attempt_at REAL NOT NULL DEFAULT 0")

    def status(self, function: str, container: str, name: str, etag: str) -> BlobOutcome | None:
        with self._lock:
            row = self._db.execute(
                """SELECT status, attempts, next_attempt_at FROM blob_receipts
                   WHERE function=? AND container=? AND name=? AND etag=?""",
                (function, container, name, etag),
            ).fetchone()
        return BlobOutcome(str(row[0]), int(row[1]), float(row[2])) if row else None

    def record(
        self,
        function: str,
        container: str,
        name: str,
        etag: str,
        status: str,
        attempts: int,
        error: str = "",
        next_attempt_at: float = 0.0,
    ) -> None:
        with self._lock:
            self._db.execute(
                """INSERT INTO blob_receipts
                       (function, container, name, etag, status, attempts, error, updated_at, next_attempt_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (function, container, name, etag)
                   DO UPDATE SET status=excluded.status, attempts=excluded.attempts, error=excluded.error,
                                 updated_at=excluded.updated_at, next_attempt_at=excluded.next_attempt_at""",
                (
                    function,
                    container,
                    name,
                    etag,
                    status,
                    attempts,
                    error,
                    datetime.now(UTC).isoformat(),
                    next_attempt_at,
                ),
            )

    def clear_poison(self, function: str, name: str) -> int:
        """Forgets that a function gave up on a blob, so it is tried afresh; returns how many records went."""
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM blob_receipts WHERE status=? AND lower(function)=lower(?) AND name=?",
                (POISON, function, name),
            )
        return int(cursor.rowcount)

    def poison(self) -> list[PoisonBlob]:
        with self._lock:
            rows = self._db.execute(
                """SELECT function, container, name, etag, attempts, error, updated_at FROM blob_receipts
                   WHERE status=? ORDER BY updated_at""",
                (POISON,),
            ).fetchall()
        return [PoisonBlob(*row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


class BlobWatcher:
    """One thread polling the container of every blob-triggered function."""

    def __init__(
        self,
        specs: list[FunctionSpec],
        files: Any,
        ledger: BlobLedger,
        invoker: Invoker,
        activity: Activity,
        stop: threading.Event,
        retry_base: float = RETRY_BASE_SECONDS,
    ) -> None:
        self.specs = specs
        self.retry_base = retry_base
        self.paths = {spec.name: BlobPath.parse(spec.blob_path) for spec in specs}
        self.files = files
        self.ledger = ledger
        self.invoker = invoker
        self.activity = activity
        self.stop = stop
        self._reported: set[str] = set()
        self.thread = threading.Thread(target=self._run, name="blobs", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)

    def pending(self) -> int:
        """Blob versions a function has not yet processed nor given up on, waiting retries included."""
        return sum(len(self._unprocessed(spec, include_waiting=True)) for spec in self.specs)

    def run_now(self, spec: FunctionSpec, container: str, name: str) -> None:
        """Runs the function on one blob by hand (admin endpoint); leaves no outcome behind."""
        info = self.files.info(container, name)
        if info is None:
            raise FileNotFoundError(f"no blob {container}/{name}")
        self.invoker.invoke(spec, self._stream(container, info), reason="Run by request")

    def _run(self) -> None:
        while not self.stop.is_set():
            for spec in self.specs:
                if self.stop.is_set():
                    break
                with self.activity.busy():
                    self._poll(spec)
            self.stop.wait(POLL_INTERVAL)

    def _poll(self, spec: FunctionSpec) -> None:
        try:
            blobs = self._unprocessed(spec)
            self._reported.discard(spec.name)
        except Exception as error:
            if spec.name not in self._reported:  # once per outage, not every half second
                log.warning("blob trigger %s: cannot list %s: %s", spec.name, self.paths[spec.name].container, error)
                self._reported.add(spec.name)
            return
        for info, attempts in blobs:
            if self.stop.is_set():
                return
            self.activity.started_work()
            self._process(spec, info, attempts)

    def _unprocessed(self, spec: FunctionSpec, include_waiting: bool = False) -> list[tuple[Any, int]]:
        path = self.paths[spec.name]
        found = []
        now = time.time()
        for info in self.files.list(path.container, path.prefix):
            if not path.matches(info.name):
                continue
            outcome = self.ledger.status(spec.name, path.container, info.name, info.etag)
            if outcome is None:
                found.append((info, 0))
            elif outcome.status == FAILED and (include_waiting or outcome.next_attempt_at <= now):
                found.append((info, outcome.attempts))
        return found

    def _process(self, spec: FunctionSpec, info: Any, attempts: int) -> None:
        container = self.paths[spec.name].container
        try:
            stream = self._stream(container, info)
            self.invoker.invoke(spec, stream, reason=f"New blob detected: {container}/{info.name}")
        except Exception as error:
            attempts += 1
            message = f"{type(error).__name__}: {error}"
            status = POISON if attempts >= MAX_ATTEMPTS else FAILED
            next_attempt_at = time.time() + retry_delay(attempts, self.retry_base)
            self.ledger.record(spec.name, container, info.name, info.etag, status, attempts, message, next_attempt_at)
            if status == POISON:
                log.error(
                    "blob trigger %s: %s/%s failed %d times, recorded as poison",
                    spec.name,
                    container,
                    info.name,
                    attempts,
                )
            return
        self.ledger.record(spec.name, container, info.name, info.etag, DONE, attempts + 1)

    def _stream(self, container: str, info: Any) -> InputStream:
        data = self.files.read(container, info.name)
        return InputStream(
            data=data,
            name=f"{container}/{info.name}",
            uri=self._uri(container, info.name),
            length=len(data),
            blob_properties={"ContentType": info.content_type, "ETag": info.etag, "Length": len(data)},
            metadata={},
        )

    def _uri(self, container: str, name: str) -> str:
        # The blob's address without the signature the store adds to download links.
        try:
            url = str(self.files.download_url(container, name, timedelta(minutes=5)))
        except Exception:
            return f"{container}/{name}"
        return url.split("?", 1)[0]
