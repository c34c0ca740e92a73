"""Downloads: hearing documents and response attachments, by a short-lived read URL.

A hearing document follows its hearing's visibility. A response's attachment is served to its
respondent and to those who moderate the hearing while it is accepted, and to everyone else only
when the response is approved and published and the attachment was before the caseworker who
decided, with every flag accepted: then as the copy without metadata, under the name the public is
shown. Quarantined and refused files are never served.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.domain import access
from shared.domain.attachments import AttachmentState
from shared.domain.audit import AuditEvent
from shared.domain.base import Instant, PortalModel
from shared.domain.errors import NotFound, raises
from shared.domain.identity import Identity
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.files import FileStore
from shared.ports.vault import PersonalDataVault
from shared.services.containers import ATTACHMENTS_CONTAINER, HEARING_FILES_CONTAINER
from shared.services.guards import visible_hearing
from shared.services.repositories import AuditRepository, ResponseRepository
from shared.services.response_attachments import ensure_published_copy
from shared.services.viewers import viewer_of

DOWNLOAD_URL_LIFETIME = timedelta(minutes=5)


class DownloadLink(PortalModel):
    url: str
    filename: str
    content_type: str
    size: int
    sha256: str
    expires_at: Instant


@raises(NotFound)
def download_document(
    who: Identity | None,
    hearing_id: str,
    document_id: str,
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> DownloadLink:
    hearing = visible_hearing(documents, viewer_of(who, vault), hearing_id).model
    document = next((d for d in hearing.documents if d.id == document_id), None)
    if document is None:
        raise NotFound("no such document", field="documentId")
    return _link(
        files, HEARING_FILES_CONTAINER, document.blob_name, document.filename, document.content_type, document.size,
        document.sha256, clock.now(),
    )  # fmt: skip


@raises(NotFound)
def download_attachment(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    attachment_id: str,
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> DownloadLink:
    viewer = viewer_of(who, vault)
    hearing = visible_hearing(documents, viewer, hearing_id).model
    loaded = ResponseRepository(documents).get(hearing_id, response_id)
    response = loaded.model if loaded is not None else None
    # A withdrawn version's files stay in its history, for the respondent and the moderators only.
    filed = {a.id: (a, last) for a, last in response.filed_attachments()} if response else {}
    attachment, last = filed.get(attachment_id, (None, 0))
    if response is None or attachment is None or attachment.state is not AttachmentState.ACCEPTED:
        raise NotFound("no such attachment", field="attachmentId")
    now = clock.now()
    own = who is not None and who.subject == response.respondent.subject
    if not own:
        if access.may_manage(viewer, hearing):
            AuditRepository(documents).append(
                AuditEvent.record(
                    who, hearing_id, "personal-data.read", now, target=f"response:{response_id}", what="attachment"
                )
            )
        elif not (
            last == response.version and response.is_public and attachment.publishable_after(response.decided_at)
        ):
            raise NotFound("no such attachment", field="attachmentId")
    assert attachment.blob_name and attachment.content_type and attachment.size is not None and attachment.sha256
    if not own and not access.may_manage(viewer, hearing):
        # The public gets the copy without metadata, under the name it is shown by; neither the URL
        # nor the answer carries the name the respondent gave the file.
        assert loaded is not None
        published = ensure_published_copy(loaded, attachment, documents=documents, files=files)
        assert published.published_blob_name and published.public_filename
        assert published.published_size is not None and published.published_sha256
        return _link(
            files, ATTACHMENTS_CONTAINER, published.published_blob_name, published.public_filename,
            attachment.content_type, published.published_size, published.published_sha256, now,
        )  # fmt: skip
    return _link(
        files, ATTACHMENTS_CONTAINER, attachment.blob_name, attachment.filename, attachment.content_type,
        attachment.size, attachment.sha256, now,
    )  # fmt: skip


def _link(
    files: FileStore,
    container: str,
    blob_name: str,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
    now: datetime,
) -> DownloadLink:
    """A short-lived link to one stored file, with what the answer tells about it."""
    return DownloadLink(
        url=files.download_url(container, blob_name, DOWNLOAD_URL_LIFETIME),
        filename=filename,
        content_type=content_type,
        size=size,
        sha256=sha256,
        expires_at=now + DOWNLOAD_URL_LIFETIME,
    )
