"""Publication: create, edit, schedule, open and close, conclude, cancel, documents."""

from __future__ import annotations

import logging
import posixpath
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import Field

from shared.domain import access
from shared.domain.base import InputModel, Instant, PortalModel, copenhagen_text, format_instant
from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from shared.domain.hearing import EDITABLE, PUBLISHED, EventKind, Hearing, HearingStatus, Visibility
from shared.domain.identity import Identity
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Filter
from shared.ports.files import FileStore
from shared.ports.messages import MessageBus, OutgoingMessage
from shared.services import queues
from shared.services.repositories import HearingRepository, Loaded, ReferenceRepository

log = logging.getLogger(__name__)

UPLOAD_URL_LIFETIME = timedelta(minutes=15)


# -- what callers send -----------------------------------------------------------------------------


class HearingDraft(InputModel):
    template_id: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=300)
    case_number: str = Field(min_length=1, max_length=100, description="The case (sag) in the records system")
    summary: str | None = Field(default=None, max_length=2000)
    body: str | None = Field(default=None, max_length=100_000)
    visibility: Visibility | None = None
    subject_area_ids: list[str] = Field(default_factory=list)
    city_area_ids: list[str] = Field(default_factory=list)
    kle: str | None = Field(default=None, pattern=r"^\d{2}(\.\d{2}){0,2}$")


class HearingChanges(InputModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=2000)
    body: str | None = Field(default=None, max_length=100_000)
    visibility: Visibility | None = None
    subject_area_ids: list[str] | None = None
    city_area_ids: list[str] | None = None
    kle: str | None = Field(default=None, pattern=r"^\d{2}(\.\d{2}){0,2}$")
    reviewers: list[str] | None = None
    invitees: list[str] | None = None


class ScheduleRequest(InputModel):
    start: Instant = Field(description="Europe/Copenhagen wall-clock time, or any instant with an offset")
    deadline: Instant = Field(description="Europe/Copenhagen wall-clock time, or any instant with an offset")


class Conclusion(InputModel):
    conclusion: str = Field(min_length=1, max_length=100_000)


class UploadRequest(InputModel):
    filename: str = Field(min_length=1, max_length=200)


# -- what callers get ------------------------------------------------------------------------------


