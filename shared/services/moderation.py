"""Moderation: a hearing's responses by status, flag and campaign; flags decided one by one; spans
redacted by hand; the original read under audit; notes, summary and assessment; bulk decisions.

Owner and admins only (``managed_hearing``); changes stop when the hearing is concluded. Every change
is audited in the same write as the change (the response's outbox); a read of the original text is
written to the trail before the text is handed out.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from pydantic import Field

from shared.domain.audit import AuditEvent
from shared.domain.base import InputModel, PortalModel
from shared.domain.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PortalError,
    raises,
)
from shared.domain.identity import Identity
from shared.domain.moderation import REASON_LENGTH, CaseworkerNotes, NotesChange
from shared.domain.redaction import Span
from shared.domain.response import Response, ResponseStatus
from shared.domain.screening import Flag, FlagKind, FlagState
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Filter
from shared.ports.mail import Mailer
from shared.ports.messages import MessageBus
from shared.ports.vault import PersonalDataVault
from shared.services import respondent_notices
from shared.services.guards import managed_hearing
from shared.services.moderating import ensure_clean_reason, language_from, moderated_hearing, record_redaction
from shared.services.repositories import AuditRepository, Loaded, ResponseRepository
from shared.services.responses import Decision, ModeratedResponseView, decide_response
from shared.services.unit_of_work import UnitOfWork
from shared.services.viewers import viewer_of
from shared.settings import Settings

log = logging.getLogger(__name__)
BULK_LIMIT = 100


class FlagDecision(InputModel):
    decision: Literal["accept", "redact"]
    reason: str | None = Field(default=None, max_length=REASON_LENGTH)


class RedactionRequest(InputModel):
    spans: list[Span] = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=REASON_LENGTH)


class FlagList(PortalModel):
    response_id: str
    flags: list[Flag]


class OriginalText(PortalModel):
    response_id: str
    text: str


class NotesView(PortalModel):
    response_id: str
    notes: CaseworkerNotes | None


class BulkDecision(InputModel):
    # Response ids are UUIDs; a longer one names no response and would only be echoed back.
    ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=BULK_LIMIT)
    decision: Literal["approve", "decline"]
    reason: str | None = Field(default=None, max_length=REASON_LENGTH)
    clear_flags: bool = False
    publish: bool = True


class ItemProblem(PortalModel):
    field: str
    detail: str


class BulkItem(PortalModel):
    id: str
    status: int  # as the single request would have answered
    outcome: str  # approved, declined, or the problem's kind
    detail: str | None = None
    errors: list[ItemProblem] = Field(default_factory=list)


class BulkOutcome(PortalModel):
    items: list[BulkItem]
    succeeded: int
    failed: int


class ModerationPage(PortalModel):
    items: list[ModeratedResponseView]
    continuation: str | None = None


@raises(NotAuthenticated, Forbidden, NotFound, InvalidInput)
def moderation_list(
    who: Identity | None,
    hearing_id: str,
    status: str | None = None,
    flag_kind: str | None = None,
    campaign_group_id: str | None = None,
    limit: int = 50,
    continuation: str | None = None,
    accept_language: str | None = None,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> ModerationPage:
    """A hearing's responses for its moderators, filtered and in pages (read-only: any hearing state)."""
    viewer = viewer_of(who, vault)
    hearing = managed_hearing(documents, viewer, hearing_id).model
    filters: list[Filter] = []
    if status:
        filters.append(Filter("status", "=", _choice(ResponseStatus, status, "status")))
    if flag_kind:
        filters.append(Filter("flagKinds", "contains", _choice(FlagKind, flag_kind, "flagKind")))
    if campaign_group_id:
        filters.append(Filter("campaignGroupId", "=", campaign_group_id))
    items, token = ResponseRepository(documents).page(hearing.id, tuple(filters), limit, continuation)
    AuditRepository(documents).append(
        AuditEvent.record(who, hearing.id, "personal-data.read", clock.now(), what="moderation", count=str(len(items)))
    )
    language = language_from(accept_language)
    return ModerationPage(items=[ModeratedResponseView.moderated(r, language) for r in items], continuation=token)


class ModerationCounts(PortalModel):
    """How many responses are in each state of the queue; "flagged" are those awaiting review with an open flag."""

    total: int = 0
    awaiting_review: int = 0
    flagged: int = 0
    approved: int = 0
    declined: int = 0


