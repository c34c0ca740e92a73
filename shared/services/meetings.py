"""Public meetings: the owner plans them, signed-in people sign up, attendees get invitations and reminders.

Meetings follow their hearing's visibility: whoever may see the hearing sees its meetings, with
counts and free places; the attendee lists are personal data for the owner and admins only, and
every read or export of them is written to the hearing's audit trail.

Every change is one write (the meeting with its trail entries and the notices it causes, see
``shared.domain.meeting``); the notices are delivered right after and, if that fails, by the hourly
timer. All mail leaves through ``meeting_notices.send``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import Field, ValidationError

from shared.domain import access
from shared.domain.access import Viewer
from shared.domain.audit import AuditEvent
from shared.domain.base import COPENHAGEN, InputModel, Instant, PortalModel, format_instant
from shared.domain.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    StaleWrite,
    raises,
)
from shared.domain.hearing import EDITABLE, Hearing, HearingStatus
from shared.domain.identity import Identity, IdentityKind
from shared.domain.meeting import (
    MAX_CAPACITY,
    REMINDER_WINDOW,
    Attendee,
    AttendeeStatus,
    Meeting,
    MeetingPlan,
    ShortfallChoice,
)
from shared.domain.text import OneLine, VisibleLine
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.mail import Mailer
from shared.ports.messages import MessageBus
from shared.ports.vault import PersonalDataVault
from shared.services import meeting_exports, meeting_notices
from shared.services.guards import managed_hearing, visible_hearing
from shared.services.meeting_calendar import Method, meeting_ics
from shared.services.meeting_notices import deliver
from shared.services.repositories import AuditRepository, HearingRepository, Loaded, MeetingRepository
from shared.services.unit_of_work import UnitOfWork, relay
from shared.services.viewers import viewer_of
from shared.settings import Settings

log = logging.getLogger(__name__)

# People sign up while the hearing is published and not yet concluded.
_SIGN_UP_STATUSES = (HearingStatus.SCHEDULED, HearingStatus.ACTIVE, HearingStatus.AWAITING_CONCLUSION)

# -- what callers send and get ------------------------------------------------------------------------


class MeetingRequest(InputModel):
    title: VisibleLine = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5_000)
    starts_at: Instant = Field(description="Copenhagen wall-clock time, or with an explicit offset")
    ends_at: Instant
    location: OneLine | None = Field(default=None, max_length=500)
    online_url: OneLine | None = Field(default=None, max_length=2_000)
    capacity: int = Field(ge=1, le=MAX_CAPACITY)
    accessibility: str = Field(default="", max_length=2_000, description="step-free access, hearing loop, ...")


class MeetingChanges(InputModel):
    """Only the fields sent change; ``location: null`` or ``onlineUrl: null`` removes that one."""

    title: VisibleLine | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5_000)
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    location: OneLine | None = Field(default=None, max_length=500)
    online_url: OneLine | None = Field(default=None, max_length=2_000)
    capacity: int | None = Field(default=None, ge=1, le=MAX_CAPACITY)
    accessibility: str | None = Field(default=None, max_length=2_000)
    capacity_shortfall: ShortfallChoice | None = Field(
        default=None, description="what to do when the new capacity is below the attendees signed up"
    )


class MeetingView(PortalModel):
    """What anyone who may see the hearing sees; the online link only for attendees and the owner."""

    id: str
    hearing_id: str
    title: str
    description: str
    starts_at: Instant
    ends_at: Instant
    location: str | None
    online: bool
    online_url: str | None
    accessibility: str
    capacity: int
    attending: int
    free_places: int
    waiting: int
    cancelled: bool
    sequence: int
    version: str = Field(description="The plan's version (also the ETag): send it as If-Match to change the meeting")
    my_status: AttendeeStatus | None = None
    my_waiting_position: int | None = None


class MeetingList(PortalModel):
    items: list[MeetingView]


class SignUpView(PortalModel):
    meeting_id: str
    status: AttendeeStatus
    waiting_position: int | None = None  # 1 is next in line


class AttendeeView(PortalModel):
    position: int
    status: AttendeeStatus
    name: str
    kind: IdentityKind
    company_name: str | None
    signed_up_at: Instant


class AttendeeList(PortalModel):
    meeting_id: str
    capacity: int
    attending: list[AttendeeView]
    waiting_list: list[AttendeeView]


@dataclass(frozen=True)
class FileDownload:
    filename: str
    content_type: str
    data: bytes


ExportFormat = Literal["xlsx", "csv"]
XLSX = meeting_exports.XLSX
ICS = "text/calendar; charset=utf-8"

# -- the owner's part ---------------------------------------------------------------------------------


@raises(NotAuthenticated, NotFound, Forbidden, Conflict, InvalidInput)
def plan_meeting(
    who: Identity | None,
    hearing_id: str,
    request: MeetingRequest,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> MeetingView:
    now = clock.now()
    viewer = viewer_of(who, vault)
    hearing = _managed_open_hearing(documents, viewer, hearing_id, now)
    assert who is not None
    meeting = Meeting.plan(hearing.id, _plan(request.model_dump(by_alias=True)), who.subject, now)
    meeting.record_audit(who, "meeting.planned", now, target=_target(meeting))
    with UnitOfWork(documents, bus) as uow:
        uow.add(meeting)
        uow.commit()
    return _view(meeting, viewer, hearing)


@raises(NotAuthenticated, NotFound, Forbidden, Conflict, InvalidInput, StaleWrite)
def change_meeting(
    who: Identity | None,
    hearing_id: str,
    meeting_id: str,
    changes: MeetingChanges,
    if_match: str | None = None,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    mailer: Mailer,
    settings: Settings,
) -> MeetingView:
    """Change a meeting's plan. ``if_match`` is the version the change was made from; None changes
    whatever is there."""
    now = clock.now()
    viewer = viewer_of(who, vault)
    hearing = _managed_open_hearing(documents, viewer, hearing_id, now)
    loaded = MeetingRepository(documents).require(hearing_id, meeting_id)
    meeting = loaded.model
    if if_match is not None:
        meeting.ensure_version(if_match)
    sent = changes.model_dump(by_alias=True, exclude_unset=True)
    shortfall = sent.pop("capacityShortfall", None)
    # A null clears an optional field (the place or the link); the others keep their value.
    sent = {name: value for name, value in sent.items() if value is not None or name in ("location", "onlineUrl")}
    plan = _plan({**meeting.as_plan().model_dump(by_alias=True), **sent})
    changed = meeting.change(plan, now, shortfall)
    meeting.record_audit(
        who, "meeting.changed", now, target=_target(meeting), changes=",".join(c.value for c in changed)
    )
    committed = _commit(loaded, documents=documents, bus=bus)
    deliver(committed, hearing, documents=documents, mailer=mailer, vault=vault, settings=settings, now=now)
    return _view(committed.model, viewer, hearing)


@raises(NotAuthenticated, NotFound, Forbidden, Conflict)
def cancel_meeting(
    who: Identity | None,
    hearing_id: str,
    meeting_id: str,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    mailer: Mailer,
    settings: Settings,
) -> MeetingView:
    """Cancelling twice answers the cancelled meeting again; attendees are told once."""
    now = clock.now()
    viewer = viewer_of(who, vault)
    hearing = managed_hearing(documents, viewer, hearing_id).model
    loaded = MeetingRepository(documents).require(hearing_id, meeting_id)
    if loaded.model.cancel(now):
        loaded.model.record_audit(who, "meeting.cancelled", now, target=_target(loaded.model))
        loaded = _commit(loaded, documents=documents, bus=bus)
        deliver(loaded, hearing, documents=documents, mailer=mailer, vault=vault, settings=settings, now=now)
    return _view(loaded.model, viewer, hearing)


@raises(NotAuthenticated, NotFound, Forbidden)
def meeting_attendees(
    who: Identity | None,
    hearing_id: str,
    meeting_id: str,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> AttendeeList:
    meeting = _managed_meeting(who, hearing_id, meeting_id, documents=documents, vault=vault)
    _audit_read(documents, who, meeting, clock.now(), what="meeting-attendees")
    return AttendeeList(
        meeting_id=meeting.id,
        capacity=meeting.capacity,
        attending=[_attendee_view(i, AttendeeStatus.ATTENDING, a) for i, a in enumerate(meeting.attendees, 1)],
        waiting_list=[_attendee_view(i, AttendeeStatus.WAITING, a) for i, a in enumerate(meeting.waiting_list, 1)],
    )


@raises(NotAuthenticated, NotFound, Forbidden)
def export_attendees(
    who: Identity | None,
    hearing_id: str,
    meeting_id: str,
    export_format: ExportFormat,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> FileDownload:
    """The attendees and the waiting list as a spreadsheet; the export is written to the audit trail."""
    meeting = _managed_meeting(who, hearing_id, meeting_id, documents=documents, vault=vault)
    rows = meeting_exports.attendee_rows(meeting)
    _audit_read(documents, who, meeting, clock.now(), what="meeting-attendees", export=export_format)
    stem = f"tilmeldte-{meeting.starts_at.astimezone(COPENHAGEN):%Y-%m-%d}-{meeting.id[:8]}"
    if export_format == "csv":
        return FileDownload(f"{stem}.csv", meeting_exports.CSV, meeting_exports.attendees_csv(rows))
    return FileDownload(f"{stem}.xlsx", meeting_exports.XLSX, meeting_exports.attendees_xlsx(rows))


# -- everyone's part ----------------------------------------------------------------------------------


@raises(NotFound)
def list_meetings(
    who: Identity | None, hearing_id: str, *, documents: DocumentStore, vault: PersonalDataVault
) -> MeetingList:
    viewer = viewer_of(who, vault)
    hearing = visible_hearing(documents, viewer, hearing_id).model
    meetings = MeetingRepository(documents).of_hearing(hearing_id)
    return MeetingList(items=[_view(meeting, viewer, hearing) for meeting in meetings])


@raises(NotFound)
def get_meeting(
    who: Identity | None, hearing_id: str, meeting_id: str, *, documents: DocumentStore, vault: PersonalDataVault
) -> MeetingView:
    viewer = viewer_of(who, vault)
    hearing = visible_hearing(documents, viewer, hearing_id).model
    return _view(MeetingRepository(documents).require(hearing_id, meeting_id).model, viewer, hearing)


@raises(NotAuthenticated, NotFound, Conflict)
def sign_up(
    who: Identity | None,
    hearing_id: str,
    meeting_id: str,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    mailer: Mailer,
    settings: Settings,
) -> SignUpView:
    """Attending while there are places, else on the waiting list; signing up again changes nothing."""
    if who is None:
        raise NotAuthenticated("sign in to sign up for a meeting")
    now = clock.now()
    hearing = visible_hearing(documents, viewer_of(who, vault), hearing_id).model
    loaded = MeetingRepository(documents).require(hearing_id, meeting_id)
    meeting = loaded.model
    if meeting.status_of(who.subject) is None and hearing.status_at(now) not in _SIGN_UP_STATUSES:
        raise Conflict("the hearing does not take sign-ups for its meetings now", field="hearingId")
    status, changed = meeting.sign_up(_attendee(who, vault, now), now)
    if changed:
        meeting.record_audit(who, "meeting.signed-up", now, target=_target(meeting), status=status.value)
        loaded = _commit(loaded, documents=documents, bus=bus)
        deliver(loaded, hearing, documents=documents, mailer=mailer, vault=vault, settings=settings, now=now)
    return SignUpView(meeting_id=meeting.id, status=status, waiting_position=loaded.model.waiting_position(who.subject))


@raises(NotAuthenticated, NotFound, Conflict)
def withdraw_sign_up(
    who: Identity | None,
    hearing_id: str,
    meeting_id: str,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    mailer: Mailer,
    settings: Settings,
) -> None:
    """Cancel the caller's sign-up (none is fine); the first on the waiting list moves up and is told."""
    if who is None:
        raise NotAuthenticated("sign in to cancel a sign-up")
    now = clock.now()
    hearing = visible_hearing(documents, viewer_of(who, vault), hearing_id).model
    loaded = MeetingRepository(documents).require(hearing_id, meeting_id)
    if loaded.model.has_started(now):
        raise Conflict("the meeting has started or is over", field="meetingId")
    if loaded.model.withdraw(who.subject, now):
        loaded.model.record_audit(who, "meeting.sign-up-cancelled", now, target=_target(loaded.model))
        loaded = _commit(loaded, documents=documents, bus=bus)
        deliver(loaded, hearing, documents=documents, mailer=mailer, vault=vault, settings=settings, now=now)


