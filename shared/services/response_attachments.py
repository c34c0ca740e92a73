"""Attachments to responses: an upload URL for the respondent, then a blob trigger that checks the file.

The trigger takes only files the portal handed out a URL for, scans each for malware first, then
checks size, count and content (magic bytes, never the name), reads the text of PDF and DOCX files
and screens it for personal data, so the attachment's flags join the response's review. A refused
file is deleted, a file with malware moved to quarantine; either way the respondent is told why, and
the attachment keeps its state and reason on the response.
"""

from __future__ import annotations

import hashlib
import html
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from shared.domain.attachments import (
    MAX_FILENAME_LENGTH,
    UPLOAD_BLOB,
    Attachment,
    AttachmentState,
    attachment_blob_name,
    loggable_blob_name,
    original_blob_name,
    parse_attachment_blob_name,
    public_filename,
    published_blob_name,
    refusal_by_kind,
    refusal_by_size,
    safe_filename,
)
from shared.domain.base import InputModel, Instant, PortalModel
from shared.domain.errors import Conflict, HearingNotOpen, InvalidInput, NotAuthenticated, NotFound, StaleWrite, raises
from shared.domain.files import FileKind, sniff_kind
from shared.domain.hearing import Hearing
from shared.domain.identity import Identity, IdentityKind
from shared.domain.reference import AttachmentLimits
from shared.domain.response import Response, ResponseStatus
from shared.domain.screening import Flag, screen
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.files import FileExists, FileStore
from shared.ports.mail import Channel, Mailer, Notification
from shared.ports.malware import MalwareScanner, ScanPending
from shared.ports.signing import ReceiptSigner
from shared.ports.vault import PersonalDataVault
from shared.services import numbering
from shared.services.containers import ATTACHMENTS_CONTAINER, QUARANTINE_CONTAINER, RESPONSE_UPLOADS_CONTAINER
from shared.services.guards import visible_hearing
from shared.services.metadata_removal import without_metadata
from shared.services.repositories import HearingRepository, Loaded, ReferenceRepository, ResponseRepository
from shared.services.response_receipts import issue_receipts
from shared.services.text_extraction import UnreadableFile, extract_text
from shared.services.unit_of_work import UnitOfWork
from shared.services.viewers import viewer_of
from shared.services.web_links import hearing_page, web_base_url
from shared.settings import Settings

log = logging.getLogger(__name__)

UPLOAD_URL_LIFETIME = timedelta(minutes=15)
_NOTIFICATION_NAMESPACE = uuid.UUID("3c0f1e52-8a7d-4b6e-9f21-5d4a7c8e1b90")


class AttachmentUploadRequest(InputModel):
    filename: str = Field(min_length=1, max_length=MAX_FILENAME_LENGTH, description="the file's name, e.g. bilag.pdf")


class AttachmentUploadTicket(PortalModel):
    upload_url: str
    method: str = "PUT"
    headers: dict[str, str]
    attachment_id: str
    expires_at: Instant
    max_bytes: int = Field(description="larger files are refused when they arrive")
    allowed_types: list[str] = Field(description="content types accepted, judged by the file's content")


class AttachmentView(PortalModel):
    """For the respondent and the moderators: the state, and why a file was refused."""

    id: str
    filename: str
    state: AttachmentState
    reason: str | None = None
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = Field(default=None, description="the file's SHA-256, named in the receipt once accepted")
    public_filename: str | None = Field(
        default=None, description="the name the public sees: a neutral one when the name carries personal data"
    )
    flags: list[Flag] = Field(default_factory=list)

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentView:
        return cls.model_validate(attachment.model_dump(include=set(cls.model_fields)))


