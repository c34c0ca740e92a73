"""Notification port: e-mail or Digital Post in Azure (later), a local outbox folder embedded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Channel = Literal["email", "digital-post"]


@dataclass(frozen=True)
class Notification:
    """A rendered message. ``notification_id`` is deterministic so a redelivery sends nothing twice."""

    notification_id: str
    channel: Channel
    recipient: str
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    def send(self, notification: Notification) -> bool:
        """Deliver once; returns False when this notification id was already delivered."""
        ...
