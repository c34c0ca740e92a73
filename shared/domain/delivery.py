"""Delivery status of one notification to one recipient, and when to try again.

A delivery is queued, then sent, or failed with a reason. A failure that may pass is tried
again after a backoff that grows exponentially with jitter (so a channel that was down is not hit
by every waiting message at once) and is bounded both in wait and in attempts.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from shared.domain.base import Instant, PortalModel

FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
MAX_ATTEMPTS = 8
MAX_ERROR_LENGTH = 500


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class RecipientKind(StrEnum):
    EMAIL = "email"
    CPR = "cpr"
    CVR = "cvr"


class DeliveryChannel(StrEnum):
    EMAIL = "email"
    DIGITAL_POST = "digital-post"


def backoff(attempts: int, *, draw: Callable[[], float] = random.random) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1 for the first).

    Half the exponential wait is fixed and half is random ("equal jitter"): never zero, spread out,
    and never longer than ``LONGEST_WAIT``. ``draw`` returns a number in [0, 1).
    """
    if attempts < 1:
        raise ValueError("attempts counts from 1")
    ceiling = min(LONGEST_WAIT, FIRST_RETRY * (1 << min(attempts - 1, 30)))
    return ceiling / 2 + ceiling / 2 * draw()


class Delivery(PortalModel):
    notification_id: str = Field(min_length=1)
    recipient_kind: RecipientKind
    channel: DeliveryChannel
    state: DeliveryState = DeliveryState.QUEUED
    attempts: int = Field(default=0, ge=0)
    last_error: str | None = None
    next_attempt_at: Instant | None = None

    def sent(self) -> Delivery:
        return self.model_copy(
            update={"state": DeliveryState.SENT, "attempts": self.attempts + 1, "next_attempt_at": None}
        )

    def attempt_failed(
        self, reason: str, now: datetime, *, permanent: bool = False, draw: Callable[[], float] = random.random
    ) -> Delivery:
        """Counts the attempt; queued again after a backoff, or failed when it cannot pass or attempts ran out."""
        attempts = self.attempts + 1
        gives_up = permanent or attempts >= MAX_ATTEMPTS
        return self.model_copy(
            update={
                "state": DeliveryState.FAILED if gives_up else DeliveryState.QUEUED,
                "attempts": attempts,
                "last_error": reason[:MAX_ERROR_LENGTH],
                "next_attempt_at": None if gives_up else now + backoff(attempts, draw=draw),
            }
        )

    def deferred(self, after: timedelta, now: datetime, reason: str) -> Delivery:
        """The channel asked to wait (Retry-After): queued again without spending an attempt."""
        wait = min(max(after, timedelta()), LONGEST_WAIT)
        return self.model_copy(
            update={
                "state": DeliveryState.QUEUED,
                "last_error": reason[:MAX_ERROR_LENGTH],
                "next_attempt_at": now + wait,
            }
        )