@raises(NotFound)
def meeting_calendar(
    who: Identity | None,
    hearing_id: str,
    meeting_id: str,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
    settings: Settings,
) -> FileDownload:
    """The meeting as an ``.ics`` file: the event, or its cancellation once it is cancelled."""
    viewer = viewer_of(who, vault)
    hearing = visible_hearing(documents, viewer, hearing_id).model
    meeting = MeetingRepository(documents).require(hearing_id, meeting_id).model
    method: Method = "CANCEL" if meeting.cancelled else "REQUEST"
    event = meeting_notices.calendar_event(meeting, settings, with_link=_sees_link(meeting, viewer, hearing))
    data = meeting_ics(event, method, now=clock.now(), domain=meeting_notices.calendar_domain(settings))
    return FileDownload("borgermoede.ics", ICS, data)


# -- the timer ----------------------------------------------------------------------------------------


def send_meeting_reminders(
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    mailer: Mailer,
    vault: PersonalDataVault,
    settings: Settings,
) -> int:
    """Hourly: remind the attendees of meetings starting the next day (once per start time), then
    deliver what a crash or an outage left in meetings' outboxes. Returns the reminders noted."""
    now = clock.now()
    repository = MeetingRepository(documents)
    early, late = REMINDER_WINDOW
    reminded = 0
    for loaded in list(repository.starting_between(format_instant(now + early), format_instant(now + late))):
        meeting = loaded.model
        if not meeting.due_for_reminder(now):
            continue
        count = meeting.remind(now)
        meeting.record_audit(None, "meeting.reminded", now, target=_target(meeting), count=str(count))
        try:
            _commit(loaded, documents=documents, bus=bus)
        except StaleWrite:
            continue  # changed meanwhile; the next run reminds
        reminded += count
    waiting = {loaded.model.id: loaded for loaded in repository.with_pending_outbox()}
    for loaded in waiting.values():
        try:
            relay(documents, bus, loaded)
            hearing = HearingRepository(documents).get(loaded.model.hearing_id)
            if hearing is not None:
                deliver(
                    loaded, hearing.model, documents=documents, mailer=mailer, vault=vault, settings=settings, now=now
                )
        except Exception:  # one meeting must not stop the others
            log.warning(
                "meeting %s: delivering its outbox failed; the next run retries", loaded.model.id, exc_info=True
            )
    return reminded