class PublicAttachment(PortalModel):
    id: str
    filename: str
    content_type: str
    size: int

    @classmethod
    def listed(cls, response: Response) -> list[PublicAttachment]:
        """The attachments the public may download, once the response is public."""
        if not response.is_public:
            return []
        published = [a for a in response.attachments if a.publishable_after(response.decided_at)]
        return [
            cls(
                id=a.id,
                filename=a.shown_name(number),
                content_type=a.content_type or "",
                size=a.published_size or a.size or 0,
            )
            for number, a in enumerate(published, start=1)
        ]


class AttachmentOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    QUARANTINED = "quarantined"
    ALREADY_PROCESSED = "already-processed"
    DISCARDED = "discarded"  # no upload URL was handed out for this blob


def attachment_limits(hearing: Hearing, *, documents: DocumentStore, settings: Settings) -> AttachmentLimits:
    """The hearing type's limits; the portal-wide largest upload caps the size."""
    template = ReferenceRepository(documents).template(hearing.template_id)
    limits = template.attachment_limits if template is not None else AttachmentLimits()
    return limits.model_copy(update={"max_bytes": min(limits.max_bytes, settings.max_upload_bytes)})


@raises(NotAuthenticated, NotFound, HearingNotOpen, Conflict, InvalidInput, StaleWrite)
def request_attachment_upload(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    request: AttachmentUploadRequest,
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    vault: PersonalDataVault,
    settings: Settings,
) -> AttachmentUploadTicket:
    """A short-lived URL the respondent's browser PUTs one file to."""
    attachment, name, limits = _reserve(
        who, hearing_id, response_id, request.filename, documents=documents, clock=clock, vault=vault, settings=settings
    )
    return AttachmentUploadTicket(
        upload_url=files.upload_url(RESPONSE_UPLOADS_CONTAINER, name, UPLOAD_URL_LIFETIME),
        headers={"x-ms-blob-type": "BlockBlob"},
        attachment_id=attachment.id,
        expires_at=attachment.upload_expires_at,
        max_bytes=limits.max_bytes,
        allowed_types=[kind.content_type for kind in limits.kinds],
    )


@raises(NotAuthenticated, NotFound, HearingNotOpen, Conflict, InvalidInput, StaleWrite)
def attach_file(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    filename: str,
    data: bytes,
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    vault: PersonalDataVault,
    settings: Settings,
    scanner: MalwareScanner,
    mailer: Mailer,
    signer: ReceiptSigner,
) -> AttachmentView:
    """A file the respondent sent with the response form (no JavaScript, so no upload URL): recorded
    like an upload URL handed out, then checked at once by the blob trigger's own steps, so it meets
    the same rules (content, size, count, malware). A scanner without a verdict yet (Defender scans
    the stored blob) gets the file in the uploads container, and the trigger finishes it there."""
    attachment, name, _ = _reserve(
        who, hearing_id, response_id, filename, documents=documents, clock=clock, vault=vault, settings=settings
    )
    try:
        process_attachment_blob(
            name,
            len(data),
            lambda: data,
            documents=documents,
            files=files,
            clock=clock,
            settings=settings,
            scanner=scanner,
            mailer=mailer,
            signer=signer,
        )
    except ScanPending:
        files.write(RESPONSE_UPLOADS_CONTAINER, name, data, content_type="application/octet-stream")
    loaded = ResponseRepository(documents).get(hearing_id, response_id)
    stored = next((a for a in loaded.model.attachments if a.id == attachment.id), attachment) if loaded else attachment
    return AttachmentView.of(stored)