class DocumentView(PortalModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str


class HearingView(PortalModel):
    id: str
    title: str
    summary: str
    body: str
    status: HearingStatus
    visibility: Visibility
    template_id: str
    subject_area_ids: list[str]
    city_area_ids: list[str]
    kle: str | None
    start: Instant | None
    deadline: Instant | None
    start_local: str | None
    deadline_local: str | None
    documents: list[DocumentView]
    conclusion: str | None
    concluded_at: Instant | None
    # Only for those who manage the hearing.
    case_number: str | None = None
    owner: str | None = None
    journalised_at: Instant | None = None
    etag: str | None = None

    @classmethod
    def of(cls, hearing: Hearing, now: datetime, manager: bool, etag: str | None = None) -> HearingView:
        return cls(
            id=hearing.id,
            title=hearing.title,
            summary=hearing.summary,
            body=hearing.body,
            status=hearing.status_at(now),
            visibility=hearing.visibility,
            template_id=hearing.template_id,
            subject_area_ids=hearing.subject_area_ids,
            city_area_ids=hearing.city_area_ids,
            kle=hearing.kle,
            start=hearing.start,
            deadline=hearing.deadline,
            start_local=copenhagen_text(hearing.start) if hearing.start else None,
            deadline_local=copenhagen_text(hearing.deadline) if hearing.deadline else None,
            documents=[DocumentView.model_validate(d.model_dump()) for d in hearing.documents],
            conclusion=hearing.conclusion,
            concluded_at=hearing.concluded_at,
            case_number=hearing.case_number if manager else None,
            owner=hearing.owner_name if manager else None,
            journalised_at=hearing.journalised_at if manager else None,
            etag=etag if manager else None,
        )


class HearingPage(PortalModel):
    items: list[HearingView]
    continuation: str | None = None


class UploadTicket(PortalModel):
    upload_url: str
    method: str = "PUT"
    headers: dict[str, str]
    document_id: str
    expires_at: Instant


@dataclass
class HearingDeps:
    documents: DocumentStore
    bus: MessageBus
    clock: Clock


# -- use cases -------------------------------------------------------------------------------------


def create_hearing(deps: HearingDeps, who: Identity | None, draft: HearingDraft) -> HearingView:
    if who is None:
        raise NotAuthenticated("sign in as an employee to create hearings")
    if not access.may_create_hearing(who):
        raise Forbidden("creating hearings needs the HearingCreator or Admin role")
    template = ReferenceRepository(deps.documents).template(draft.template_id)
    if template is None:
        raise InvalidInput("no such template", field="templateId")
    now = deps.clock.now()
    hearing = Hearing(
        id=str(uuid.uuid4()),
        template_id=template.id,
        title=draft.title,
        summary=draft.summary if draft.summary is not None else template.default_summary,
        body=draft.body if draft.body is not None else template.default_body,
        case_number=draft.case_number,
        visibility=draft.visibility or template.default_visibility,
        subject_area_ids=draft.subject_area_ids,
        city_area_ids=draft.city_area_ids,
        kle=draft.kle,
        owner=who.subject,
        owner_name=who.name,
        created_at=now,
        updated_at=now,
    )
    etag = HearingRepository(deps.documents).add(hearing)
    return HearingView.of(hearing, now, manager=True, etag=etag)


def get_hearing(deps: HearingDeps, who: Identity | None, hearing_id: str) -> HearingView:
    loaded = _visible(deps, who, hearing_id)
    return HearingView.of(loaded.model, deps.clock.now(), access.may_manage(who, loaded.model), loaded.etag)


def list_hearings(
    deps: HearingDeps, who: Identity | None, limit: int = 50, continuation: str | None = None, mine: bool = False
) -> HearingPage:
    """Filters in the query, never in memory: a caller only ever reads what they may see."""
    published = Filter("status", "in", [s.value for s in PUBLISHED])
    if mine:
        if who is None:
            raise NotAuthenticated("sign in to list your own hearings")
        filters: tuple[Filter, ...] = (Filter("owner", "=", who.subject),)
    elif who is not None and who.is_admin:
        filters = ()
    elif who is not None and who.is_employee:
        filters = (published, Filter("visibility", "in", [Visibility.EXTERNAL.value, Visibility.INTERNAL.value]))
    else:
        filters = (published, Filter("visibility", "=", Visibility.EXTERNAL.value))
    hearings, token = HearingRepository(deps.documents).page(filters, limit, continuation)
    now = deps.clock.now()
    return HearingPage(items=[HearingView.of(h, now, access.may_manage(who, h)) for h in hearings], continuation=token)


def edit_hearing(
    deps: HearingDeps, who: Identity | None, hearing_id: str, changes: HearingChanges, if_match: str | None = None
) -> HearingView:
    loaded = _managed(deps, who, hearing_id)
    if if_match is not None:
        loaded.etag = if_match  # the caller's view of the hearing; a stale one is refused on save
    now = deps.clock.now()
    loaded.model.edit(now, **changes.model_dump(exclude_unset=True))
    return _save_and_dispatch(deps, loaded, who)


def schedule_hearing(deps: HearingDeps, who: Identity | None, hearing_id: str, request: ScheduleRequest) -> HearingView:
    loaded = _managed(deps, who, hearing_id)
    loaded.model.schedule(request.start, request.deadline, deps.clock.now())
    return _save_and_dispatch(deps, loaded, who)


def conclude_hearing(deps: HearingDeps, who: Identity | None, hearing_id: str, request: Conclusion) -> HearingView:
    loaded = _managed(deps, who, hearing_id)
    loaded.model.conclude(request.conclusion, deps.clock.now())
    return _save_and_dispatch(deps, loaded, who)


def cancel_hearing(deps: HearingDeps, who: Identity | None, hearing_id: str) -> HearingView:
    loaded = _managed(deps, who, hearing_id)
    loaded.model.cancel(deps.clock.now())
    return _save_and_dispatch(deps, loaded, who)


def advance_due_hearings(deps: HearingDeps) -> int:
    """Timer: open hearings whose start has come, close those whose deadline has passed."""
    now = deps.clock.now()
    repository = HearingRepository(deps.documents)
    changed = 0
    for status, field in ((HearingStatus.SCHEDULED, "start"), (HearingStatus.ACTIVE, "deadline")):
        due = (Filter("status", "=", status.value), Filter(field, "<=", format_instant(now)))
        for loaded in repository.each(*due):
            if loaded.model.advance(now):
                repository.save(loaded)
                dispatch_events(deps, loaded)
                changed += 1
    return changed


def dispatch_pending_events(deps: HearingDeps) -> int:
    """Timer: hand events left behind by a crash between save and publish to the queue."""
    repository = HearingRepository(deps.documents)
    sent = 0
    for loaded in repository.each(Filter("hasPendingEvents", "=", True)):
        sent += dispatch_events(deps, loaded)
    return sent


def dispatch_events(deps: HearingDeps, loaded: Loaded[Hearing]) -> int:
    hearing = loaded.model
    events = list(hearing.pending_events)
    for event in events:
        deps.bus.publish(
            queues.HEARING_EVENTS,
            OutgoingMessage(
                message_id=event.event_id,
                subject=event.kind.value,
                body={"hearingId": hearing.id, "eventId": event.event_id, "kind": event.kind.value},
            ),
        )
        if event.kind is EventKind.CONCLUDED:
            deps.bus.publish(
                queues.RECORDS_JOURNALISE,
                OutgoingMessage(message_id=f"{hearing.id}:journalise", body={"hearingId": hearing.id}),
            )
    if events:
        hearing.take_pending_events()
        HearingRepository(deps.documents).save(loaded)
    return len(events)


def request_document_upload(
    deps: HearingDeps, files: FileStore, who: Identity | None, hearing_id: str, request: UploadRequest, container: str
) -> UploadTicket:
    loaded = _managed(deps, who, hearing_id)
    if loaded.model.status not in EDITABLE:
        raise Conflict(f"documents cannot be added to a {loaded.model.status.value} hearing", field="status")
    document_id = str(uuid.uuid4())
    name = f"{hearing_id}/{document_id}/{_safe_filename(request.filename)}"
    now = deps.clock.now()
    return UploadTicket(
        upload_url=files.upload_url(container, name, UPLOAD_URL_LIFETIME),
        headers={"x-ms-blob-type": "BlockBlob"},
        document_id=document_id,
        expires_at=now + UPLOAD_URL_LIFETIME,
    )


def _safe_filename(filename: str) -> str:
    name = posixpath.basename(filename.replace("\\", "/")).strip()
    cleaned = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in name).strip(". ")
    if not cleaned:
        raise InvalidInput("the file name has no usable characters", field="filename")
    return cleaned[:200]