@raises(NotAuthenticated, Forbidden, NotFound)
def ensure_moderator(
    who: Identity | None, hearing_id: str, *, documents: DocumentStore, vault: PersonalDataVault
) -> None:
    """Refuses anyone who does not run the hearing; reads the hearing only, not its responses."""
    managed_hearing(documents, viewer_of(who, vault), hearing_id)


@raises(NotAuthenticated, Forbidden, NotFound)
def moderation_counts(
    who: Identity | None, hearing_id: str, *, documents: DocumentStore, vault: PersonalDataVault
) -> ModerationCounts:
    """The queue's counts for its moderators; states only, nothing a respondent wrote."""
    hearing = managed_hearing(documents, viewer_of(who, vault), hearing_id).model
    counts = ModerationCounts()
    for response in ResponseRepository(documents).each(hearing.id):
        counts.total += 1
        if response.status is ResponseStatus.AWAITING_REVIEW:
            counts.awaiting_review += 1
            counts.flagged += 1 if response.open_flags else 0
        elif response.status is ResponseStatus.APPROVED:
            counts.approved += 1
        elif response.status is ResponseStatus.DECLINED:
            counts.declined += 1
    return counts


@raises(NotAuthenticated, Forbidden, NotFound)
def list_flags(
    who: Identity | None, hearing_id: str, response_id: str, *, documents: DocumentStore, vault: PersonalDataVault
) -> FlagList:
    """Where each flag is (offsets into the original) and what was decided; excerpts are masked."""
    hearing = managed_hearing(documents, viewer_of(who, vault), hearing_id).model
    response = ResponseRepository(documents).require(hearing.id, response_id).model
    return FlagList(response_id=response.id, flags=response.flags)


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput)
def decide_flag(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    flag_id: str,
    request: FlagDecision,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    mailer: Mailer,
    settings: Settings,
) -> ModeratedResponseView:
    """Accept or redact one flag. A CPR number can only be redacted (409)."""
    hearing, moderator = moderated_hearing(who, hearing_id, documents=documents, vault=vault)
    reason = ensure_clean_reason(request.reason) if request.reason else None
    loaded = ResponseRepository(documents).require(hearing.id, response_id)
    response, now = loaded.model, clock.now()
    state = FlagState.ACCEPTED if request.decision == "accept" else FlagState.REDACTED
    redaction = response.decide_flag(flag_id, state, moderator.subject, now)
    if redaction is not None:
        if reason:
            redaction.reason = reason
        record_redaction(response, moderator, redaction)
    else:
        details = {"flag": flag_id, **({"reason": reason} if reason else {})}
        response.record_audit(moderator, "flag.accepted", now, target=f"response:{response.id}", **details)
    _save(loaded, documents, bus)
    made = [redaction] if redaction is not None else []
    notices = _notice_ports(documents, mailer, vault, clock, settings)
    respondent_notices.tell_redacted(hearing, response, made, **notices)
    return ModeratedResponseView.moderated(response)


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput)
def redact_spans(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    request: RedactionRequest,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    mailer: Mailer,
    settings: Settings,
) -> ModeratedResponseView:
    """Redact spans chosen by hand, with a reason; the original stays as written."""
    hearing, moderator = moderated_hearing(who, hearing_id, documents=documents, vault=vault)
    reason = ensure_clean_reason(request.reason)
    loaded = ResponseRepository(documents).require(hearing.id, response_id)
    response = loaded.model
    made = response.redact_spans(request.spans, reason, moderator.subject, clock.now())
    for redaction in made:
        record_redaction(response, moderator, redaction)
    _save(loaded, documents, bus)
    notices = _notice_ports(documents, mailer, vault, clock, settings)
    respondent_notices.tell_redacted(hearing, response, made, **notices)
    return ModeratedResponseView.moderated(response)