def _reserve(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    filename: str,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
    settings: Settings,
) -> tuple[Attachment, str, AttachmentLimits]:
    """The attachment recorded on the response as awaited, with its blob name: only the respondent,
    while the hearing is active, and within the hearing type's count."""
    if who is None:
        raise NotAuthenticated("sign in to add attachments to your response")
    hearing = visible_hearing(documents, viewer_of(who, vault), hearing_id).model
    loaded = ResponseRepository(documents).get(hearing_id, response_id)
    if loaded is None or loaded.model.respondent.subject != who.subject:
        raise NotFound("no such response", field="responseId")
    now = clock.now()
    if not hearing.accepts_responses_at(now):
        raise HearingNotOpen("attachments can only be added while the hearing is active", field="hearingId")
    response = loaded.model
    if response.status is ResponseStatus.WITHDRAWN:
        raise Conflict("a withdrawn response takes no attachments", field="status")
    filename = safe_filename(filename)
    limits = attachment_limits(hearing, documents=documents, settings=settings)
    # URLs handed out and never used lapse; they are dropped so the list stays small.
    response.attachments = [
        a for a in response.attachments if a.state is not AttachmentState.AWAITING_UPLOAD or a.upload_expires_at > now
    ]
    if sum(a.counts_against_limit(now) for a in response.attachments) >= limits.max_files:
        raise Conflict(
            f"a response to this hearing carries at most {limits.max_files} attachments", field="attachments"
        )
    attachment = Attachment(
        id=str(uuid.uuid4()), filename=filename, requested_at=now, upload_expires_at=now + UPLOAD_URL_LIFETIME
    )
    response.attachments.append(attachment)
    # Recorded before the URL exists: the trigger takes only files the response knows of.
    with UnitOfWork(documents) as uow:
        uow.save(loaded)
        uow.commit()
    return attachment, attachment_blob_name(hearing_id, response_id, attachment.id), limits


def process_attachment_blob(
    name: str,
    size: int | None,
    read: Callable[[], bytes],
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    settings: Settings,
    scanner: MalwareScanner,
    mailer: Mailer,
    signer: ReceiptSigner,
) -> AttachmentOutcome:
    """The blob trigger for ``response-uploads/<hearingId>/<responseId>/<attachmentId>/<filename>``.

    Safe to run again for the same blob: the copy is keyed by the blob name, the response by its
    ETag, and the notification by the attachment. A file whose stated size is already too large is
    never read. ``ScanPending`` and ``StaleWrite`` propagate, so the trigger is tried again.
    """
    parsed = parse_attachment_blob_name(name)
    found = _awaited(documents, parsed)
    if found is None:
        log.warning("attachment upload discarded: %s (no upload URL was handed out for it)", loggable_blob_name(name))
        files.delete(RESPONSE_UPLOADS_CONTAINER, name)
        return AttachmentOutcome.DISCARDED
    loaded, attachment, hearing = found
    if attachment.processed:
        _tell_if_refused(mailer, settings, hearing, loaded.model, attachment)  # the first run may have stopped
        files.delete(RESPONSE_UPLOADS_CONTAINER, name)
        return AttachmentOutcome.ALREADY_PROCESSED
    limits = attachment_limits(hearing, documents=documents, settings=settings)
    run = _Run(loaded, attachment, hearing, name, documents, files, clock, settings, mailer)
    if size is not None and size > limits.max_bytes:
        return _refuse(run, refusal_by_size(size, limits) or "")
    data = read()
    sha256 = hashlib.sha256(data).hexdigest()
    # Malware first: a harmful file is kept apart whatever else is wrong with it.
    verdict = scanner.scan(RESPONSE_UPLOADS_CONTAINER, name, data)
    if not verdict.clean:
        return _quarantine(run, f"malware was found ({verdict.threat})", data, sha256)
    kind = sniff_kind(data, limits.kinds)
    reason = refusal_by_size(len(data), limits) or _refusal_by_count(loaded.model, attachment, limits)
    reason = reason or refusal_by_kind(kind, limits)
    if reason is None and kind is not None:
        try:
            flags = screen(extract_text(kind, data))
            published = without_metadata(kind, data)
        except UnreadableFile as unreadable:
            reason = str(unreadable)
    if reason is not None or kind is None:
        return _refuse(run, reason or "")
    hearing_id, response_id = loaded.model.hearing_id, loaded.model.id
    original = original_blob_name(hearing_id, response_id, attachment.id, kind.value)
    number = 1 + sum(1 for a in loaded.model.attachments if a.state is AttachmentState.ACCEPTED)
    shown = public_filename(attachment.filename, number, kind.content_type)
    public = published_blob_name(hearing_id, response_id, attachment.id, shown)
    for blob, content in ((original, data), (public, published)):
        try:
            files.write(ATTACHMENTS_CONTAINER, blob, content, content_type=kind.content_type)
        except FileExists:
            pass  # a previous run copied it before stopping
    now = clock.now()
    attachment.accept(kind.content_type, len(data), sha256, original, flags, now)
    attachment.publish_copy(shown, public, len(published), hashlib.sha256(published).hexdigest())
    _record(run, "response.attachment-accepted", now)
    # The version's receipt now names the file's SHA-256: a new leaf in the hearing's log. Numbered
    # first, as the screening consumer does, so the receipt carries the number.
    numbering.assign_number(hearing_id, response_id, documents=documents)
    issue_receipts(hearing_id, response_id, documents=documents, signer=signer)
    files.delete(RESPONSE_UPLOADS_CONTAINER, name)
    return AttachmentOutcome.ACCEPTED