# -- helpers ---------------------------------------------------------------------------------------


def _visible(deps: HearingDeps, who: Identity | None, hearing_id: str) -> Loaded[Hearing]:
    loaded = HearingRepository(deps.documents).get(hearing_id)
    # Not visible answers exactly like not there, so a hearing's existence does not leak.
    if loaded is None or not access.may_view(who, loaded.model):
        raise NotFound("no such hearing", field="hearingId")
    return loaded


def _managed(deps: HearingDeps, who: Identity | None, hearing_id: str) -> Loaded[Hearing]:
    if who is None:
        raise NotAuthenticated("sign in to manage hearings")
    loaded = _visible(deps, who, hearing_id)
    if not access.may_manage(who, loaded.model):
        raise Forbidden("only the hearing's owner or an admin may do this")
    return loaded


def _save_and_dispatch(deps: HearingDeps, loaded: Loaded[Hearing], who: Identity | None) -> HearingView:
    repository = HearingRepository(deps.documents)
    repository.save(loaded)
    try:
        dispatch_events(deps, loaded)
    except Exception:  # the events stay in the hearing; the sweep publishes them
        log.warning("publishing hearing events failed; the sweep will retry", exc_info=True)
    return HearingView.of(loaded.model, deps.clock.now(), manager=True, etag=loaded.etag)
