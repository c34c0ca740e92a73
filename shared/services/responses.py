"""Responses: accept first (store durably, hand out a receipt), screen and moderate later."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import Field

from shared.domain import access
from shared.domain.access import Viewer
from shared.domain.audit import SYSTEM, AuditEvent
from shared.domain.base import InputModel, Instant, PortalModel, format_instant
from shared.domain.errors import (
    Conflict,
    Forbidden,
    HearingNotOpen,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    StaleWrite,
    TooManyRequests,
    raises,
)
from shared.domain.hearing import Hearing
from shared.domain.identity import Identity
from shared.domain.moderation import REASON_LENGTH, CaseworkerNotes
from shared.domain.redaction import Language, Redaction
from shared.domain.reference import ReferenceType
from shared.domain.response import Receipt, Response, ResponseStatus, content_digest, response_id_for
from shared.domain.screening import Flag, screen
from shared.domain.text import OneLine, VisibleText
from shared.ports.clock import Clock
from shared.ports.documents import DocumentExists, DocumentStore, Filter
from shared.ports.mail import Mailer
from shared.ports.messages import DeferredBus, MessageBus, OutgoingMessage
from shared.ports.rate_limit import RateLimiter
from shared.ports.signing import ReceiptSigner
from shared.ports.vault import PersonalDataVault
from shared.services import campaigns, numbering, queues, respondent_notices, terms
from shared.services.blacklist import blacklisted_terms
from shared.services.guards import ensure_visible, visible_hearing
from shared.services.hearing_cache import HearingCache
from shared.services.moderating import (
    CityAreas,
    language_from,
    moderated_hearing,
    record_redaction,
)
from shared.services.repositories import (
    AuditRepository,
    HearingRepository,
    Loaded,
    ReferenceRepository,
    ResponseRepository,
)
from shared.services.response_attachments import AttachmentView, PublicAttachment
from shared.services.response_receipts import issue_receipts
from shared.services.unit_of_work import UnitOfWork, relay
from shared.services.viewers import viewer_of
from shared.settings import Settings

log = logging.getLogger(__name__)

# A response still unscreened this long after it arrived has lost its message.
STALLED_AFTER = timedelta(minutes=5)


class ResponseSubmission(InputModel):
    text: VisibleText = Field(min_length=1, max_length=50_000)
    publish_name: bool = Field(default=False, description="Show the respondent's name publicly")
    accepted_terms: int | None = Field(default=None, ge=1, description="The version of the terms accepted")
    city_area_id: OneLine | None = Field(
        default=None, max_length=100, description="Shown with 'Borger' publicly; one of the admins' city areas"
    )


class Decision(InputModel):
    clear_flags: bool = Field(default=False, description="Redact every open personal-data flag, then approve")
    publish: bool = True
    reason: str | None = Field(default=None, max_length=REASON_LENGTH, description="Why (required to decline)")


class Decline(InputModel):
    reason: str = Field(min_length=1, max_length=REASON_LENGTH, description="Told to the respondent")


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
    decline_reason: str | None = None
    accepted_terms: int | None = None
    city_area_id: str | None = None
    publish_name: bool = Field(default=False, description="The respondent chose to show their name when published")

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
            decline_reason=response.decline_reason,
            accepted_terms=response.accepted_terms,
            city_area_id=response.respondent.city_area_id,
            publish_name=response.respondent.publish_name,
        )


class ModeratedResponseView(ResponseView):
    """For those who moderate: ``text`` is the public version as decided so far (never a CPR number;
    the original is read on its own, audited); plus the redactions and the caseworker's notes."""

    redactions: list[Redaction]
    notes: CaseworkerNotes | None = None
    campaign_group_id: str | None = None
    public_author: str

    @classmethod
    def moderated(cls, response: Response, language: Language = "da") -> ModeratedResponseView:
        view = ResponseView.of(response).model_dump()
        view["text"] = response.public_text(language)
        return cls(
            **view,
            redactions=response.redactions,
            notes=response.notes,
            campaign_group_id=response.campaign_group_id,
            public_author=response.respondent.public_author(),
        )


class ResponsePage(PortalModel):
    items: list[ResponseView | PublicResponse]
    continuation: str | None = None