def ensure_published_copy(
    loaded: Loaded[Response], attachment: Attachment, *, documents: DocumentStore, files: FileStore
) -> Attachment:
    """The copy without metadata, for a file accepted before such copies were made: made from the
    original on the first public download and kept. A concurrent change to the response only means the
    next download records it; the copy itself is the same either way."""
    if attachment.published_blob_name is not None:
        return attachment
    assert attachment.blob_name and attachment.content_type
    kind = next(kind for kind in FileKind if kind.content_type == attachment.content_type)
    response = loaded.model
    published = [a for a in response.attachments if a.publishable_after(response.decided_at)]
    number = 1 + next((n for n, a in enumerate(published) if a.id == attachment.id), len(published))
    shown = attachment.shown_name(number)
    blob = published_blob_name(response.hearing_id, response.id, attachment.id, shown)
    data = without_metadata(kind, files.read(ATTACHMENTS_CONTAINER, attachment.blob_name))
    files.write(ATTACHMENTS_CONTAINER, blob, data, content_type=kind.content_type, overwrite=True)
    attachment.publish_copy(shown, blob, len(data), hashlib.sha256(data).hexdigest())
    try:
        _commit(documents, loaded)
    except StaleWrite:
        log.info("attachment %s: its public copy is recorded on a later download", attachment.id)
    return attachment


def _awaited(
    documents: DocumentStore, parsed: tuple[str, str, str, str] | None
) -> tuple[Loaded[Response], Attachment, Hearing] | None:
    """The response, the attachment this blob was announced as, and the hearing; None for a stray blob."""
    if parsed is None:
        return None
    hearing_id, response_id, attachment_id, filename = parsed
    loaded = ResponseRepository(documents).get(hearing_id, response_id)
    hearing = HearingRepository(documents).get(hearing_id)
    if loaded is None or hearing is None:
        return None
    attachment = next((a for a in loaded.model.attachments if a.id == attachment_id), None)
    # Upload URLs handed out before blob names left the file's name out still end in it.
    if attachment is None or filename not in (UPLOAD_BLOB, attachment.filename):
        return None
    return loaded, attachment, hearing.model


def _refusal_by_count(response: Response, attachment: Attachment, limits: AttachmentLimits) -> str | None:
    accepted = sum(1 for a in response.attachments if a.state is AttachmentState.ACCEPTED and a.id != attachment.id)
    if accepted >= limits.max_files:
        return f"the response already carries {accepted} attachments, the most a response to this hearing may carry"
    return None


@dataclass(frozen=True)
class _Run:
    """One blob being processed, and the ports a refusal needs."""

    loaded: Loaded[Response]
    attachment: Attachment
    hearing: Hearing
    name: str
    documents: DocumentStore
    files: FileStore
    clock: Clock
    settings: Settings
    mailer: Mailer


