"""Following a hearing, a subject area, a city area or a KLE number."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.domain.base import Instant, PortalModel
from shared.domain.identity import Identity

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
    address: str  # e-mail address, or the subscriber's subject for Digital Post
    created_at: Instant
    # The follower's access keys when they followed (hashed, never a CPR number): nobody is told
    # about a hearing they may no longer see.
    viewer_keys: list[str] = Field(default_factory=list)

    @classmethod
    def follow(
        cls, who: Identity, kind: TargetKind, target_id: str, now: datetime, viewer_keys: Iterable[str] = ()
    ) -> Subscription:
        target = target_key(kind, target_id)
        channel, address = ("email", who.email) if who.email else ("digital-post", who.subject)
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
        )
