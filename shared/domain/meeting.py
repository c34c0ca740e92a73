"""Public meetings (borgermøder) held during a hearing: sign-up, the waiting list, changes, cancellation.

A meeting is its own aggregate (one document per meeting, in the hearing's partition), so signing up
for one meeting never contends with the hearing or with another meeting. The people told about a
change are noted in the meeting's outbox (``notices``) in the same write as the change; a notice
keeps its id until it is delivered, so sending it again after a crash sends nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import Field, computed_field

from shared.domain.aggregate import Aggregate
from shared.domain.base import Instant, PortalModel
from shared.domain.errors import Conflict, InvalidInput, NotFound, StaleWrite
from shared.domain.identity import IdentityKind

MAX_CAPACITY = 10_000
# A reminder goes out once, the day before: for a meeting starting within this window of the
# hourly run. Its width lets a few missed runs pass, and a sign-up a few hours before the meeting
# gets its invitation without a reminder right after it.
REMINDER_WINDOW = (timedelta(hours=20), timedelta(hours=25))

ShortfallChoice = Literal["keep-attendees", "move-latest-to-waiting-list"]


class AttendeeStatus(StrEnum):
    ATTENDING = "attending"
    WAITING = "waiting"


class NoticeKind(StrEnum):
    INVITATION = "invitation"  # signed up, or moved up from the waiting list
    CHANGED = "changed"
    CANCELLED = "cancelled"
    REMINDER = "reminder"
    WAITING = "waiting"  # moved from the attendees to the waiting list when the capacity went down


class Change(StrEnum):
    """What changed, as a key; the message says it in the recipient's language."""

    TITLE = "title"
    TIME = "time"
    PLACE = "place"
    ACCESSIBILITY = "accessibility"
    DESCRIPTION = "description"


# What an attendee's calendar must hear about: a new SEQUENCE for these.
CALENDAR_CHANGES = frozenset({Change.TITLE, Change.TIME, Change.PLACE, Change.DESCRIPTION})


class Attendee(PortalModel):
    """Someone signed up. Personal data: shown to the hearing's owner and admins only."""

    subject: str
    name: str
    kind: IdentityKind
    company_name: str | None = None
    channel: Literal["email", "digital-post"]
    # A sealed e-mail address, or a Digital Post address ("cpr-sealed:<sealed>", "cvr:<number>").
    address: str
    signed_up_at: Instant


class Notice(PortalModel):
    """Someone to be told something about this meeting, waiting in the outbox until it is sent."""

    id: str
    kind: NoticeKind
    subject: str
    changes: list[Change] = Field(default_factory=list)


class MeetingPlan(PortalModel):
    """The fields an owner sets; checked together, so a meeting always has a time and a place."""

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5_000)
    starts_at: Instant
    ends_at: Instant
    location: str | None = Field(default=None, max_length=500)
    online_url: str | None = Field(default=None, max_length=2_000)
    capacity: int = Field(ge=1, le=MAX_CAPACITY)
    accessibility: str = Field(default="", max_length=2_000)


def check_plan(plan: MeetingPlan) -> None:
    if plan.ends_at <= plan.starts_at:
        raise InvalidInput("a meeting ends after it starts", field="endsAt")
    if not plan.location and not plan.online_url:
        raise InvalidInput("give a place or an online link", field="location")
    if plan.online_url and not plan.online_url.startswith("https://"):
        raise InvalidInput("an online link starts with https://", field="onlineUrl")


