"""Short-lived, per-instance copies of hearings and of the current terms for the response intake path.

On deadline day every response to a hearing with national attention reads that one hearing and the
current terms. The copies spare their partitions thousands of identical reads a second. Rules still
take the exact start and deadline from the copy, so the only staleness is a change made in the last
``ttl`` (a moved deadline, a changed visibility or invitee list, newly published terms), which takes
effect that much later.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.domain.hearing import Hearing
from shared.domain.reference import Terms
from shared.services.repositories import HearingRepository


class HearingCache:
    def __init__(self, ttl: timedelta = timedelta(seconds=2), max_entries: int = 1000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[datetime, Hearing | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._terms: tuple[datetime, Terms | None] | None = None

    def get(self, repository: HearingRepository, hearing_id: str, now: datetime) -> Hearing | None:
        with self._lock:
            entry = self._entries.get(hearing_id)
        if entry is not None and self._fresh(entry[0], now):
            return entry[1]
        loaded = repository.get(hearing_id)
        hearing = None if loaded is None else loaded.model
        with self._lock:
            self._entries[hearing_id] = (now, hearing)
            self._entries.move_to_end(hearing_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return hearing

    def terms(self, load: Callable[[], Terms | None], now: datetime, *, fresh: bool = False) -> Terms | None:
        """The current terms as ``load`` read them within ``ttl``; ``fresh`` reads them again now."""
        entry = self._terms
        if not fresh and entry is not None and self._fresh(entry[0], now):
            return entry[1]
        current = load()
        self._terms = (now, current)
        return current

    def _fresh(self, taken: datetime, now: datetime) -> bool:
        # Within the lifetime either way: requests arrive a little before the one whose read made the
        # copy (they run side by side on deadline day), and each of those re-reading the hearing would
        # undo what the copy is for. A copy from much further ahead (a clock set back in development)
        # is as stale as an old one.
        return abs(now - taken) < self.ttl
