"""Runs one function invocation: counts it as activity and logs its outcome like the Functions host."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from local_host.activity import Activity
from local_host.catalog import FunctionSpec

log = logging.getLogger("local_host.functions")


class Invoker:
    def __init__(self, activity: Activity) -> None:
        self.activity = activity

    def invoke(self, spec: FunctionSpec, argument: object, reason: str, quiet: bool = False) -> Any:
        """Call from a worker thread; re-raises what the function raised after logging it.

        ``quiet`` leaves successes unlogged (HTTP requests get their own access line).
        """
        invocation_id = uuid.uuid4().hex[:8]
        started = time.perf_counter()
        with self.activity.invocation():
            try:
                result = spec.call(argument)
            except Exception as error:
                elapsed = _ms(started)
                log.error(
                    "Executed '%s' (Failed, Reason=%s, Id=%s, Duration=%dms): %s: %s",
                    spec.name,
                    reason,
                    invocation_id,
                    elapsed,
                    type(error).__name__,
                    error,
                    exc_info=error,
                )
                raise
        if not quiet:
            log.info(
                "Executed '%s' (Succeeded, Reason=%s, Id=%s, Duration=%dms)",
                spec.name,
                reason,
                invocation_id,
                _ms(started),
            )
        return result


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
