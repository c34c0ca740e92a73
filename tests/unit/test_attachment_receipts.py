"""A response's receipt names the SHA-256 of each attachment accepted for its version."""

from __future__ import annotations

import hashlib

import pytest

from shared.domain.receipts import receipt_payload_of
from shared.services.containers import RESPONSE_UPLOADS_CONTAINER
from shared.services.receipt_log import log_size
from shared.services.response_attachments import (
    AttachmentOutcome,
    AttachmentUploadRequest,
    process_attachment_blob,
    request_attachment_upload,
)
from shared.services.response_receipts import VerifyRequest, receipt_keys, response_receipt, verify_receipt
from shared.services.responses import ResponseSubmission, revise_response, screen_response, submit_response
from tests.attachment_files import PNG, pdf_with_text
from tests.fakes import Portal, citizen
from tools.verify_receipt import verify_content
from tools.verify_receipt import verify_receipt as verify_file

ANNA = citizen()
TEXT = "Jeg støtter planen."
PLAN = pdf_with_text("Bilag: tegning af cykelstien.")


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def responded(portal: Portal) -> tuple[str, str]:
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text=TEXT))
    portal.call(screen_response, hearing_id, receipt.response_id)  # numbered and signed without attachments
    return hearing_id, receipt.response_id


def attach(portal: Portal, hearing_id: str, response_id: str, filename: str, data: bytes) -> AttachmentOutcome:
    ticket = portal.call(
        request_attachment_upload, ANNA, hearing_id, response_id, AttachmentUploadRequest(filename=filename)
    )
    name = f"{hearing_id}/{response_id}/{ticket.attachment_id}/{filename}"
    portal.files.write(RESPONSE_UPLOADS_CONTAINER, name, data, content_type="application/octet-stream")
    return portal.call(process_attachment_blob, name, len(data), lambda: data)


def test_an_accepted_attachment_gives_the_version_a_receipt_naming_its_sha256(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    first = portal.call(response_receipt, ANNA, hearing_id, response_id)
    assert receipt_payload_of(first.receipt).attachment_sha256 == []

    assert attach(portal, hearing_id, response_id, "plan.pdf", PLAN) is AttachmentOutcome.ACCEPTED
    assert attach(portal, hearing_id, response_id, "kort.png", PNG) is AttachmentOutcome.ACCEPTED

    # Each acceptance signed a new receipt into the log at once; the first receipt stays in it.
    assert log_size(hearing_id, documents=portal.store) == 3
    file = portal.call(response_receipt, ANNA, hearing_id, response_id)
    payload = receipt_payload_of(file.receipt)
    assert payload.attachment_sha256 == [hashlib.sha256(PLAN).hexdigest(), hashlib.sha256(PNG).hexdigest()]
    assert (payload.version, payload.number) == (1, 1)
    keys = portal.call(receipt_keys).to_document()
    assert verify_file(file.receipt, file.inclusion_proof.to_document(), file.tree_head, keys).ok
    assert verify_content(file.receipt, TEXT.encode(), [PLAN, PNG]).ok
    assert not verify_content(file.receipt, TEXT.encode(), [PNG, PLAN]).ok
    for receipt in (first.receipt, file.receipt):
        verdict = portal.call(verify_receipt, VerifyRequest(receipt=receipt))
        assert (verdict.genuine, verdict.in_log, verdict.content) == (True, True, "matches")


def test_a_refused_attachment_is_not_in_the_receipt(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)

    assert attach(portal, hearing_id, response_id, "virus.exe", b"MZ\x90\x00not a document") is (
        AttachmentOutcome.REJECTED
    )

    file = portal.call(response_receipt, ANNA, hearing_id, response_id)
    assert receipt_payload_of(file.receipt).attachment_sha256 == []
    assert log_size(hearing_id, documents=portal.store) == 1


def test_attachments_accepted_before_an_edit_belong_to_the_edited_version_too(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    attach(portal, hearing_id, response_id, "plan.pdf", PLAN)
    portal.clock.advance(minutes=1)
    portal.call(revise_response, ANNA, hearing_id, response_id, ResponseSubmission(text="Jeg støtter planen, men..."))
    portal.call(screen_response, hearing_id, response_id)
    portal.clock.advance(minutes=1)
    attach(portal, hearing_id, response_id, "kort.png", PNG)

    v1 = receipt_payload_of(portal.call(response_receipt, ANNA, hearing_id, response_id, 1).receipt)
    v2 = receipt_payload_of(portal.call(response_receipt, ANNA, hearing_id, response_id, 2).receipt)

    assert v1.attachment_sha256 == [hashlib.sha256(PLAN).hexdigest()]
    assert v2.attachment_sha256 == [hashlib.sha256(PLAN).hexdigest(), hashlib.sha256(PNG).hexdigest()]
