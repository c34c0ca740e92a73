"""The audit trail: append-only events for every state change and every employee read of personal data.

Events name people by their portal subject, never by CPR number, and carry no response texts.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from shared.domain.base import Instant, PortalModel
from shared.domain.identity import Identity

SYSTEM = "system"


class AuditEvent(PortalModel):
    id: str
    hearing_id: str
    at: Instant
    actor: str  # a portal subject, or "system" for timers and queue consumers
    actor_kind: str
    action: str  # e.g. "hearing.scheduled", "response.approved", "personal-data.read"
    target: str | None = None  # e.g. "response:<id>"
    details: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def record(
        cls,
        who: Identity | None,
        hearing_id: str,
        action: str,
        now: datetime,
        target: str | None = None,
        event_id: str | None = None,
        **details: str,
    ) -> AuditEvent:
        return cls(
            id=event_id or str(uuid.uuid4()),
            hearing_id=hearing_id,
            at=now,
            actor=who.subject if who else SYSTEM,
            actor_kind=who.kind.value if who else SYSTEM,
            action=action,
            target=target,
            details=details,
        )
