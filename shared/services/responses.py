"""Responses: accept first (store durably, hand out a receipt), screen and moderate later."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pydantic import Field

from shared.domain import access
from shared.domain.access import Viewer
from shared.domain.audit import AuditEvent
from shared.domain.base import InputModel, Instant, PortalModel, format_instant
from shared.domain.errors import (
    Conflict,
    Forbidden,
    HearingNotOpen,
    NotAuthenticated,
    NotFound,
    StaleWrite,
    TooManyRequests,
    raises,
)
from shared.domain.hearing import EDITABLE, Hearing
from shared.domain.identity import Identity
from shared.domain.response import Receipt, Response, ResponseStatus, response_id_for
from shared.domain.screening import Flag, screen
from shared.ports.clock import Clock
from shared.ports.documents import DocumentExists, DocumentStore, Filter
from shared.ports.messages import MessageBus, OutgoingMessage
from shared.ports.rate_limit import RateLimiter
from shared.ports.vault import PersonalDataVault
from shared.services import queues
from shared.services.guards import ensure_visible, managed_hearing, visible_hearing
from shared.services.hearing_cache import HearingCache
from shared.services.repositories import AuditRepository, HearingRepository, Loaded, ResponseRepository
from shared.services.response_attachments import AttachmentView, PublicAttachment
from shared.services.unit_of_work import UnitOfWork, relay
from shared.services.viewers import viewer_of

log = logging.getLogger(__name__)

# A response still unscreened this long after it arrived has lost its message.
STALLED_AFTER = timedelta(minutes=5)


class ResponseSubmission(InputModel):
    text: str = Field(min_length=1, max_length=50_000)
    publish_name: bool = Field(default=False, description="Show the respondent's name publicly")


class Decision(InputModel):
    clear_flags: bool = Field(default=False, description="Confirm every personal-data flag has been checked")
    publish: bool = True


class PublicResponse(PortalModel):
    id: str
    hearing_id: str
    author: str
    text: str
    received_at: Instant
    attachments: list[PublicAttachment] = Field(default_factory=list)


class ResponseView(PortalModel):
    """For the respondent and for those who moderate the hearing."""

    id: str
    hearing_id: str
    author: str
    text: str
    status: ResponseStatus
    published: bool
    received_at: Instant
    updated_at: Instant
    digest: str
    flags: list[Flag]
    respondent_kind: str
    company_name: str | None = None
    attachments: list[AttachmentView] = Field(default_factory=list)

    @classmethod
    def of(cls, response: Response) -> ResponseView:
        return cls(
            id=response.id,
            hearing_id=response.hearing_id,
            author=response.respondent.name,
            text=response.text,
            status=response.status,
            published=response.published,
            received_at=response.received_at,
            updated_at=response.updated_at,
            digest=response.digest,
            flags=response.flags,
            respondent_kind=response.respondent.kind.value,
            company_name=response.respondent.company_name,
            attachments=[AttachmentView.of(a) for a in response.attachments],
        )


class ResponsePage(PortalModel):
    items: list[ResponseView | PublicResponse]
    continuation: str | None = None


@raises(NotAuthenticated, Forbidden, NotFound, HearingNotOpen, Conflict, TooManyRequests)
def submit_response(
    who: Identity | None,
    hearing_id: str,
    submission: ResponseSubmission,
    arrived: datetime | None = None,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    limiter: RateLimiter,
    intake_hearings: HearingCache | None = None,  # the intake path's short-lived copies; None reads every time
) -> tuple[Receipt, bool]:
    """Store the response before answering. Returns the receipt and whether it is new.

    The time that counts is when the request arrived (``arrived``, taken by the entry point before
    anything slow happens). A retried submission with the same text returns the first receipt
    instead of a second response, even after the deadline: the first attempt arrived in time.
    """
    now = arrived or clock.now()
    if who is None:
        raise NotAuthenticated("sign in with MitID or MitID Erhverv to respond")
    _limit(limiter, who)
    viewer = viewer_of(who, vault)
    hearing = _intake_hearing(viewer, hearing_id, now, documents=documents, intake_hearings=intake_hearings)
    repository = ResponseRepository(documents)
    if not access.may_respond(viewer, hearing, now):
        earlier = repository.get(hearing_id, response_id_for(hearing_id, who.subject))
        if earlier is not None and _same(earlier.model, submission):
            return Receipt.of(earlier.model), False
        if hearing.accepts_responses_at(now):
            raise Forbidden("this hearing does not take responses from you", field="hearingId")
        raise HearingNotOpen(
            f"the hearing is {hearing.status_at(now).value} and does not accept responses", field="hearingId"
        )
    response = Response.receive(hearing_id, who, submission.text, submission.publish_name, now)
    if who.cpr:
        response.respondent.cpr_sealed = vault.seal(who.cpr)  # for Digital Post and the records system
    try:
        repository.add(response)
    except DocumentExists:
        existing = repository.require(hearing_id, response.id)
        if _same(existing.model, submission):
            _announce_or_leave(bus, existing.model)  # the first attempt may have stopped before this
            return Receipt.of(existing.model), False
        if existing.model.status is not ResponseStatus.WITHDRAWN:
            raise Conflict(
                "you have already responded to this hearing; edit your response instead", field="text"
            ) from None
        existing.model.resubmit(submission.text, submission.publish_name, now)
        repository.save(existing)
        response = existing.model
    _announce_or_leave(bus, response)
    return Receipt.of(response), True


@raises(NotAuthenticated, NotFound, HearingNotOpen, StaleWrite, TooManyRequests)
def revise_response(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    submission: ResponseSubmission,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    limiter: RateLimiter,
) -> Receipt:
    loaded, hearing = _own_response(who, hearing_id, response_id, documents=documents, vault=vault)
    now = clock.now()
    if not hearing.accepts_responses_at(now):
        raise HearingNotOpen("responses can only be edited while the hearing is active", field="hearingId")
    assert who is not None  # _own_response refuses anonymous callers
    _limit(limiter, who)
    loaded.model.revise(submission.text, submission.publish_name, now)
    ResponseRepository(documents).save(loaded)
    _announce_or_leave(bus, loaded.model)
    return Receipt.of(loaded.model)


@raises(NotAuthenticated, NotFound, HearingNotOpen)
def withdraw_response(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> ResponseView:
    loaded, hearing = _own_response(who, hearing_id, response_id, documents=documents, vault=vault)
    now = clock.now()
    if not hearing.accepts_responses_at(now):
        raise HearingNotOpen("responses can only be withdrawn while the hearing is active", field="hearingId")
    loaded.model.withdraw(now)
    loaded.model.record_audit(who, "response.withdrawn", now, target=f"response:{response_id}")
    _commit(loaded, documents=documents, bus=bus)
    return ResponseView.of(loaded.model)


def screen_response(hearing_id: str, response_id: str, *, documents: DocumentStore, clock: Clock) -> bool:
    """Queue consumer: flag personal data so nothing flagged is published unchecked.

    It also writes the response's arrival into the audit trail, here rather than on the hot path;
    the id names the version, so a redelivered message records it once. The entry goes straight to
    the trail, before the screening is saved, instead of through the outbox: it records a fact that
    is already durable (the stored response), so it is true even if the screening is never saved,
    and a redelivery retries both. That keeps screening at two writes per response instead of three.
    """
    repository = ResponseRepository(documents)
    loaded = repository.get(hearing_id, response_id)
    if loaded is None:
        return False
    response = loaded.model
    AuditRepository(documents).append(
        AuditEvent.record(
            None,
            hearing_id,
            "response.received",
            response.updated_at,
            target=f"response:{response.id}",
            event_id=f"{response.id}:{response.digest[-16:]}",
            respondent=response.respondent.subject,
            digest=response.digest,
        )
    )
    if not response.record_screening(screen(response.text), clock.now()):
        return False  # already screened: a redelivered message changes nothing
    repository.save(loaded)
    return True


@raises(NotAuthenticated, Forbidden, NotFound, Conflict)
def decide_response(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    approve: bool,
    decision: Decision,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> ResponseView:
    viewer = viewer_of(who, vault)
    hearing = managed_hearing(documents, viewer, hearing_id).model
    assert viewer.identity is not None  # managed_hearing refuses anonymous callers
    if hearing.status not in EDITABLE:
        # A concluded hearing is read-only: its approved responses have gone to the records system.
        raise Conflict(f"responses of a {hearing.status.value} hearing cannot be moderated", field="status")
    repository = ResponseRepository(documents)
    loaded = repository.require(hearing.id, response_id)
    now = clock.now()
    if approve:
        loaded.model.approve(viewer.identity.subject, decision.clear_flags, decision.publish, now)
    else:
        loaded.model.decline(viewer.identity.subject, now)
    action = "response.approved" if approve else "response.declined"
    loaded.model.record_audit(who, action, now, target=f"response:{response_id}")
    _commit(loaded, documents=documents, bus=bus)
    return ResponseView.of(loaded.model)


@raises(NotFound)
def list_responses(
    who: Identity | None,
    hearing_id: str,
    limit: int = 50,
    continuation: str | None = None,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> ResponsePage:
    """Moderators see all; everyone else sees the published ones, plus their own in every state."""
    viewer = viewer_of(who, vault)
    hearing = visible_hearing(documents, viewer, hearing_id).model
    repository = ResponseRepository(documents)
    if access.may_manage(viewer, hearing):
        items, token = repository.page(hearing_id, (), limit, continuation)
        _audit(documents, clock, who, hearing_id, "personal-data.read", None, what="responses", count=str(len(items)))
        return ResponsePage(items=[ResponseView.of(r) for r in items], continuation=token)
    public = (Filter("status", "=", ResponseStatus.APPROVED.value), Filter("published", "=", True))
    items, token = repository.page(hearing_id, public, limit, continuation)
    page: list[ResponseView | PublicResponse] = [_public(r) for r in items]
    if who is not None and continuation is None:
        own = repository.get(hearing_id, response_id_for(hearing_id, who.subject))
        if own is not None:
            page = [ResponseView.of(own.model), *[p for p in page if p.id != own.model.id]]
    return ResponsePage(items=page, continuation=token)


@raises(NotFound)
def get_response(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> ResponseView | PublicResponse:
    viewer = viewer_of(who, vault)
    hearing = visible_hearing(documents, viewer, hearing_id).model
    loaded = ResponseRepository(documents).get(hearing_id, response_id)
    if loaded is None:
        raise NotFound("no such response", field="responseId")
    response = loaded.model
    if who is not None and who.subject == response.respondent.subject:
        return ResponseView.of(response)
    if access.may_manage(viewer, hearing):
        _audit(documents, clock, who, hearing_id, "personal-data.read", response_id, what="response")
        return ResponseView.of(response)
    if response.is_public:
        return _public(response)
    raise NotFound("no such response", field="responseId")


def _intake_hearing(
    viewer: Viewer, hearing_id: str, now: datetime, *, documents: DocumentStore, intake_hearings: HearingCache | None
) -> Hearing:
    if intake_hearings is None:
        return visible_hearing(documents, viewer, hearing_id).model
    return ensure_visible(viewer, intake_hearings.get(HearingRepository(documents), hearing_id, now))


def _limit(limiter: RateLimiter, who: Identity) -> None:
    wait = limiter.acquire(f"responses:{who.subject}")
    if wait is not None:
        raise TooManyRequests("too many responses from you in a short time; try again shortly", retry_after=wait)


def _same(response: Response, submission: ResponseSubmission) -> bool:
    return (
        response.text == submission.text
        and response.respondent.publish_name == submission.publish_name
        and response.status is not ResponseStatus.WITHDRAWN
    )


def _public(response: Response) -> PublicResponse:
    return PublicResponse(
        id=response.id,
        hearing_id=response.hearing_id,
        author=response.respondent.public_author(),
        text=response.text,
        received_at=response.received_at,
        attachments=PublicAttachment.listed(response),
    )


def rescreen_stalled(
    older_than: timedelta = STALLED_AFTER,
    at_most: int = 500,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
) -> int:
    """Timer: announce again responses still unscreened a while after they arrived (their message was
    lost, dead-lettered, or the broker was down when they came in). Each response is announced again
    at most once an hour (the message id names the hour; duplicate detection drops the rest), and a
    run announces at most ``at_most``, oldest first, so a backlog is not multiplied."""
    now = clock.now()
    cutoff = format_instant(now - older_than)
    hour = now.strftime("%Y%m%d%H")
    stalled = (Filter("status", "=", ResponseStatus.SUBMITTED.value), Filter("updatedAt", "<=", cutoff))
    relay_response_outboxes(documents=documents, bus=bus)
    count = 0
    for response in ResponseRepository(documents).stalled(*stalled):
        if count >= at_most:
            break
        _announce(bus, response, again=hour)
        count += 1
    return count


def relay_response_outboxes(*, documents: DocumentStore, bus: MessageBus) -> int:
    """Copy trail entries a crash left in responses' outboxes to the trail; returns how many responses."""
    relayed = 0
    for loaded in ResponseRepository(documents).with_pending_audit():
        try:
            relay(documents, bus, loaded)
            relayed += 1
        except Exception:  # one response (say, moderated at this very moment) must not stop the others
            log.warning("relaying response %s's outbox failed; the next run retries", loaded.model.id, exc_info=True)
    return relayed


