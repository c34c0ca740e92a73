"""A file sent with the response form (no JavaScript): the same checks as an upload URL, answered at once."""

from __future__ import annotations

import hashlib

import pytest

from shared.domain.attachments import AttachmentState
from shared.domain.errors import Conflict, InvalidInput
from shared.domain.receipts import receipt_payload_of
from shared.domain.reference import AttachmentLimits, HearingTemplate
from shared.ports.malware import ScanPending, ScanVerdict
from shared.services.containers import ATTACHMENTS_CONTAINER, QUARANTINE_CONTAINER, RESPONSE_UPLOADS_CONTAINER
from shared.services.repositories import ReferenceRepository
from shared.services.response_attachments import attach_file, process_attachment_blob
from shared.services.response_receipts import response_receipt
from shared.services.responses import ResponseSubmission, submit_response
from tests.attachment_files import PROGRAM, eicar, pdf_with_text
from tests.fakes import TEMPLATE_ID, Portal, citizen

ANNA = citizen()


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def responded(portal: Portal) -> tuple[str, str]:
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Jeg støtter planen."))
    return hearing_id, receipt.response_id


def test_a_pdf_is_accepted_at_once_with_its_digest_and_named_in_the_receipt(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    data = pdf_with_text("Se vedlagte tegning.")

    view = portal.call(attach_file, ANNA, hearing_id, response_id, "tegning.pdf", data)

    assert view.state is AttachmentState.ACCEPTED and view.content_type == "application/pdf"
    assert view.sha256 == hashlib.sha256(data).hexdigest()
    assert len(portal.files.names(ATTACHMENTS_CONTAINER)) == 2, "as received, and as published"
    assert portal.files.names(RESPONSE_UPLOADS_CONTAINER) == []
    signed = portal.call(response_receipt, ANNA, hearing_id, response_id)
    assert view.sha256 in receipt_payload_of(signed.receipt).attachment_sha256


def test_a_program_named_pdf_is_refused_with_its_reason_and_nothing_kept(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)

    view = portal.call(attach_file, ANNA, hearing_id, response_id, "ansøgning.pdf", PROGRAM)

    assert view.state is AttachmentState.REJECTED
    assert view.reason == "the file's content is not PDF, PNG, JPEG or DOCX, whatever its name says"
    assert portal.files.names(ATTACHMENTS_CONTAINER) == [] and portal.files.names(RESPONSE_UPLOADS_CONTAINER) == []


def test_malware_is_quarantined(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)

    view = portal.call(attach_file, ANNA, hearing_id, response_id, "faktura.pdf", eicar())

    assert view.state is AttachmentState.QUARANTINED
    assert len(portal.files.names(QUARANTINE_CONTAINER)) == 1 and portal.files.names(ATTACHMENTS_CONTAINER) == []


def test_the_hearing_types_count_holds(portal: Portal) -> None:
    limits = AttachmentLimits(max_files=1)
    ReferenceRepository(portal.store).put(HearingTemplate(id=TEMPLATE_ID, name="Lokalplan", attachment_limits=limits))
    hearing_id, response_id = responded(portal)
    portal.call(attach_file, ANNA, hearing_id, response_id, "a.pdf", pdf_with_text("Et"))

    with pytest.raises(Conflict) as refused:
        portal.call(attach_file, ANNA, hearing_id, response_id, "b.pdf", pdf_with_text("To"))
    assert refused.value.problems[0].field == "attachments"


def test_a_bad_file_name_is_refused_naming_the_field(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)

    with pytest.raises(InvalidInput) as refused:
        portal.call(attach_file, ANNA, hearing_id, response_id, "../../etc/passwd", b"%PDF-")
    assert refused.value.problems[0].field == "filename"
    assert portal.stored_response(hearing_id, response_id).attachments == []


class PendingScanner:
    def scan(self, container: str, name: str, data: bytes) -> ScanVerdict:
        raise ScanPending("not scanned yet")


def test_a_scanner_without_a_verdict_yet_leaves_the_file_for_the_blob_trigger(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    portal.scanner = PendingScanner()

    view = portal.call(attach_file, ANNA, hearing_id, response_id, "notat.pdf", pdf_with_text("Hej"))

    assert view.state is AttachmentState.AWAITING_UPLOAD
    [name] = portal.files.names(RESPONSE_UPLOADS_CONTAINER)
    portal.scanner = CleanScanner()
    portal.call(process_attachment_blob, name, None, lambda: portal.files.read(RESPONSE_UPLOADS_CONTAINER, name))
    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    assert attachment.state is AttachmentState.ACCEPTED


class CleanScanner:
    def scan(self, container: str, name: str, data: bytes) -> ScanVerdict:
        return ScanVerdict()
