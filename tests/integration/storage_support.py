"""Shared helpers for the storage integration tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(attempt: Callable[[], T | None], *, timeout: float = 10.0, interval: float = 0.02) -> T:
    """Call ``attempt`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = attempt()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing happened within {timeout} seconds")
        time.sleep(interval)