# -- helpers --------------------------------------------------------------------------------------------


def _managed_open_hearing(documents: DocumentStore, viewer: Viewer, hearing_id: str, now: datetime) -> Hearing:
    hearing = managed_hearing(documents, viewer, hearing_id).model
    if hearing.status_at(now) not in EDITABLE:
        raise Conflict(f"a {hearing.status_at(now).value} hearing's meetings cannot be changed", field="hearingId")
    return hearing


def _managed_meeting(
    who: Identity | None, hearing_id: str, meeting_id: str, *, documents: DocumentStore, vault: PersonalDataVault
) -> Meeting:
    managed_hearing(documents, viewer_of(who, vault), hearing_id)
    return MeetingRepository(documents).require(hearing_id, meeting_id).model


def _commit(loaded: Loaded[Meeting], *, documents: DocumentStore, bus: MessageBus) -> Loaded[Meeting]:
    """The meeting, its trail entries and its notices as one write."""
    with UnitOfWork(documents, bus) as uow:
        uow.save(loaded)
        uow.commit()
    return loaded


def _plan(values: dict[str, object]) -> MeetingPlan:
    try:
        return MeetingPlan.model_validate(values)
    except ValidationError as error:
        problems = [FieldProblem(".".join(str(p) for p in issue["loc"]), issue["msg"]) for issue in error.errors()]
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems) from None


