"""SQLite connections for the embedded adapters: one per thread for a file (WAL, durable commits),
one shared behind a lock for ":memory:" (a private in-memory database exists per connection)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SqliteConnections:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.memory = self.path == ":memory:"
        self._local = threading.local()
        self._lock = threading.RLock()
        # Each connection with the thread it belongs to, so those of finished threads can be closed.
        self._opened: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._shared: sqlite3.Connection | None = None
        if not self.memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        if self.memory:
            with self._lock:
                if self._shared is None:
                    self._shared = self._open()
                yield self._shared
            return
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        yield conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock up front, so two processes never act on the same row.
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def erase_freed(self) -> None:
        """Copy the log into the database and empty it: old page images in the WAL keep deleted rows."""
        if not self.memory:
            with self.connection() as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        with self._lock:
            for _, conn in self._opened:
                conn.close()
            self._opened.clear()
            self._shared = None
            self._local = threading.local()

    def _open(self) -> sqlite3.Connection:
        # Autocommit: a statement outside transaction() is its own atomic, durable transaction.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        if not self.memory:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives a crash
            conn.execute("PRAGMA busy_timeout=30000")
        # Deleted rows are overwritten, not left in free pages: retention must leave no trace in the file.
        conn.execute("PRAGMA secure_delete=ON")
        with self._lock:
            # Thread pools replace their threads; close what finished threads left behind, so a
            # long-running process does not run out of file handles.
            for thread, stale in [pair for pair in self._opened if not pair[0].is_alive()]:
                stale.close()
                self._opened.remove((thread, stale))
            self._opened.append((threading.current_thread(), conn))
        return conn
