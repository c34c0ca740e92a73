"""A sliding-window limiter in process memory.

Each Functions instance counts on its own, so with N instances a caller can reach N times the limit;
that still stops a runaway client or script, which is what the limit is for, and costs no I/O on the
hot path.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("a rate limit needs a positive count and window")
        self.limit, self.window = limit, window_seconds
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + window_seconds

    def acquire(self, key: str) -> float | None:
        now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window - now, 0.001)
            hits.append(now)
            return None

    def _sweep(self, now: float) -> None:
        # Forget callers that have been quiet for a whole window, so memory stays bounded.
        self._hits = {key: hits for key, hits in self._hits.items() if hits and hits[-1] > now - self.window}
        self._next_sweep = now + self.window
