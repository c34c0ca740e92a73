"""Counts work in progress so ``/admin/idle`` can tell when everything has settled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Snapshot:
    running: int
    started: int


class Activity:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._started = 0

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Wraps looking for work and doing it; a look that finds nothing leaves ``started`` alone."""
        with self._lock:
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1

    def started_work(self) -> None:
        with self._lock:
            self._started += 1

    @contextmanager
    def invocation(self) -> Iterator[None]:
        with self.busy():
            self.started_work()
            yield

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(self._running, self._started)
