"""One notification to one person: who it goes to, its delivery record, and the unsubscribe token.

Every notification has a deterministic id made from what it is about (an event) and whom it is for,
so a redelivered queue message finds the record it made the first time and sends nothing twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shared.domain.base import Instant, PortalModel
from shared.domain.delivery import Delivery, DeliveryChannel, DeliveryState, RecipientKind
from shared.domain.preferences import Frequency

_NOTIFICATION_NAMESPACE = uuid.UUID("9d3a4f60-2b1e-4c8f-a6d2-71e5c0b4f813")


def notification_id(about: str, person: str) -> str:
    """The same id for the same message to the same person, however often it is worked out."""
    return str(uuid.uuid5(_NOTIFICATION_NAMESPACE, f"{about}\n{person}"))


class Recipient(PortalModel):
    """Whom a notification goes to. ``person`` is what identifies them for deduplication: a subject,
    or an invitee's match key; ``address`` is what the channel needs (see ``Subscription.address``)."""

    person: str
    channel: Literal["email", "digital-post"]
    address: str
    language: Literal["da", "en"] = "da"
    subscriber: str | None = None  # a follower, who may unsubscribe; None for invitees and respondents
    target: str | None = None  # what they follow that brought them this ("hearing:<id>"), for the unsubscribe link
    frequency: Frequency = Frequency.IMMEDIATELY

    @property
    def kind(self) -> RecipientKind:
        if self.channel == "email":
            return RecipientKind.EMAIL
        return RecipientKind.CVR if self.address.startswith("cvr:") else RecipientKind.CPR

    @property
    def masked(self) -> str:
        return mask(self.channel, self.address)


def mask(channel: str, address: str) -> str:
    """What an owner may see of a recipient: enough to tell two apart, never the address itself."""
    if channel == "email" and "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    kind, _, value = address.partition(":")
    if kind == "cvr" and value:
        return f"CVR {value[:2]}******"
    if kind == "cpr-sealed":
        return "Digital Post (CPR)"
    return "Digital Post"


class DeliveryRecord(PortalModel):
    """The delivery of one notification to one person, in the ``deliveries`` container by hearing.

    A record made from an event is rendered again from the hearing when it is retried (``template``
    and ``params``); a message rendered elsewhere (a meeting invitation) keeps its parts here.
    """

    id: str  # the notification id
    hearing_id: str
    about: str  # the event or message id it was made from
    template: str
    params: dict[str, Any] = Field(default_factory=dict)
    recipient: Recipient
    shown_recipient: str  # masked
    delivery: Delivery
    created_at: Instant
    updated_at: Instant
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    attachments: list[dict[str, str]] = Field(default_factory=list)  # filename, contentType, base64 data
    # Copied from the delivery so the retry sweep and the owner's list filter with plain fields.
    state: DeliveryState = DeliveryState.QUEUED
    next_attempt_at: Instant | None = None

    @classmethod
    def new(
        cls,
        hearing_id: str,
        about: str,
        template: str,
        recipient: Recipient,
        now: datetime,
        params: dict[str, Any] | None = None,
    ) -> DeliveryRecord:
        delivery = Delivery(
            notification_id=notification_id(about, recipient.person),
            recipient_kind=recipient.kind,
            channel=DeliveryChannel(recipient.channel),
            next_attempt_at=now,  # a crash before the first attempt leaves it to the retry sweep
        )
        return cls(
            id=delivery.notification_id,
            hearing_id=hearing_id,
            about=about,
            template=template,
            params=params or {},
            recipient=recipient,
            shown_recipient=recipient.masked,
            delivery=delivery,
            created_at=now,
            updated_at=now,
            next_attempt_at=now,
        )

    def moved_on(self, delivery: Delivery, now: datetime) -> DeliveryRecord:
        return self.model_copy(
            update={
                "delivery": delivery,
                "state": delivery.state,
                "next_attempt_at": delivery.next_attempt_at,
                "updated_at": now,
            }
        )


# -- one-click unsubscribe --------------------------------------------------------------------------

EVERYTHING = "*"


class UnsubscribeClaim(PortalModel):
    subscriber: str
    target: str  # "hearing:<id>", "subject-area:<id>", ... or "*" for every follow and digest


def unsubscribe_token(key: bytes, claim: UnsubscribeClaim) -> str:
    """A token that says whom and what, signed with HMAC-SHA-256; it needs no sign-in to use."""
    payload = _b64(json.dumps([claim.subscriber, claim.target], separators=(",", ":")).encode())
    return f"{payload}.{_b64(_mac(key, payload))}"


def read_unsubscribe_token(key: bytes, token: str) -> UnsubscribeClaim | None:
    """The claim of a token this portal signed; None for anything else."""
    payload, _, signature = token.partition(".")
    try:
        if not hmac.compare_digest(base64.urlsafe_b64decode(_pad(signature)), _mac(key, payload)):
            return None
        subscriber, target = json.loads(base64.urlsafe_b64decode(_pad(payload)))
    except (ValueError, TypeError):
        return None
    if not isinstance(subscriber, str) or not isinstance(target, str):
        return None
    return UnsubscribeClaim(subscriber=subscriber, target=target)


def _mac(key: bytes, payload: str) -> bytes:
    return hmac.new(key, b"unsubscribe\n" + payload.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _pad(text: str) -> bytes:
    return (text + "=" * (-len(text) % 4)).encode()
