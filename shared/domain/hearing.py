"""The hearing and its lifecycle: draft -> scheduled -> active -> awaiting conclusion -> concluded.

Start and deadline are exact instants. The stored status is brought up to date by a timer, but every
rule asks ``status_at(now)`` so a response one millisecond after the deadline is refused even if the
timer has not run yet.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field, computed_field, field_validator
from pydantic.alias_generators import to_camel

from shared.domain.access_keys import EMPLOYEES, PUBLIC, staff_key
from shared.domain.aggregate import Aggregate
from shared.domain.base import InputModel, Instant, PortalModel
from shared.domain.errors import Conflict, InvalidInput
from shared.domain.invitation import Invitee
from shared.domain.kle import Kle
from shared.domain.notification_text import NotificationTexts


class HearingStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    AWAITING_CONCLUSION = "awaiting_conclusion"
    CONCLUDED = "concluded"
    CANCELLED = "cancelled"


PUBLISHED = (
    HearingStatus.SCHEDULED,
    HearingStatus.ACTIVE,
    HearingStatus.AWAITING_CONCLUSION,
    HearingStatus.CONCLUDED,
)
MAX_DOCUMENTS = 50  # per hearing
# The list lives in the hearing document, which every response submission reads.
MAX_INVITEES = 5_000

EDITABLE = (HearingStatus.DRAFT, HearingStatus.SCHEDULED, HearingStatus.ACTIVE, HearingStatus.AWAITING_CONCLUSION)


class Visibility(StrEnum):
    EXTERNAL = "external"  # everyone may read; citizens and companies respond
    INTERNAL = "internal"  # employees only
    CLOSED = "closed"  # invitees only


class EventKind(StrEnum):
    OPENED = "opened"
    CHANGED = "changed"
    CLOSED = "closed"
    CONCLUDED = "concluded"
    CANCELLED = "cancelled"
    DEADLINE_SOON = "deadline-soon"
    REVIEWER_ADDED = "reviewer-added"  # told to the reviewers added, not to followers


class HearingEvent(PortalModel):
    """Something followers are told about. Kept in the hearing until it is handed to the queue, so a
    crash between saving the hearing and publishing loses nothing (a timer sweeps what is left)."""

    event_id: str
    kind: EventKind
    occurred_at: Instant
    # For a change: the names of the fields that changed; for reviewers added: their portal user ids.
    fields: list[str] = Field(default_factory=list)


class JournalisingState(StrEnum):
    RUNNING = "running"  # a run holds the lease; another waits until it ends or the lease runs out
    FAILING = "failing"  # the last run failed; the sweep tries again at next_attempt_at
    # The records system holds another version of one of its documents: no run can file it until a
    # person has compared the two, so the sweep leaves it and only a run asked for tries again.
    CONFLICT = "conflict"


class Journalising(PortalModel):
    """Filing into the records system while it is not done: who holds it, or why it failed and when
    it is tried again. ``reason`` names the step and the error type, never content or a person."""

    state: JournalisingState
    attempts: int = Field(default=0, ge=0, description="Failed runs so far")
    reason: str | None = None
    first_failed_at: Instant | None = None
    next_attempt_at: Instant | None = None
    lease_until: Instant | None = None


class HearingDocument(PortalModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    blob_name: str
    uploaded_at: Instant


class Rejection(StrEnum):
    """Why an upload was refused, in a word a page can explain in the reader's language."""

    SIZE = "size"  # empty, or larger than the portal accepts
    CONTENT = "content"  # its content is not an accepted format, whatever its name says
    REFUSED = "refused"  # the hearing takes no document now (its state, or it is full)
    OTHER = "other"


class RejectedUpload(PortalModel):
    """A caseworker's upload the checks refused, with the reason shown in the hearing view."""

    document_id: str
    filename: str
    reason: str
    rejected_at: Instant
    kind: Rejection = Rejection.OTHER  # uploads refused before the kind was kept show their reason as written