@raises(NotAuthenticated, Forbidden, NotFound, HearingNotOpen, Conflict, TooManyRequests, InvalidInput)
def submit_response(
    who: Identity | None,
    hearing_id: str,
    submission: ResponseSubmission,
    arrived: datetime | None = None,
    idempotency_key: str | None = None,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    limiter: RateLimiter,
    intake_hearings: HearingCache | None = None,  # the intake path's short-lived copies; None reads every time
    deferred_bus: DeferredBus | None = None,  # announces after the answer; None announces before it
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
    terms.ensure_accepted(submission, documents=documents, copies=intake_hearings, now=now)
    _check_city_area(submission, documents)
    response = Response.receive(hearing_id, who, submission.text, submission.publish_name, now)
    response.record_consent(submission.accepted_terms, submission.city_area_id)
    if who.cpr:
        response.respondent.cpr_sealed = vault.seal(who.cpr)  # for Digital Post and the records system
    try:
        repository.add(response)
    except DocumentExists:
        existing = repository.require(hearing_id, response.id)
        if _same(existing.model, submission):
            _announce_or_leave(bus, existing.model, deferred_bus)  # the first attempt may have stopped before this
            return Receipt.of(existing.model), False
        if existing.model.status is ResponseStatus.WITHDRAWN:
            existing.model.resubmit(submission.text, submission.publish_name, now)
            existing.model.record_consent(submission.accepted_terms, submission.city_area_id)
            repository.save(existing)
            response = existing.model
        else:
            # Only a respondent who already responded pays for reading the hearing type.
            another = _another_response(
                response, hearing, submission, idempotency_key, documents=documents, bus=bus, deferred_bus=deferred_bus
            )
            return another, True
    _announce_or_leave(bus, response, deferred_bus)
    return Receipt.of(response), True


def _check_city_area(submission: ResponseSubmission, documents: DocumentStore) -> None:
    """A city area the response names is one the admins keep: the public sees its name with "Borger"."""
    if submission.city_area_id is None:
        return
    known = {area.id for area in ReferenceRepository(documents).areas(ReferenceType.CITY_AREA)}
    if submission.city_area_id not in known:
        raise InvalidInput("no such city area", field="cityAreaId")


def _another_response(
    first: Response,
    hearing: Hearing,
    submission: ResponseSubmission,
    idempotency_key: str | None,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    deferred_bus: DeferredBus | None,
) -> Receipt:
    """A further response where the hearing type allows more than one per respondent; 409 beyond that."""
    template = ReferenceRepository(documents).template(hearing.template_id)
    allowed = template.responses_per_respondent if template is not None else 1
    if allowed <= 1:
        raise Conflict("you have already responded to this hearing; edit your response instead", field="text")
    subject = first.respondent.subject
    repository = ResponseRepository(documents)
    response_id = response_id_for(hearing.id, subject, idempotency_key or uuid.uuid4().hex)
    earlier = repository.get(hearing.id, response_id)
    if earlier is not None and _same(earlier.model, submission):
        return Receipt.of(earlier.model)
    filed = sum(1 for _ in repository.each(hearing.id, Filter("respondent.subject", "=", subject)))
    if filed >= allowed:
        raise Conflict(f"this hearing takes at most {allowed} responses from each respondent", field="text")
    response = first.model_copy(update={"id": response_id})
    response.digest = content_digest(hearing.id, response_id, response.text, response.received_at)
    repository.add(response)
    _announce_or_leave(bus, response, deferred_bus)
    return Receipt.of(response)


@raises(NotAuthenticated, NotFound, HearingNotOpen, StaleWrite, TooManyRequests, InvalidInput)
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
    deferred_bus: DeferredBus | None = None,
) -> Receipt:
    loaded, hearing = _own_response(who, hearing_id, response_id, documents=documents, vault=vault)
    now = clock.now()
    if not hearing.accepts_responses_at(now):
        raise HearingNotOpen("responses can only be edited while the hearing is active", field="hearingId")
    assert who is not None  # _own_response refuses anonymous callers
    _limit(limiter, who)
    terms.ensure_accepted(submission, documents=documents)
    _check_city_area(submission, documents)
    loaded.model.revise(submission.text, submission.publish_name, now)
    loaded.model.record_consent(submission.accepted_terms, submission.city_area_id)
    ResponseRepository(documents).save(loaded)
    _announce_or_leave(bus, loaded.model, deferred_bus)
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


def screen_response(
    hearing_id: str,
    response_id: str,
    *,
    documents: DocumentStore,
    clock: Clock,
    signer: ReceiptSigner,
    mailer: Mailer,
    vault: PersonalDataVault,
    settings: Settings,
) -> bool:
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
    now = clock.now()
    flags = screen(response.text, blacklist=blacklisted_terms(documents))
    screened = response.record_screening(flags, now)  # False: a redelivery
    if screened:  # grouped in the same write as the screening; an edited response is regrouped
        response.campaign_group_id = campaigns.campaign_of(hearing_id, response_id, response.text, documents=documents)
    if screened and not response.flags and _auto_approves(documents, hearing_id):
        response.approve(SYSTEM, clear_flags=False, publish=True, now=now)
        response.record_audit(None, "response.approved", now, target=f"response:{response.id}", automatic="true")
        _commit(loaded, documents=documents, bus=None)
    elif screened:
        repository.save(loaded)
    # Numbered and signed here, off the hot path, in arrival order; both are safe to repeat.
    numbering.assign_number(hearing_id, response_id, documents=documents)
    issue_receipts(hearing_id, response_id, documents=documents, signer=signer)
    respondent_notices.after_screening(
        hearing_id, response_id, documents=documents, mailer=mailer, vault=vault, clock=clock, settings=settings
    )
    return screened


