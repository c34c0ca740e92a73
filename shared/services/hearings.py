"""Publication: create, edit, invite, schedule, open and close, conclude, cancel, documents, audit trail."""

from __future__ import annotations

import logging
import posixpath
import uuid
from datetime import timedelta

from shared.domain import access
from shared.domain.base import format_instant
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
from shared.domain.hearing import Hearing, HearingStatus
from shared.domain.identity import Identity
from shared.domain.reference import ReferenceType
from shared.ports.clock import Clock
from shared.ports.directory import Colleague, StaffDirectory
from shared.ports.documents import DocumentStore, Filter
from shared.ports.files import FileStore
from shared.ports.messages import MessageBus
from shared.ports.records import CaseRequest, RecordsSystem
from shared.ports.vault import PersonalDataVault
from shared.services.containers import UPLOADS_CONTAINER
from shared.services.guards import managed_hearing, visible_hearing
from shared.services.hearing_api import (
    MAX_CANCEL_REASON,
    AuditPage,
    Conclusion,
    HearingChanges,
    HearingDraft,
    HearingPage,
    HearingView,
    InviteeList,
    ScheduleRequest,
    UploadRequest,
    UploadTicket,
)
from shared.services.owners import find_colleague, note_colleague
from shared.services.repositories import (
    AuditRepository,
    HearingRepository,
    Loaded,
    ReferenceRepository,
    ResponseRepository,
)
from shared.services.unit_of_work import UnitOfWork, relay
from shared.services.viewers import invitee_from, viewer_of

log = logging.getLogger(__name__)

UPLOAD_URL_LIFETIME = timedelta(minutes=15)


# -- reading ---------------------------------------------------------------------------------------


@raises(NotFound)
def get_hearing(
    who: Identity | None, hearing_id: str, *, documents: DocumentStore, clock: Clock, vault: PersonalDataVault
) -> HearingView:
    viewer = viewer_of(who, vault)
    loaded = visible_hearing(documents, viewer, hearing_id)
    staff = access.sees_every_state(viewer, loaded.model)
    now = clock.now()
    view = HearingView.of(loaded.model, now, staff, loaded.etag)
    if who is not None:
        # So a page offers the response form only to those whose response would be taken.
        view.you_may_respond = access.may_respond(viewer, loaded.model, now)
    return view