@raises(NotAuthenticated, Forbidden, NotFound)
def read_original(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> OriginalText:
    """The text as the respondent wrote it, for the owner and admins; the read is in the trail before
    the text leaves (a failed trail write answers an error, not the text)."""
    viewer = viewer_of(who, vault)
    hearing = managed_hearing(documents, viewer, hearing_id).model
    response = ResponseRepository(documents).require(hearing.id, response_id).model
    AuditRepository(documents).append(
        AuditEvent.record(who, hearing.id, "response.original.read", clock.now(), target=f"response:{response.id}")
    )
    return OriginalText(response_id=response.id, text=response.text)


@raises(NotAuthenticated, Forbidden, NotFound, Conflict)
def set_notes(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    change: NotesChange,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> NotesView:
    """The caseworker's internal note, summary (resumé) and assessment (vurdering). The trail says which
    of them changed, not what they say."""
    hearing, moderator = moderated_hearing(who, hearing_id, documents=documents, vault=vault)
    loaded = ResponseRepository(documents).require(hearing.id, response_id)
    response, now = loaded.model, clock.now()
    before = response.notes
    notes = CaseworkerNotes(
        note=change.note, summary=change.summary, assessment=change.assessment, by=moderator.subject, at=now
    )
    changed = [
        name
        for name in ("note", "summary", "assessment")
        if getattr(notes, name) != (getattr(before, name) if before else None)
    ]
    if changed:
        response.set_notes(notes)
        response.record_audit(
            moderator, "response.notes.changed", now, target=f"response:{response.id}", fields=",".join(changed)
        )
        _save(loaded, documents, bus)
    return NotesView(response_id=response.id, notes=response.notes)


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput)
def bulk_decide(
    who: Identity | None,
    hearing_id: str,
    request: BulkDecision,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
    mailer: Mailer,
    settings: Settings,
) -> BulkOutcome:
    """Approve or decline many responses; each is decided on its own, and one that fails (open flags,
    gone, already withdrawn) does not stop the others. Access is checked once, before any item."""
    moderated_hearing(who, hearing_id, documents=documents, vault=vault)
    if request.decision == "decline" and not (request.reason or "").strip():
        raise InvalidInput("say why the responses are declined; each respondent is told", field="reason")
    decision = Decision(clear_flags=request.clear_flags, publish=request.publish, reason=request.reason)
    approve = request.decision == "approve"
    items: list[BulkItem] = []
    for response_id in dict.fromkeys(request.ids):  # each id once, in the order sent
        try:
            decide_response(
                who,
                hearing_id,
                response_id,
                approve,
                decision,
                documents=documents,
                bus=bus,
                clock=clock,
                vault=vault,
                mailer=mailer,
                settings=settings,
            )
        except PortalError as error:
            items.append(_failed(response_id, error))
        except Exception:
            # Say so for this item and go on; what was committed for it stays committed.
            log.exception("bulk decision on response %s failed", response_id)
            items.append(BulkItem(id=response_id, status=500, outcome="error", detail="the portal could not decide it"))
        else:
            items.append(BulkItem(id=response_id, status=200, outcome="approved" if approve else "declined"))
    succeeded = sum(1 for item in items if item.status == 200)
    return BulkOutcome(items=items, succeeded=succeeded, failed=len(items) - succeeded)


def _notice_ports(
    documents: DocumentStore, mailer: Mailer, vault: PersonalDataVault, clock: Clock, settings: Settings
) -> respondent_notices.NoticePorts:
    return respondent_notices.Ports(documents, mailer, vault, clock, settings).kw()


def _save(loaded: Loaded[Response], documents: DocumentStore, bus: MessageBus) -> None:
    """The response's new state and its trail entries, as one write."""
    with UnitOfWork(documents, bus) as uow:
        uow.save(loaded)
        uow.commit()


def _failed(response_id: str, error: PortalError) -> BulkItem:
    status, outcome = 400, "bad-request"
    for kind, answer in _STATUS.items():
        if isinstance(error, kind):
            status, outcome = answer
            break
    problems: list[FieldProblem] = error.problems
    return BulkItem(
        id=response_id,
        status=status,
        outcome=outcome,
        detail=error.detail,
        errors=[ItemProblem(field=p.field, detail=p.message) for p in problems],
    )


# The statuses the single request answers with (functions/problems.py), for each item's report.
_STATUS: dict[type[PortalError], tuple[int, str]] = {
    NotFound: (404, "not-found"),
    Conflict: (409, "conflict"),
    InvalidInput: (422, "invalid-input"),
    Forbidden: (403, "forbidden"),
}


def _choice(kind: type[ResponseStatus] | type[FlagKind], value: str, field: str) -> str:
    try:
        return kind(value).value
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidInput(f"must be one of {choices}", field=field) from None