def _auto_approves(documents: DocumentStore, hearing_id: str) -> bool:
    """The hearing type approves responses screening found nothing in."""
    hearing = HearingRepository(documents).get(hearing_id)
    template = None if hearing is None else ReferenceRepository(documents).template(hearing.model.template_id)
    return template is not None and template.auto_approve


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput)
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
    mailer: Mailer,
    settings: Settings,
) -> ResponseView:
    """Approve (open flags: 409 naming each, unless ``clearFlags`` redacts them) or decline with a reason,
    which the respondent is told."""
    hearing, moderator = moderated_hearing(who, hearing_id, documents=documents, vault=vault)
    reason = (decision.reason or "").strip()
    if not approve and not reason:
        raise InvalidInput("say why the response is declined; the respondent is told", field="reason")
    loaded = ResponseRepository(documents).require(hearing.id, response_id)
    response, now = loaded.model, clock.now()
    target = f"response:{response_id}"
    if approve:
        made = response.approve(moderator.subject, decision.clear_flags, decision.publish, now)
        for redaction in made:
            record_redaction(response, moderator, redaction)
        response.record_audit(moderator, "response.approved", now, target=target, published=str(decision.publish))
    else:
        response.decline(moderator.subject, now, reason)
        response.record_audit(moderator, "response.declined", now, target=target)
    _commit(loaded, documents=documents, bus=bus)
    # After the commit: a respondent is never told of a decision that was not stored. The ids name the
    # decision, so deciding again delivers each notice once; a failed send is retried by the sweep.
    notices = respondent_notices.Ports(documents, mailer, vault, clock, settings).kw()
    if not approve:
        respondent_notices.tell_declined(hearing, response, **notices)
    else:
        respondent_notices.tell_redacted(hearing, response, made, **notices)
        if response.published:
            respondent_notices.tell_published(hearing, response, **notices)
    return ModeratedResponseView.moderated(response)


@raises(NotFound)
def list_responses(
    who: Identity | None,
    hearing_id: str,
    limit: int = 50,
    continuation: str | None = None,
    accept_language: str | None = None,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> ResponsePage:
    """Moderators see all; everyone else sees the published ones, plus their own in every state."""
    viewer = viewer_of(who, vault)
    hearing = visible_hearing(documents, viewer, hearing_id).model
    repository = ResponseRepository(documents)
    language = language_from(accept_language)
    if access.may_manage(viewer, hearing):
        items, token = repository.page(hearing_id, (), limit, continuation)
        _audit(documents, clock, who, hearing_id, "personal-data.read", None, what="responses", count=str(len(items)))
        moderated = [ModeratedResponseView.moderated(r, language) for r in items]
        return ResponsePage(items=list(moderated), continuation=token)
    public = (Filter("status", "=", ResponseStatus.APPROVED.value), Filter("published", "=", True))
    items, token = repository.page(hearing_id, public, limit, continuation)
    areas = CityAreas(documents)
    page: list[ResponseView | PublicResponse] = [_public(r, language, areas) for r in items]
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
    accept_language: str | None = None,
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
    language = language_from(accept_language)
    if who is not None and who.subject == response.respondent.subject:
        return ResponseView.of(response)
    if access.may_manage(viewer, hearing):
        _audit(documents, clock, who, hearing_id, "personal-data.read", response_id, what="response")
        return ModeratedResponseView.moderated(response, language)
    if response.is_public:
        return _public(response, language, CityAreas(documents))
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


def _public(response: Response, language: Language, areas: CityAreas) -> PublicResponse:
    """What anyone may read: the text with every redaction (and never a CPR number), the author as consented."""
    return PublicResponse(
        id=response.id,
        hearing_id=response.hearing_id,
        author=response.respondent.public_author(areas.name(response.respondent.city_area_id)),
        text=response.public_text(language),
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
        _announce(bus.publish, response, again=hour)
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


def _commit(loaded: Loaded[Response], *, documents: DocumentStore, bus: MessageBus | None) -> None:
    """The response's new state and its audit entry, as one write."""
    with UnitOfWork(documents, bus) as uow:
        uow.save(loaded)
        uow.commit()


def _announce_or_leave(bus: MessageBus, response: Response, deferred_bus: DeferredBus | None = None) -> None:
    # The response is stored, so the receipt stands even when the broker is down; the sweep
    # (rescreen_stalled) announces it later. So the announcement may also follow the answer.
    try:
        _announce(deferred_bus.publish_soon if deferred_bus is not None else bus.publish, response)
    except Exception:
        log.warning("announcing response %s failed; the sweep will retry", response.id, exc_info=True)


def _announce(publish: Callable[[str, OutgoingMessage], None], response: Response, again: str = "") -> None:
    # The id names the version, so a retry of the same version is dropped by duplicate detection.
    suffix = f":again:{again}" if again else ""
    publish(
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
