"""Downloads follow the hearing's visibility; a response's attachment also the response's."""

from __future__ import annotations

import hashlib

import pytest

from shared.domain.errors import NotFound
from shared.services.containers import HEARING_FILES_CONTAINER, RESPONSE_UPLOADS_CONTAINER
from shared.services.downloads import download_attachment, download_document
from shared.services.hearing_files import process_upload
from shared.services.hearings import get_hearing
from shared.services.response_attachments import (
    AttachmentUploadRequest,
    process_attachment_blob,
    request_attachment_upload,
)
from shared.services.responses import Decision, ResponseSubmission, decide_response, screen_response, submit_response
from tests.attachment_files import PROGRAM, pdf_with_text
from tests.fakes import UPLOADS, Portal, caseworker, citizen

PDF = pdf_with_text("Lokalplan 123")
ANNA, BO = citizen(), citizen("mitid:bo", "Bo Hansen")


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def with_document(portal: Portal, hearing_id: str) -> str:
    name = f"{hearing_id}/doc-1/lokalplan.pdf"
    portal.files.write(UPLOADS, name, PDF)
    portal.call(process_upload, name, PDF)
    return "doc-1"


def test_anyone_may_download_a_public_hearings_document_but_not_a_drafts(portal: Portal) -> None:
    public, draft = portal.active(), portal.draft()
    with_document(portal, public)
    with_document(portal, draft)

    link = portal.call(download_document, None, public, "doc-1")
    assert link.url == f"memory://{HEARING_FILES_CONTAINER}/{public}/doc-1/lokalplan.pdf?op=read&seconds=300"
    assert (link.filename, link.content_type, link.size) == ("lokalplan.pdf", "application/pdf", len(PDF))
    with pytest.raises(NotFound):
        portal.call(download_document, None, draft, "doc-1")
    with pytest.raises(NotFound):
        portal.call(download_document, ANNA, draft, "doc-1")
    assert portal.call(download_document, caseworker(), draft, "doc-1").filename == "lokalplan.pdf"
    with pytest.raises(NotFound):
        portal.call(download_document, None, public, "no-such-document")


def test_an_attachment_is_public_only_once_its_response_is_approved_and_published(portal: Portal) -> None:
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Se bilaget."))
    response_id = receipt.response_id
    ticket = portal.call(
        request_attachment_upload, ANNA, hearing_id, response_id, AttachmentUploadRequest(filename="bilag.pdf")
    )
    name = f"{hearing_id}/{response_id}/{ticket.attachment_id}/bilag.pdf"
    portal.files.write(RESPONSE_UPLOADS_CONTAINER, name, PDF)
    portal.call(process_attachment_blob, name, len(PDF), lambda: PDF)
    portal.call(screen_response, hearing_id, response_id)

    assert portal.call(download_attachment, ANNA, hearing_id, response_id, ticket.attachment_id).filename == "bilag.pdf"
    assert portal.call(download_attachment, caseworker(), hearing_id, response_id, ticket.attachment_id)
    for stranger in (None, BO):
        with pytest.raises(NotFound):
            portal.call(download_attachment, stranger, hearing_id, response_id, ticket.attachment_id)

    portal.call(decide_response, caseworker(), hearing_id, response_id, True, Decision(publish=True))

    public = portal.call(download_attachment, None, hearing_id, response_id, ticket.attachment_id)
    assert (public.filename, public.content_type) == ("bilag.pdf", "application/pdf")
    assert public.url.startswith(f"memory://attachments/{hearing_id}/{response_id}/{ticket.attachment_id}/public/")
    assert public.sha256 == hashlib.sha256(portal.files.read("attachments", public.url[21:].split("?")[0])).hexdigest()


def test_a_rejected_caseworker_upload_says_why_in_the_hearing_view(portal: Portal) -> None:
    hearing_id = portal.draft()
    name = f"{hearing_id}/doc-9/lokalplan.pdf"
    portal.files.write(UPLOADS, name, PROGRAM)

    portal.call(process_upload, name, PROGRAM)

    view = portal.call(get_hearing, caseworker(), hearing_id)
    assert view.rejected_uploads is not None
    [(filename, reason)] = [(r.filename, r.reason) for r in view.rejected_uploads]
    assert filename == "lokalplan.pdf"
    assert reason == "the file's content is not PDF, PNG, JPEG, DOCX, XLSX or PPTX, whatever its name says"
    assert view.documents == []
