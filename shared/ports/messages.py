"""Message port: Azure Service Bus in Azure, a durable SQLite queue embedded.

Consumption is the Functions queue trigger (Service Bus) or the local host's queue worker
(embedded), so the port only sends. Every message carries a deterministic id derived from what
it is about, so the broker's duplicate detection drops a message published twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str
    body: dict[str, Any]
    subject: str = ""
    properties: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":"), sort_keys=True).encode()


class MessageBus(Protocol):
    def publish(self, queue: str, message: OutgoingMessage) -> None:
        """Durably hand the message to the broker before returning."""
        ...

    def publish_many(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        """Durably hand all the messages to the broker before returning, in order, in as few round trips
        as the broker allows; duplicate detection applies to each. On failure some may have been taken."""
        ...

    def check(self) -> None:
        """A cheap round trip to the backing service for the health answer; raises when it is down."""
        ...


class DeferredBus(Protocol):
    """Hands messages on shortly after the caller has moved on, batched with others.

    Only for messages whose loss a sweep repairs: a process that ends before its hand-off (a crash, a
    scale-in) loses what it still held. The answer to a respondent does not wait for the broker.
    """

    def publish_soon(self, queue: str, message: OutgoingMessage) -> None: ...
