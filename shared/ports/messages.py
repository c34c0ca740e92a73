"""Message port: Azure Service Bus in Azure, a durable SQLite queue embedded.

Consumption is the Functions queue trigger (Service Bus) or the local host's queue worker
(embedded), so the port only sends. Every message carries a deterministic id derived from what
it is about, so the broker's duplicate detection drops a message published twice.
"""

from __future__ import annotations

import json
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

    def check(self) -> None:
        """A cheap round trip to the backing service for the health answer; raises when it is down."""
        ...
