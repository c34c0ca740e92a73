"""Notification port: e-mail (Graph or SMTP) and Digital Post in Azure, a local outbox folder embedded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Channel = Literal["email", "digital-post"]
Language = Literal["da", "en"]


@dataclass(frozen=True)
class Attachment:
    """A file sent with a notification, such as a meeting's ``.ics``."""

    filename: str
    content_type: str  # the MIME type with its parameters, e.g. "text/calendar; method=REQUEST"
    data: bytes


@dataclass(frozen=True)
class Unsubscribe:
    """Where a recipient stops these messages (RFC 2369 ``List-Unsubscribe``, one-click per RFC 8058)."""

    url: str | None = None  # https, answers a POST of "List-Unsubscribe=One-Click" without sign-in
    mailto: str | None = None  # an address, e.g. "unsubscribe@kommune.dk?subject=stop-42"

    def headers(self) -> dict[str, str]:
        """The header fields an e-mail carries; one-click only where there is a URL to POST to."""
        targets = [f"<{self.url}>"] if self.url else []
        if self.mailto:
            targets.append(f"<mailto:{self.mailto.removeprefix('mailto:')}>")
        if not targets:
            return {}
        headers = {"List-Unsubscribe": ", ".join(targets)}
        if self.url:
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return headers


@dataclass(frozen=True)
class Notification:
    """A rendered message. ``notification_id`` is deterministic so a redelivery sends nothing twice."""

    notification_id: str
    channel: Channel
    recipient: str
    subject: str
    text: str
    html: str
    language: Language = "da"
    unsubscribe: Unsubscribe | None = None
    attachments: tuple[Attachment, ...] = ()


class DeliveryError(Exception):
    """The channel did not take the message; trying again later may work (counts as an attempt)."""


class RetryLater(DeliveryError):
    """The channel asked to wait ``after`` seconds (Retry-After): re-schedule without counting an attempt."""

    def __init__(self, detail: str, after: float) -> None:
        super().__init__(detail)
        self.after = after


class Undeliverable(DeliveryError):
    """The message can never be delivered as it is (a bad recipient or content): do not try again."""


class Mailer(Protocol):
    def send(self, notification: Notification) -> bool:
        """Deliver once; returns False when this notification id was already delivered.

        Raises ``RetryLater``, ``Undeliverable`` or another ``DeliveryError`` when it was not delivered.
        """
        ...