MAX_REJECTED_UPLOADS = 20  # the latest are kept; the audit trail has them all
MAX_AREAS = 50  # of each kind on one hearing; the admins keep far fewer
MAX_REVIEWERS = 100
# An area or a reviewer is named by an id: a reference data id, or a portal user id.
IdList = list[Annotated[str, Field(min_length=1, max_length=200)]]


class HearingEdit(InputModel):
    """What a caseworker may change by editing; only the fields set change. Status, owner, dates,
    invitees and documents change through their own rules. ``kle`` may be null to clear it."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=True,
        validate_assignment=True,
    )

    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=2000)
    body: str | None = Field(default=None, max_length=100_000)
    visibility: Visibility | None = None
    subject_area_ids: IdList | None = Field(default=None, max_length=MAX_AREAS)
    city_area_ids: IdList | None = Field(default=None, max_length=MAX_AREAS)
    kle: Kle | None = None
    reviewers: IdList | None = Field(
        default=None,
        max_length=MAX_REVIEWERS,
        description="Employees who may comment: portal user ids, or e-mail addresses of employees who have signed in",
    )

    @field_validator(
        "title", "summary", "body", "visibility", "subject_area_ids", "city_area_ids", "reviewers", mode="before"
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not set to null")
        return value

    def changed_fields(self) -> list[str]:
        return sorted(self.model_fields_set)


class Hearing(Aggregate):
    id: str
    template_id: str
    title: str
    summary: str = ""
    body: str = ""
    case_number: str
    visibility: Visibility = Visibility.EXTERNAL
    subject_area_ids: list[str] = Field(default_factory=list)
    city_area_ids: list[str] = Field(default_factory=list)
    kle: Kle | None = None
    owner: str
    owner_name: str
    reviewers: list[str] = Field(default_factory=list)
    invitees: list[Invitee] = Field(default_factory=list)
    notification_text: NotificationTexts | None = None  # the owner's subject and introduction for its notices
    status: HearingStatus = HearingStatus.DRAFT
    start: Instant | None = None
    deadline: Instant | None = None
    documents: list[HearingDocument] = Field(default_factory=list)
    rejected_uploads: list[RejectedUpload] = Field(default_factory=list)
    conclusion: str | None = None
    concluded_at: Instant | None = None
    journalised_at: Instant | None = None
    records_reference: str | None = None
    journalising: Journalising | None = None  # set while filing keeps failing; cleared once journalised
    # After journalising the hearing is archived: read-only for good, public as a concluded one.
    archived_at: Instant | None = None
    # Retention: the steps of the deletion already done (a stopped run resumes), and when it finished.
    retention_steps_done: list[str] = Field(default_factory=list)
    personal_data_deleted_at: Instant | None = None
    created_at: Instant
    updated_at: Instant
    pending_events: list[HearingEvent] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_pending_events(self) -> bool:
        """Events for the queue or entries for the trail still wait in the outbox. Stored with the
        hearing so the sweep finds such hearings with a plain equality filter."""
        return bool(self.pending_events or self.pending_audit)

    @property
    def audit_hearing_id(self) -> str:
        return self.id

    @computed_field  # type: ignore[prop-decorator]
    @property
    def access_keys(self) -> list[str]:
        """Who may see it; stored with the hearing so lists filter in the query (shared/domain/access.py)."""
        keys = [staff_key(self.owner), *(staff_key(reviewer) for reviewer in self.reviewers)]
        if self.status in PUBLISHED:
            if self.visibility is Visibility.EXTERNAL:
                keys.append(PUBLIC)
            elif self.visibility is Visibility.INTERNAL:
                keys.append(EMPLOYEES)
            else:
                keys.extend(invitee.match_key for invitee in self.invitees)
        return sorted(set(keys))

    # -- reading the clock -------------------------------------------------------------------

    def status_at(self, now: datetime) -> HearingStatus:
        if self.status is HearingStatus.SCHEDULED and self.start is not None and now >= self.start:
            status = HearingStatus.ACTIVE
        else:
            status = self.status
        if status is HearingStatus.ACTIVE and self.deadline is not None and now >= self.deadline:
            return HearingStatus.AWAITING_CONCLUSION
        return status

    def accepts_responses_at(self, now: datetime) -> bool:
        return self.status_at(now) is HearingStatus.ACTIVE

    # -- changes -------------------------------------------------------------------------------

    def edit(self, changes: HearingEdit, now: datetime) -> list[str]:
        """Apply the fields set in ``changes``; returns their names."""
        self._ensure_editable()
        names = changes.changed_fields()
        before = set(self.reviewers)
        for name in names:
            value = getattr(changes, name)
            setattr(self, name, list(value) if isinstance(value, list) else value)
        self._changed(now, names)
        # Reviewers mostly join a draft, which tells followers nothing: the added ones are told in any state.
        added = sorted({reviewer for reviewer in self.reviewers if reviewer not in before and reviewer != self.owner})
        if added:
            self._record(EventKind.REVIEWER_ADDED, now, added)
        return names

    def set_notification_text(self, texts: NotificationTexts, now: datetime) -> None:
        """The owner's words for the hearing's notices; empty texts return to the portal's own."""
        self._ensure_editable()
        self.notification_text = None if texts.empty else texts
        self.updated_at = now

    def invite(self, invitees: list[Invitee], now: datetime, replace: bool = False) -> int:
        """Add invitees (or replace the list); the same person invited twice is one invitee.
        Returns how many are invited now."""
        self._ensure_editable()
        current = [] if replace else self.invitees
        merged = {invitee.match_key: invitee for invitee in [*current, *invitees]}
        if len(merged) > MAX_INVITEES:
            raise InvalidInput(f"a closed hearing has at most {MAX_INVITEES} invitees", field="invitees")
        self.invitees = list(merged.values())
        self._changed(now, ["invitees"])
        return len(merged)

    def schedule(self, start: datetime, deadline: datetime, now: datetime) -> None:
        self.ensure_not_archived()
        if deadline <= start:
            raise InvalidInput("the deadline must be after the start", field="deadline")
        if deadline <= now:
            raise InvalidInput("the deadline must be in the future", field="deadline")
        current = self.status_at(now)
        if current in (HearingStatus.DRAFT, HearingStatus.SCHEDULED):
            if not self.title.strip():
                raise InvalidInput("a hearing needs a title before it is scheduled", field="title")
            self.start, self.deadline, self.status = start, deadline, HearingStatus.SCHEDULED
        elif current in (HearingStatus.ACTIVE, HearingStatus.AWAITING_CONCLUSION):
            # Once open, only the deadline moves; a later deadline reopens a closed hearing.
            if self.start is not None and start != self.start:
                raise Conflict("the hearing has started; only the deadline can change", field="start")
            self.advance(now)  # announce an opening or closing the timer has not recorded yet
            self.deadline, self.status = deadline, HearingStatus.ACTIVE
            self._record(EventKind.CHANGED, now, ["deadline"])
        else:
            raise Conflict(f"a {current.value} hearing cannot be scheduled", field="status")
        self.updated_at = now

    def advance(self, now: datetime) -> bool:
        """Persist what the clock already says: open at the start, close at the deadline."""
        target = self.status_at(now)
        if target is self.status:
            return False
        if self.status is HearingStatus.SCHEDULED and target in (
            HearingStatus.ACTIVE,
            HearingStatus.AWAITING_CONCLUSION,
        ):
            self._record(EventKind.OPENED, now)
        if target is HearingStatus.AWAITING_CONCLUSION:
            self._record(EventKind.CLOSED, now)
        self.status = target
        self.updated_at = now
        return True

    def conclude(self, conclusion: str, now: datetime) -> None:
        self.ensure_not_archived()
        current = self.status_at(now)
        if current is not HearingStatus.AWAITING_CONCLUSION:
            raise Conflict(
                f"only a hearing past its deadline can be concluded; this one is {current.value}", field="status"
            )
        if not conclusion.strip():
            raise InvalidInput("a conclusion text is required", field="conclusion")
        self.advance(now)
        self.status, self.conclusion, self.concluded_at = HearingStatus.CONCLUDED, conclusion, now
        self._record(EventKind.CONCLUDED, now)
        self.updated_at = now

    def cancel(self, now: datetime) -> None:
        self.ensure_not_archived()
        current = self.status_at(now)
        if current not in (HearingStatus.DRAFT, HearingStatus.SCHEDULED):
            raise Conflict(f"a {current.value} hearing cannot be cancelled", field="status")
        was_published = current is HearingStatus.SCHEDULED
        self.status = HearingStatus.CANCELLED
        if was_published:
            self._record(EventKind.CANCELLED, now)
        self.updated_at = now

    def check_takes_document(self, document_id: str | None = None) -> None:
        """May this hearing take a document? The upload ticket, the blob trigger and ``attach`` all
        ask here. A document already attached is always taken again (a retried blob trigger)."""
        self.ensure_not_archived()
        if self.status not in EDITABLE:
            raise Conflict(f"documents cannot be added to a {self.status.value} hearing", field="status")
        if document_id is not None and any(existing.id == document_id for existing in self.documents):
            return
        if len(self.documents) >= MAX_DOCUMENTS:
            raise Conflict(f"a hearing holds at most {MAX_DOCUMENTS} documents", field="documents")

    def note_rejected_upload(
        self, document_id: str, filename: str, reason: str, now: datetime, kind: Rejection = Rejection.OTHER
    ) -> bool:
        """Keep why an upload was refused; False when this upload's refusal is noted already."""
        if any(earlier.document_id == document_id for earlier in self.rejected_uploads):
            return False
        rejected = RejectedUpload(document_id=document_id, filename=filename, reason=reason, rejected_at=now, kind=kind)
        self.rejected_uploads = [*self.rejected_uploads, rejected][-MAX_REJECTED_UPLOADS:]
        return True

    def attach(self, document: HearingDocument, now: datetime) -> bool:
        self.check_takes_document(document.id)
        if any(existing.id == document.id for existing in self.documents):
            return False
        self.documents.append(document)
        self.updated_at = now
        return True

    def mark_journalised(self, reference: str, now: datetime) -> None:
        """Filed and its case closed: the hearing is journalised and archived in one change."""
        if self.status is not HearingStatus.CONCLUDED:
            raise Conflict("only a concluded hearing is journalised", field="status")
        self.journalised_at, self.records_reference, self.archived_at = now, reference, now
        self.journalising = None
        self.updated_at = now

    def start_journalising(self, now: datetime, lease: timedelta) -> bool:
        """Take the lease for one run of filing; False when journalised already or another run holds it."""
        if self.status is not HearingStatus.CONCLUDED or self.journalised_at is not None:
            return False
        earlier = self.journalising
        if earlier and earlier.state is JournalisingState.RUNNING and earlier.lease_until and earlier.lease_until > now:
            return False
        base = earlier.model_dump() if earlier else {}
        self.journalising = Journalising.model_validate(
            {**base, "state": JournalisingState.RUNNING, "lease_until": now + lease}
        )
        self.updated_at = now
        return True

    def note_journalising_failed(self, reason: str, now: datetime, retry_in: timedelta | None) -> Journalising:
        """This run failed; keep why, how often, and when the sweep tries again (``None``: a conflict in
        the records system, which only a person resolves; it is not tried again by itself)."""
        if self.status is not HearingStatus.CONCLUDED or self.journalised_at is not None:
            raise Conflict("only a concluded hearing not yet journalised can fail to be", field="status")
        earlier = self.journalising
        self.journalising = Journalising(
            state=JournalisingState.FAILING if retry_in is not None else JournalisingState.CONFLICT,
            reason=reason,
            attempts=(earlier.attempts if earlier else 0) + 1,
            first_failed_at=(earlier.first_failed_at if earlier else None) or now,
            next_attempt_at=now + retry_in if retry_in is not None else None,
        )
        self.updated_at = now
        return self.journalising

    def journalising_due(self, now: datetime) -> bool:
        """Should the sweep run it now: concluded, not journalised, not waiting for a retry or a lease."""
        if self.status is not HearingStatus.CONCLUDED or self.journalised_at is not None:
            return False
        state = self.journalising
        if state is None:
            return True
        if state.state is JournalisingState.CONFLICT:
            return False  # a person resolves it in the records system, then asks for a run
        until = state.next_attempt_at if state.state is JournalisingState.FAILING else state.lease_until
        return until is None or until <= now

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def ensure_not_archived(self) -> None:
        """An archived hearing is what the records system holds: nothing about it changes any more."""
        if self.archived_at is not None:
            raise Conflict("the hearing is journalised and archived; it cannot be changed", field="status")

    def reassign(self, owner: str, owner_name: str, now: datetime) -> str:
        """Give the hearing to another employee (say, when its caseworker leaves); returns the former owner.

        Followers are not told: who runs a hearing is not news to them. An archived hearing keeps its owner.
        """
        self.ensure_not_archived()
        if owner == self.owner:
            raise Conflict("this employee owns the hearing already", field="owner")
        former, self.owner, self.owner_name = self.owner, owner, owner_name
        self.updated_at = now
        return former

    def take_pending_events(self) -> list[HearingEvent]:
        events, self.pending_events = self.pending_events, []
        return events

    def _ensure_editable(self) -> None:
        self.ensure_not_archived()
        if self.status not in EDITABLE:
            raise Conflict(f"a {self.status.value} hearing cannot be edited", field="status")

    def warn_deadline(self, now: datetime) -> str | None:
        """Record that the deadline is near; the event is named by the deadline, so a moved deadline
        warns again. Returns the event id, or None when the hearing takes no responses."""
        if self.deadline is None or self.status_at(now) is not HearingStatus.ACTIVE:
            return None
        return self._record(EventKind.DEADLINE_SOON, now)

    def _changed(self, now: datetime, fields: list[str]) -> None:
        if self.status is not HearingStatus.DRAFT:
            self._record(EventKind.CHANGED, now, fields)
        self.updated_at = now

    def _record(self, kind: EventKind, now: datetime, fields: list[str] | None = None) -> str:
        # Deterministic ids: the same change recorded twice is one message on the queue. A closing
        # is named by its deadline, so a hearing reopened and closed again announces both.
        if kind is EventKind.CHANGED:
            event_id = f"{self.id}:{kind.value}:{now.strftime('%Y%m%dT%H%M%S%f')}"
        elif kind is EventKind.REVIEWER_ADDED:  # named by whom and when: one removed and added again is told again
            added = hashlib.sha256("\n".join(sorted(fields or [])).encode()).hexdigest()[:16]
            event_id = f"{self.id}:{kind.value}:{now.strftime('%Y%m%dT%H%M%S%f')}:{added}"
        elif kind in (EventKind.CLOSED, EventKind.DEADLINE_SOON) and self.deadline is not None:
            event_id = f"{self.id}:{kind.value}:{self.deadline.strftime('%Y%m%dT%H%M%S%f')}"
        else:
            event_id = f"{self.id}:{kind.value}"
        if all(event.event_id != event_id for event in self.pending_events):
            self.pending_events.append(
                HearingEvent(event_id=event_id, kind=kind, occurred_at=now, fields=sorted(fields or []))
            )
        return event_id