class Meeting(Aggregate):
    id: str
    hearing_id: str
    title: str
    description: str = ""
    starts_at: Instant
    ends_at: Instant
    location: str | None = None
    online_url: str | None = None
    capacity: int
    accessibility: str = ""
    sequence: int = 0  # grows with every change a calendar must hear about
    revision: int = 0  # grows with every change its owners make; sign-ups leave it as it is
    cancelled: bool = False
    created_by: str
    created_at: Instant
    updated_at: Instant
    attendees: list[Attendee] = Field(default_factory=list)  # in the order they signed up
    waiting_list: list[Attendee] = Field(default_factory=list)  # first come, first moved up
    notices: list[Notice] = Field(default_factory=list)
    notices_made: int = 0
    reminded_for: Instant | None = None  # the start the reminder was sent for

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_pending_audit(self) -> bool:
        return bool(self.pending_audit)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_pending_notices(self) -> bool:
        return bool(self.notices)

    @property
    def audit_hearing_id(self) -> str:
        return self.hearing_id

    @classmethod
    def plan(cls, hearing_id: str, plan: MeetingPlan, by: str, now: datetime) -> Meeting:
        check_plan(plan)
        if plan.starts_at <= now:
            raise InvalidInput("a meeting is planned for a time still to come", field="startsAt")
        return cls(
            id=str(uuid.uuid4()),
            hearing_id=hearing_id,
            **plan.model_dump(),
            created_by=by,
            created_at=now,
            updated_at=now,
        )

    # -- what the public sees ----------------------------------------------------------------------

    @property
    def free_places(self) -> int:
        return max(0, self.capacity - len(self.attendees))

    def has_started(self, now: datetime) -> bool:
        return now >= self.starts_at

    def status_of(self, subject: str) -> AttendeeStatus | None:
        if any(a.subject == subject for a in self.attendees):
            return AttendeeStatus.ATTENDING
        if any(a.subject == subject for a in self.waiting_list):
            return AttendeeStatus.WAITING
        return None

    def waiting_position(self, subject: str) -> int | None:
        """1 is next in line."""
        for position, person in enumerate(self.waiting_list, 1):
            if person.subject == subject:
                return position
        return None

    def as_plan(self) -> MeetingPlan:
        return MeetingPlan.model_validate(self.model_dump(include=set(MeetingPlan.model_fields)))

    # -- signing up and cancelling -----------------------------------------------------------------

    def sign_up(self, person: Attendee, now: datetime) -> tuple[AttendeeStatus, bool]:
        """Attending while there are free places, else on the waiting list. Returns the status and
        whether this call changed anything: signing up again keeps the first sign-up."""
        current = self.status_of(person.subject)
        if current is not None:
            return current, False
        self._open_for_sign_up(now)
        if self.free_places > 0:
            self.attendees.append(person)
            self._notice(NoticeKind.INVITATION, person.subject)
            status = AttendeeStatus.ATTENDING
        else:
            self.waiting_list.append(person)
            status = AttendeeStatus.WAITING
        self.updated_at = now
        return status, True

    def withdraw(self, subject: str, now: datetime) -> bool:
        """Cancel a sign-up; a freed place goes to the first on the waiting list, who is told.
        Returns whether there was a sign-up to cancel."""
        if self.status_of(subject) is None:
            return False
        if self.has_started(now):
            raise Conflict("the meeting has started; a sign-up can no longer be cancelled", field="meetingId")
        self.attendees = [a for a in self.attendees if a.subject != subject]
        self.waiting_list = [a for a in self.waiting_list if a.subject != subject]
        self._fill_from_waiting_list()
        self.updated_at = now
        return True

    # -- the owner's changes -----------------------------------------------------------------------

    @property
    def version(self) -> str:
        """The plan's version as an entity tag: what an owner's change names with If-Match. People signing
        up or off do not move it, so they never make an owner's change stale."""
        return f'"plan-{self.revision}"'

    def ensure_version(self, expected: str) -> None:
        if expected != self.version:
            raise StaleWrite("someone changed the meeting after you read it", field="If-Match")

    def change(self, plan: MeetingPlan, now: datetime, shortfall: ShortfallChoice | None = None) -> list[Change]:
        """Apply a new plan. Attendees are told what changed; a calendar change raises the sequence.

        The capacity never drops below the attendees without ``shortfall`` saying what to do:
        keep them all (nobody new until there is room) or move the latest to the front of the
        waiting list (who are told).
        """
        self._still_to_come(now)
        check_plan(plan)
        if plan.starts_at != self.starts_at and plan.starts_at <= now:
            raise InvalidInput("a meeting is moved to a time still to come", field="startsAt")
        if plan.capacity < len(self.attendees) and shortfall is None:
            raise Conflict(
                f"{len(self.attendees)} people are signed up; choose keep-attendees or move-latest-to-waiting-list",
                field="capacityShortfall",
            )
        changes = self._changes(plan)
        for name in MeetingPlan.model_fields:
            setattr(self, name, getattr(plan, name))
        attending = [a.subject for a in self.attendees]
        if changes:
            if CALENDAR_CHANGES.intersection(changes):
                self.sequence += 1
            for subject in attending:
                self._notice(NoticeKind.CHANGED, subject, changes)
        if shortfall == "move-latest-to-waiting-list" and len(self.attendees) > self.capacity:
            moved = self.attendees[self.capacity :]
            self.attendees = self.attendees[: self.capacity]
            self.waiting_list = moved + self.waiting_list
            for person in moved:
                self._notice(NoticeKind.WAITING, person.subject)
        self._fill_from_waiting_list()
        self.updated_at = now
        self.revision += 1
        return changes

    def cancel(self, now: datetime) -> bool:
        """Cancel the meeting and tell everyone signed up. Returns False when it was cancelled already."""
        if self.cancelled:
            return False
        self._still_to_come(now)
        self.cancelled = True
        self.sequence += 1
        self.revision += 1
        for person in [*self.attendees, *self.waiting_list]:
            self._notice(NoticeKind.CANCELLED, person.subject)
        self.updated_at = now
        return True

    # -- the reminder and the outbox ---------------------------------------------------------------

    def due_for_reminder(self, now: datetime) -> bool:
        early, late = REMINDER_WINDOW
        return (
            not self.cancelled and self.reminded_for != self.starts_at and now + early <= self.starts_at <= now + late
        )

    def remind(self, now: datetime) -> int:
        """Note a reminder for every attendee, once per start time. Returns how many were noted."""
        if not self.due_for_reminder(now):
            return 0
        self.reminded_for = self.starts_at
        for person in self.attendees:
            self._notice(NoticeKind.REMINDER, person.subject)
        return len(self.attendees)

    def person(self, subject: str) -> Attendee | None:
        return next((a for a in [*self.attendees, *self.waiting_list] if a.subject == subject), None)

    def take_notices(self) -> list[Notice]:
        taken, self.notices = self.notices, []
        return taken

    def _notice(self, kind: NoticeKind, subject: str, changes: list[Change] | None = None) -> None:
        # Numbered per meeting, so a notice sent again after a crash keeps its id and the second
        # sign-up of someone who cancelled in between is a new message.
        self.notices_made += 1
        notice_id = f"{self.id}:{self.notices_made}"
        self.notices.append(Notice(id=notice_id, kind=kind, subject=subject, changes=list(changes or [])))

    def _fill_from_waiting_list(self) -> None:
        while self.waiting_list and self.free_places > 0 and not self.cancelled:
            promoted = self.waiting_list.pop(0)
            self.attendees.append(promoted)
            self._notice(NoticeKind.INVITATION, promoted.subject)

    def _open_for_sign_up(self, now: datetime) -> None:
        if self.cancelled:
            raise Conflict("the meeting is cancelled", field="meetingId")
        if self.has_started(now):
            raise Conflict("the meeting has started or is over", field="meetingId")

    def _still_to_come(self, now: datetime) -> None:
        if self.cancelled:
            raise Conflict("the meeting is cancelled", field="meetingId")
        if self.has_started(now):
            raise Conflict("the meeting has started or is over and can no longer be changed", field="meetingId")

    def _changes(self, plan: MeetingPlan) -> list[Change]:
        changes: list[Change] = []
        if plan.title != self.title:
            changes.append(Change.TITLE)
        if (plan.starts_at, plan.ends_at) != (self.starts_at, self.ends_at):
            changes.append(Change.TIME)
        if (plan.location, plan.online_url) != (self.location, self.online_url):
            changes.append(Change.PLACE)
        if plan.accessibility != self.accessibility:
            changes.append(Change.ACCESSIBILITY)
        if plan.description != self.description:
            changes.append(Change.DESCRIPTION)
        return changes


def require_person(meeting: Meeting, subject: str) -> Attendee:
    person = meeting.person(subject)
    if person is None:
        raise NotFound("not signed up for this meeting", field="meetingId")
    return person
