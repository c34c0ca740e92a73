"""Rate limiting per identity (not per IP: many citizens share a municipal or mobile network address)."""

from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    def acquire(self, key: str) -> float | None:
        """Count one attempt for ``key``; None when allowed, else the seconds to wait before retrying."""
        ...