def _commit(loaded: Loaded[Response], *, documents: DocumentStore, bus: MessageBus) -> None:
    """The response's new state and its audit entry, as one write."""
    with UnitOfWork(documents, bus) as uow:
        uow.save(loaded)
        uow.commit()


def _announce_or_leave(bus: MessageBus, response: Response) -> None:
    # The response is stored, so the receipt stands even when the broker is down; the sweep
    # (rescreen_stalled) announces it later.
    try:
        _announce(bus, response)
    except Exception:
        log.warning("announcing response %s failed; the sweep will retry", response.id, exc_info=True)


def _announce(bus: MessageBus, response: Response, again: str = "") -> None:
    # The id names the version, so a retry of the same version is dropped by duplicate detection.
    suffix = f":again:{again}" if again else ""
    bus.publish(
        queues.RESPONSES_RECEIVED,
        OutgoingMessage(
            message_id=f"{response.id}:{response.digest[-16:]}{suffix}",
            subject="response-received",
            body={"hearingId": response.hearing_id, "responseId": response.id},
        ),
    )


def _audit(
    documents: DocumentStore,
    clock: Clock,
    who: Identity | None,
    hearing_id: str,
    action: str,
    response_id: str | None,
    **details: str,
) -> None:
    target = f"response:{response_id}" if response_id else None
    AuditRepository(documents).append(AuditEvent.record(who, hearing_id, action, clock.now(), target=target, **details))


def _own_response(
    who: Identity | None, hearing_id: str, response_id: str, *, documents: DocumentStore, vault: PersonalDataVault
) -> tuple[Loaded[Response], Hearing]:
    if who is None:
        raise NotAuthenticated("sign in to change your response")
    hearing = visible_hearing(documents, viewer_of(who, vault), hearing_id).model
    loaded = ResponseRepository(documents).get(hearing_id, response_id)
    if loaded is None or loaded.model.respondent.subject != who.subject:
        raise NotFound("no such response", field="responseId")
    return loaded, hearing