@raises(NotAuthenticated)
def list_hearings(
    who: Identity | None,
    limit: int = 50,
    continuation: str | None = None,
    mine: bool = False,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> HearingPage:
    """Filtered in the query by the caller's access keys: nobody ever loads what they may not see."""
    viewer = viewer_of(who, vault)
    if mine:
        if who is None:
            raise NotAuthenticated("sign in to list your own hearings")
        filters: tuple[Filter, ...] = (Filter("owner", "=", who.subject),)
    else:
        keys = access.list_filter_keys(viewer)
        filters = () if keys is None else (Filter("accessKeys", "contains_any", keys),)
    hearings, token = HearingRepository(documents).page(filters, limit, continuation)
    now = clock.now()
    items = [HearingView.of(h, now, access.sees_every_state(viewer, h)) for h in hearings]
    return HearingPage(items=items, continuation=token)


@raises(NotAuthenticated, Forbidden, NotFound)
def audit_trail(
    who: Identity | None,
    hearing_id: str,
    limit: int = 100,
    continuation: str | None = None,
    *,
    documents: DocumentStore,
    vault: PersonalDataVault,
) -> AuditPage:
    """Owners and admins read a hearing's trail, including entries still waiting in an outbox."""
    hearing = managed_hearing(documents, viewer_of(who, vault), hearing_id).model
    trail = AuditRepository(documents)
    events, token = trail.page(hearing_id, limit, continuation)
    if token is None:  # the last page also shows what a crash left waiting for the relay
        waiting = [*hearing.pending_audit, *ResponseRepository(documents).pending_audit(hearing_id)]
        shown = {event.id for event in events} | trail.ids_among(hearing_id, [event.id for event in waiting])
        extra = {event.id: event for event in waiting if event.id not in shown}
        events = sorted([*events, *extra.values()], key=lambda event: (event.at, event.id))
    return AuditPage(items=events, continuation=token)


# -- changing --------------------------------------------------------------------------------------


@raises(NotAuthenticated, Forbidden, InvalidInput)
def create_hearing(
    who: Identity | None,
    draft: HearingDraft,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    records: RecordsSystem,
) -> HearingView:
    if who is None:
        raise NotAuthenticated("sign in as an employee to create hearings")
    if not access.may_create_hearing(who):
        raise Forbidden("creating hearings needs the HearingCreator or Admin role")
    template = ReferenceRepository(documents).template(draft.template_id)
    if template is None:
        raise InvalidInput("no such template", field="templateId")
    _check_areas(documents, draft.subject_area_ids, draft.city_area_ids)
    now = clock.now()
    hearing_id = str(uuid.uuid4())
    # The hearing belongs to a case from the start: the caseworker's own, or one the records system opens
    # from the case template its KLE number chooses. A retry of this request with its Idempotency-Key gets
    # the first answer, so a case is not opened twice for one hearing.
    case_number = records.ensure_case(
        CaseRequest(
            hearing_id=hearing_id,
            title=draft.title,
            kle=draft.kle,
            owner=who.email or who.subject,
            case_number=draft.case_number,
        )
    )
    hearing = Hearing(
        id=hearing_id,
        template_id=template.id,
        title=draft.title,
        summary=draft.summary if draft.summary is not None else template.default_summary,
        body=draft.body if draft.body is not None else template.default_body,
        case_number=case_number,
        visibility=draft.visibility or template.default_visibility,
        subject_area_ids=draft.subject_area_ids,
        city_area_ids=draft.city_area_ids,
        kle=draft.kle,
        owner=who.subject,
        owner_name=who.name,
        created_at=now,
        updated_at=now,
    )
    hearing.record_audit(who, "hearing.created", now)
    with UnitOfWork(documents, bus) as uow:
        uow.add(hearing)
        etag = uow.commit()
    return HearingView.of(hearing, now, staff=True, etag=etag)


def _check_areas(documents: DocumentStore, subject_area_ids: list[str] | None, city_area_ids: list[str] | None) -> None:
    """Every area a hearing names is one the admins keep: followers of an area find its hearings by its id."""
    references = ReferenceRepository(documents)
    problems = []
    for kind, ids, name in (
        (ReferenceType.SUBJECT_AREA, subject_area_ids, "subjectAreaIds"),
        (ReferenceType.CITY_AREA, city_area_ids, "cityAreaIds"),
    ):
        if not ids:
            continue
        known = {area.id for area in references.areas(kind)}
        problems += [
            FieldProblem(f"{name}[{i}]", "no such area") for i, area_id in enumerate(ids) if area_id not in known
        ]
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems)


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, StaleWrite, InvalidInput)
def edit_hearing(
    who: Identity | None,
    hearing_id: str,
    changes: HearingChanges,
    if_match: str | None = None,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    directory: StaffDirectory,
) -> HearingView:
    loaded = managed_hearing(documents, viewer_of(who, vault), hearing_id)
    _check_areas(documents, changes.subject_area_ids, changes.city_area_ids)
    found: list[Colleague] = []
    if changes.reviewers is not None:
        reviewers, found = _reviewer_ids(documents, directory, changes.reviewers, loaded.model.reviewers)
        changes = changes.model_copy(update={"reviewers": reviewers})
    if if_match is not None:
        loaded.etag = if_match  # the caller's view of the hearing; a stale one is refused on save
    fields = loaded.model.edit(changes, clock.now())
    view = _save(
        loaded, who, documents=documents, bus=bus, clock=clock, action="hearing.edited", fields=",".join(fields)
    )
    for colleague in found:
        note_colleague(documents, colleague, clock.now())
    return view


