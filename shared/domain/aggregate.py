"""An aggregate carries its own outbox: the audit entries of a change wait in the same document.

The audit trail lives in its own container (partitioned by hearing), and Cosmos DB writes several
documents atomically only within one container and one partition. So a change and the entries
that describe it are written as one document; a relay copies the entries to the trail right after
(each with the id it got here, so copying twice keeps one) and empties the outbox. A crash in
between leaves the entries in the document, where the sweep and the trail reader find them.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.domain.audit import AuditEvent
from shared.domain.base import PortalModel
from shared.domain.identity import Identity


class Aggregate(PortalModel):
    pending_audit: list[AuditEvent] = Field(default_factory=list)

    @property
    def audit_hearing_id(self) -> str:
        """The trail an entry belongs to: every entry is filed under its hearing."""
        raise NotImplementedError

    def record_audit(
        self,
        who: Identity | None,
        action: str,
        now: datetime,
        target: str | None = None,
        event_id: str | None = None,
        **details: str,
    ) -> AuditEvent:
        """Note an audit entry to be written together with this change."""
        entry = AuditEvent.record(who, self.audit_hearing_id, action, now, target=target, event_id=event_id, **details)
        if all(waiting.id != entry.id for waiting in self.pending_audit):
            self.pending_audit.append(entry)
        return entry

    def take_audit(self) -> list[AuditEvent]:
        entries, self.pending_audit = self.pending_audit, []
        return entries
