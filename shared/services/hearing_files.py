"""Hearing documents: a browser uploads straight to blob storage, a blob trigger checks and attaches."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from enum import StrEnum

from shared.domain.errors import Conflict
from shared.domain.files import ALLOWED_DESCRIPTION, sniff_content_type
from shared.domain.hearing import HearingDocument, Rejection
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.files import FileExists, FileStore
from shared.services.containers import HEARING_FILES_CONTAINER, UPLOADS_CONTAINER
from shared.services.repositories import HearingRepository
from shared.services.unit_of_work import UnitOfWork
from shared.settings import Settings

log = logging.getLogger(__name__)


class UploadOutcome(StrEnum):
    ATTACHED = "attached"
    ALREADY_ATTACHED = "already-attached"
    REJECTED = "rejected"


def process_blob(
    name: str,
    size: int | None,
    read: Callable[[], bytes],
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    settings: Settings,
) -> UploadOutcome:
    """The blob trigger's entry: a blob whose stated size is already too large is never read into memory."""
    max_bytes = settings.max_upload_bytes
    if size is not None and size > max_bytes:
        reason = f"the file is {size} bytes; at most {max_bytes} are accepted"
        return _reject(files, name, reason, documents, clock, Rejection.SIZE)
    return process_upload(name, read(), documents=documents, files=files, clock=clock, settings=settings)


def process_upload(
    name: str, data: bytes, *, documents: DocumentStore, files: FileStore, clock: Clock, settings: Settings
) -> UploadOutcome:
    """Check an uploaded blob ``<hearingId>/<documentId>/<filename>`` by content and size, then attach it.

    Safe to run twice for the same blob: the copy and the attachment are both keyed by document id.
    """
    max_bytes = settings.max_upload_bytes
    parts = name.split("/")
    if len(parts) != 3 or not all(parts):
        return _reject(files, name, "unexpected blob name")
    hearing_id, document_id, filename = parts
    if len(data) == 0 or len(data) > max_bytes:
        reason = f"the file is {len(data)} bytes; 1 to {max_bytes} are accepted"
        return _reject(files, name, reason, documents, clock, Rejection.SIZE)
    content_type = sniff_content_type(data)
    if content_type is None:
        reason = f"the file's content is not {ALLOWED_DESCRIPTION}, whatever its name says"
        return _reject(files, name, reason, documents, clock, Rejection.CONTENT)
    repository = HearingRepository(documents)
    loaded = repository.get(hearing_id)
    if loaded is None:
        return _reject(files, name, "no such hearing")
    try:
        loaded.model.check_takes_document(document_id)
    except Conflict as refusal:
        return _reject(files, name, refusal.detail, documents, clock, Rejection.REFUSED)
    try:
        files.write(HEARING_FILES_CONTAINER, name, data, content_type=content_type)
    except FileExists:
        pass  # a previous run copied it before stopping
    now = clock.now()
    document = HearingDocument(
        id=document_id,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        blob_name=name,
        uploaded_at=now,
    )
    attached = loaded.model.attach(document, now)  # checked above; the save refuses a hearing changed since
    if attached:
        loaded.model.record_audit(None, "hearing.document-attached", now, target=f"document:{document_id}")
        with UnitOfWork(documents) as uow:
            uow.save(loaded)
            uow.commit()
    files.delete(UPLOADS_CONTAINER, name)
    return UploadOutcome.ATTACHED if attached else UploadOutcome.ALREADY_ATTACHED


def _reject(
    files: FileStore,
    name: str,
    reason: str,
    documents: DocumentStore | None = None,
    clock: Clock | None = None,
    kind: Rejection = Rejection.OTHER,
) -> UploadOutcome:
    """Delete the upload; with the store, first keep the reason on its hearing for the hearing view."""
    log.warning("upload rejected: %s (%s)", name, reason)
    if documents is not None and clock is not None:
        _note_rejection(name, reason, kind, documents, clock)
    files.delete(UPLOADS_CONTAINER, name)
    return UploadOutcome.REJECTED


def _note_rejection(name: str, reason: str, kind: Rejection, documents: DocumentStore, clock: Clock) -> None:
    # Before the delete: if this write fails, the trigger runs again and the upload is still there.
    hearing_id, document_id, filename = name.split("/")
    loaded = HearingRepository(documents).get(hearing_id)
    if loaded is None:
        return
    now = clock.now()
    if loaded.model.note_rejected_upload(document_id, filename, reason, now, kind):
        loaded.model.record_audit(None, "hearing.document-rejected", now, target=f"document:{document_id}")
        with UnitOfWork(documents) as uow:
            uow.save(loaded)
            uow.commit()