def _attendee(who: Identity, vault: PersonalDataVault, now: datetime) -> Attendee:
    # Where the invitation goes, sealed: an e-mail address, else Digital Post by CPR or CVR number.
    if who.email:
        channel, address = "email", vault.seal(who.email)
    elif who.cpr:
        channel, address = "digital-post", f"cpr-sealed:{vault.seal(who.cpr)}"
    elif who.cvr:
        channel, address = "digital-post", f"cvr:{who.cvr}"
    else:
        channel, address = "digital-post", who.subject
    return Attendee.model_validate(
        {
            "subject": who.subject,
            "name": who.name,
            "kind": who.kind,
            "company_name": who.company_name,
            "channel": channel,
            "address": address,
            "signed_up_at": now,
        }
    )


def _sees_link(meeting: Meeting, viewer: Viewer, hearing: Hearing) -> bool:
    # The link of an online meeting with a capacity is for those who got a place.
    if access.may_manage(viewer, hearing):
        return True
    return viewer.subject is not None and meeting.status_of(viewer.subject) is AttendeeStatus.ATTENDING


def _view(meeting: Meeting, viewer: Viewer, hearing: Hearing) -> MeetingView:
    mine = meeting.status_of(viewer.subject) if viewer.subject else None
    return MeetingView(
        id=meeting.id,
        hearing_id=meeting.hearing_id,
        title=meeting.title,
        description=meeting.description,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location,
        online=meeting.online_url is not None,
        online_url=meeting.online_url if _sees_link(meeting, viewer, hearing) else None,
        accessibility=meeting.accessibility,
        capacity=meeting.capacity,
        attending=len(meeting.attendees),
        free_places=meeting.free_places,
        waiting=len(meeting.waiting_list),
        cancelled=meeting.cancelled,
        sequence=meeting.sequence,
        version=meeting.version,
        my_status=mine,
        my_waiting_position=meeting.waiting_position(viewer.subject) if viewer.subject else None,
    )


def _attendee_view(position: int, status: AttendeeStatus, person: Attendee) -> AttendeeView:
    return AttendeeView(
        position=position,
        status=status,
        name=person.name,
        kind=person.kind,
        company_name=person.company_name,
        signed_up_at=person.signed_up_at,
    )


def _target(meeting: Meeting) -> str:
    return f"meeting:{meeting.id}"


def _audit_read(
    documents: DocumentStore, who: Identity | None, meeting: Meeting, now: datetime, **details: str
) -> None:
    # A read changes nothing, so its entry goes straight to the trail, like reads of responses.
    entry = AuditEvent.record(who, meeting.hearing_id, "personal-data.read", now, target=_target(meeting), **details)
    AuditRepository(documents).append(entry)
