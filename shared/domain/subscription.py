"""Following a hearing, a subject area, a city area or a KLE number."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from shared.domain.base import Instant, PortalModel
from shared.domain.identity import Identity
from shared.domain.preferences import Frequency, Preferences

_SUBSCRIPTION_NAMESPACE = uuid.UUID("0b7f4c0e-54a2-4f51-8d2c-8c1a9f3b6d71")


class TargetKind(StrEnum):
    HEARING = "hearing"
    SUBJECT_AREA = "subject-area"
    CITY_AREA = "city-area"
    KLE = "kle"


def target_key(kind: TargetKind, target_id: str) -> str:
    return f"{kind.value}:{target_id}"


class Subscription(PortalModel):
    id: str
    target: str  # partition key: "hearing:<id>"
    target_kind: TargetKind
    target_id: str
    subscriber: str
    channel: str  # "email" for employees with an address, else "digital-post"
    # An e-mail address, or for Digital Post "cpr-sealed:<sealed CPR>" / "cvr:<CVR>" (the channel's
    # adapter unseals it at the last moment), or the subscriber's subject when neither is known.
    address: str
    created_at: Instant
    # The follower's access keys when they followed (hashed, never a CPR number): nobody is told
    # about a hearing they may no longer see.
    viewer_keys: list[str] = Field(default_factory=list)
    # The person's preferences, copied onto each follow so a fan-out to 100,000 followers reads no
    # second document per follower; changing the preferences rewrites the person's few follows.
    language: Literal["da", "en"] = "da"
    frequency: Frequency = Frequency.IMMEDIATELY

    @classmethod
    def follow(
        cls,
        who: Identity,
        kind: TargetKind,
        target_id: str,
        now: datetime,
        viewer_keys: Iterable[str] = (),
        *,
        sealed_cpr: str | None = None,
        preferences: Preferences | None = None,
    ) -> Subscription:
        target = target_key(kind, target_id)
        channel, address = reach(who, sealed_cpr, preferences)
        return cls(
            id=str(uuid.uuid5(_SUBSCRIPTION_NAMESPACE, f"{target}\n{who.subject}")),
            target=target,
            target_kind=kind,
            target_id=target_id,
            subscriber=who.subject,
            channel=channel,
            address=address,
            created_at=now,
            viewer_keys=sorted(viewer_keys),
            language=preferences.language if preferences else "da",
            frequency=preferences.frequency if preferences else Frequency.IMMEDIATELY,
        )

    def with_preferences(self, who: Identity, sealed_cpr: str | None, preferences: Preferences) -> Subscription:
        channel, address = reach(who, sealed_cpr, preferences)
        return self.model_copy(
            update={
                "channel": channel,
                "address": address,
                "language": preferences.language,
                "frequency": preferences.frequency,
            }
        )


def reach(who: Identity, sealed_cpr: str | None, preferences: Preferences | None) -> tuple[str, str]:
    """The channel and address a person is told on: e-mail where there is an address and it is not
    declined, else Digital Post to their CPR number (sealed) or their company's CVR number."""
    wants_post = preferences is not None and preferences.channel == "digital-post"
    if who.email and not wants_post:
        return "email", who.email
    if sealed_cpr:
        return "digital-post", f"cpr-sealed:{sealed_cpr}"
    if who.cvr:
        return "digital-post", f"cvr:{who.cvr}"
    if who.email:
        return "email", who.email
    return "digital-post", who.subject