def _reviewer_ids(
    documents: DocumentStore, directory: StaffDirectory, entries: list[str], current: list[str]
) -> tuple[list[str], list[Colleague]]:
    """Reviewers as portal user ids: an e-mail address names the employee who signed in with it, or whom
    the staff directory knows by it (nobody knows a colleague's user id, everybody their address). A user
    id is taken as it is, so someone can be made a reviewer before their first sign-in; an address nobody
    is known by is refused, unless the hearing lists it already (as older versions stored what was typed).
    Returns the ids and the colleagues the addresses named."""
    ids: list[str] = []
    found: list[Colleague] = []
    problems = []
    for index, entry in enumerate(entries):
        key = entry.strip()
        if "@" in key and key not in current:
            member = find_colleague(documents, directory, key)
            if member is None:
                problems.append(FieldProblem(f"reviewers[{index}]", "no employee is known by this address"))
                continue
            key = member.subject
            found.append(member)
        if key and key not in ids:
            ids.append(key)
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems)
    return ids, found


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput)
def set_invitees(
    who: Identity | None,
    hearing_id: str,
    request: InviteeList,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> HearingView:
    """Invite people to a closed hearing by CPR, CVR, e-mail or user id; CPR and e-mail are kept sealed."""
    loaded = managed_hearing(documents, viewer_of(who, vault), hearing_id)
    problems, invitees = [], []
    for index, raw in enumerate(request.invitees):
        try:
            invitees.append(invitee_from(raw, vault))
        except ValueError as error:
            problems.append(FieldProblem(f"invitees[{index}]", str(error)))
    if problems:
        raise InvalidInput(f"{len(problems)} invitee(s) could not be read", problems=problems)
    count = loaded.model.invite(invitees, clock.now(), replace=request.replace)
    return _save(
        loaded,
        who,
        documents=documents,
        bus=bus,
        clock=clock,
        action="hearing.invitees-changed",
        count=str(count),
    )


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput)
def schedule_hearing(
    who: Identity | None,
    hearing_id: str,
    request: ScheduleRequest,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> HearingView:
    loaded = managed_hearing(documents, viewer_of(who, vault), hearing_id)
    loaded.model.schedule(request.start, request.deadline, clock.now())
    return _save(
        loaded,
        who,
        documents=documents,
        bus=bus,
        clock=clock,
        action="hearing.scheduled",
        start=format_instant(request.start),
        deadline=format_instant(request.deadline),
    )


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput)
def conclude_hearing(
    who: Identity | None,
    hearing_id: str,
    request: Conclusion,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> HearingView:
    loaded = managed_hearing(documents, viewer_of(who, vault), hearing_id)
    # Every response that got a receipt must be decided first: a concluded hearing is read-only and
    # goes to the records system with its approved responses.
    if ResponseRepository(documents).any_undecided(hearing_id):
        raise Conflict("approve or decline every response before concluding", field="responses")
    loaded.model.conclude(request.conclusion, clock.now())
    return _save(loaded, who, documents=documents, bus=bus, clock=clock, action="hearing.concluded")


@raises(NotAuthenticated, Forbidden, NotFound, Conflict)
def cancel_hearing(
    who: Identity | None,
    hearing_id: str,
    reason: str | None = None,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> HearingView:
    """``reason``, when given, is kept on the hearing's audit trail with the cancellation."""
    loaded = managed_hearing(documents, viewer_of(who, vault), hearing_id)
    loaded.model.cancel(clock.now())
    details = {"reason": reason.strip()[:MAX_CANCEL_REASON]} if reason and reason.strip() else {}
    return _save(loaded, who, documents=documents, bus=bus, clock=clock, action="hearing.cancelled", **details)


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput)
def request_document_upload(
    who: Identity | None,
    hearing_id: str,
    request: UploadRequest,
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> UploadTicket:
    loaded = managed_hearing(documents, viewer_of(who, vault), hearing_id)
    loaded.model.check_takes_document()
    document_id = str(uuid.uuid4())
    name = f"{hearing_id}/{document_id}/{safe_filename(request.filename)}"
    now = clock.now()
    return UploadTicket(
        upload_url=files.upload_url(UPLOADS_CONTAINER, name, UPLOAD_URL_LIFETIME),
        headers={"x-ms-blob-type": "BlockBlob"},
        document_id=document_id,
        expires_at=now + UPLOAD_URL_LIFETIME,
    )


# -- timers ----------------------------------------------------------------------------------------


def run_schedule(*, documents: DocumentStore, bus: MessageBus, clock: Clock) -> tuple[int, int]:
    """Timer: persist openings and closings, then publish events a crash left behind."""
    return (
        advance_due_hearings(documents=documents, bus=bus, clock=clock),
        dispatch_pending_events(documents=documents, bus=bus),
    )


def advance_due_hearings(*, documents: DocumentStore, bus: MessageBus, clock: Clock) -> int:
    """Open hearings whose start has come, close those whose deadline has passed."""
    now = clock.now()
    repository = HearingRepository(documents)
    changed = 0
    for status, field in ((HearingStatus.SCHEDULED, "start"), (HearingStatus.ACTIVE, "deadline")):
        due = (Filter("status", "=", status.value), Filter(field, "<=", format_instant(now)))
        for loaded in repository.each(*due):
            try:
                if loaded.model.advance(now):
                    loaded.model.record_audit(None, f"hearing.{loaded.model.status.value}", now)
                    with UnitOfWork(documents, bus) as uow:
                        uow.save(loaded)
                        uow.commit()
                    changed += 1
            except Exception:  # one hearing (say, edited at this very moment) must not stop the others
                log.warning("advancing hearing %s failed; the next run retries", loaded.model.id, exc_info=True)
    return changed


def dispatch_pending_events(*, documents: DocumentStore, bus: MessageBus) -> int:
    """Relay what a crash after a commit left in a hearing's outbox: events to the queue, entries to
    the trail. Returns the number of events handed to the queue."""
    repository = HearingRepository(documents)
    sent = 0
    for loaded in repository.each(Filter("hasPendingEvents", "=", True)):
        try:
            sent += dispatch_events(loaded, documents=documents, bus=bus)
        except Exception:
            log.warning("publishing events of hearing %s failed; the next run retries", loaded.model.id, exc_info=True)
    return sent


def dispatch_events(loaded: Loaded[Hearing], *, documents: DocumentStore, bus: MessageBus) -> int:
    return relay(documents, bus, loaded)


# -- helpers ---------------------------------------------------------------------------------------


def safe_filename(filename: str) -> str:
    name = posixpath.basename(filename.replace("\\", "/")).strip()
    cleaned = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in name).strip(". ")
    if not cleaned:
        raise InvalidInput("the file name has no usable characters", field="filename")
    return cleaned[:200]


def _save(
    loaded: Loaded[Hearing],
    who: Identity | None,
    action: str,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    **details: str,
) -> HearingView:
    """Commit the change with its audit entry and events as one write."""
    now = clock.now()
    loaded.model.record_audit(who, action, now, **details)
    with UnitOfWork(documents, bus) as uow:
        uow.save(loaded)
        uow.commit()
    return HearingView.of(loaded.model, now, staff=True, etag=loaded.etag)