def _refuse(run: _Run, reason: str) -> AttachmentOutcome:
    log.warning("attachment %s refused: %s", loggable_blob_name(run.name), reason)
    now = run.clock.now()
    run.attachment.reject(reason, now)
    _record(run, "response.attachment-rejected", now)
    # A run that lost a race may have copied it already.
    for copy in run.files.list(ATTACHMENTS_CONTAINER, prefix=f"{run.name.rpartition('/')[0]}/"):
        run.files.delete(ATTACHMENTS_CONTAINER, copy.name)
    run.files.delete(RESPONSE_UPLOADS_CONTAINER, run.name)
    _tell_if_refused(run.mailer, run.settings, run.hearing, run.loaded.model, run.attachment)
    return AttachmentOutcome.REJECTED


def _quarantine(run: _Run, reason: str, data: bytes, sha256: str) -> AttachmentOutcome:
    log.warning("attachment %s quarantined: %s", loggable_blob_name(run.name), reason)
    try:
        run.files.write(QUARANTINE_CONTAINER, run.name, data, content_type="application/octet-stream")
    except FileExists:
        pass  # a previous run moved it before stopping
    now = run.clock.now()
    run.attachment.quarantine(reason, run.name, sha256, len(data), now)
    _record(run, "response.attachment-quarantined", now)
    run.files.delete(RESPONSE_UPLOADS_CONTAINER, run.name)
    _tell_if_refused(run.mailer, run.settings, run.hearing, run.loaded.model, run.attachment)
    return AttachmentOutcome.QUARANTINED


def _record(run: _Run, action: str, now: datetime) -> None:
    """The attachment's new state and its audit entry, as one write."""
    response = run.loaded.model
    response.record_audit(None, action, now, target=f"response:{response.id}", attachment=run.attachment.id)
    _commit(run.documents, run.loaded)


def _commit(documents: DocumentStore, loaded: Loaded[Response]) -> None:
    with UnitOfWork(documents) as uow:
        uow.save(loaded)
        uow.commit()


def _tell_if_refused(
    mailer: Mailer, settings: Settings, hearing: Hearing, response: Response, attachment: Attachment
) -> None:
    if attachment.state not in (AttachmentState.REJECTED, AttachmentState.QUARANTINED):
        return
    channel, address = _respondent_address(response)
    kept = "Filen er sat i karantæne og vises aldrig." if attachment.state is AttachmentState.QUARANTINED else ""
    url = f"{hearing_page(web_base_url(settings), hearing.id)}/svar/{response.id}"
    lines = [
        f"Din vedhæftede fil «{attachment.filename}» til dit høringssvar om «{hearing.title}» blev ikke modtaget.",
        f"Årsag: {attachment.reason}.",
        kept,
        f"Dit høringssvar: {url}",
    ]
    text = "\n\n".join(line for line in lines if line)
    mailer.send(
        Notification(
            # One message per attachment and outcome: a retried trigger sends nothing twice.
            notification_id=str(uuid.uuid5(_NOTIFICATION_NAMESPACE, f"{attachment.id}\n{attachment.state.value}")),
            channel=channel,
            recipient=address,
            subject=f"Din vedhæftede fil blev afvist: {attachment.filename}",
            text=text,
            html="".join(f"<p>{html.escape(line)}</p>" for line in lines if line),
        )
    )


def _respondent_address(response: Response) -> tuple[Channel, str]:
    """Citizens by Digital Post to their (sealed) CPR number, companies to their CVR number."""
    respondent = response.respondent
    if respondent.cpr_sealed:
        return "digital-post", f"cpr-sealed:{respondent.cpr_sealed}"  # the adapter unseals it
    if respondent.kind is IdentityKind.COMPANY and respondent.cvr:
        return "digital-post", f"cvr:{respondent.cvr}"
    return "digital-post", respondent.subject
