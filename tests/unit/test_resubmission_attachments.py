"""A withdrawn response submitted again has only the files sent with it; the withdrawn version keeps its own."""

from __future__ import annotations

import hashlib

import pytest

from shared.domain.errors import NotFound
from shared.domain.receipts import receipt_payload_of
from shared.services.containers import RESPONSE_UPLOADS_CONTAINER
from shared.services.downloads import download_attachment
from shared.services.response_attachments import (
    AttachmentOutcome,
    AttachmentUploadRequest,
    process_attachment_blob,
    request_attachment_upload,
)
from shared.services.response_receipts import VerifyRequest, response_receipt, response_versions, verify_receipt
from shared.services.responses import (
    Decision,
    PublicResponse,
    ResponseSubmission,
    ResponseView,
    decide_response,
    get_response,
    list_responses,
    revise_response,
    screen_response,
    submit_response,
    withdraw_response,
)
from tests.attachment_files import PNG, pdf_with_text
from tests.fakes import Portal, caseworker, citizen

ANNA = citizen()
BILAG = pdf_with_text("Bilag: tegning af cykelstien.")


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def attach(portal: Portal, hearing_id: str, response_id: str, filename: str, data: bytes) -> str:
    ticket = portal.call(
        request_attachment_upload, ANNA, hearing_id, response_id, AttachmentUploadRequest(filename=filename)
    )
    name = f"{hearing_id}/{response_id}/{ticket.attachment_id}/{filename}"
    portal.files.write(RESPONSE_UPLOADS_CONTAINER, name, data, content_type="application/octet-stream")
    assert portal.call(process_attachment_blob, name, len(data), lambda: data) is AttachmentOutcome.ACCEPTED
    return ticket.attachment_id


def withdrawn_with_bilag(portal: Portal) -> tuple[str, str, str]:
    """Anna responds with bilag.pdf, then withdraws the response."""
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Første svar."))
    response_id = receipt.response_id
    portal.call(screen_response, hearing_id, response_id)
    bilag = attach(portal, hearing_id, response_id, "bilag.pdf", BILAG)
    portal.clock.advance(minutes=1)
    portal.call(withdraw_response, ANNA, hearing_id, response_id)
    portal.clock.advance(minutes=1)
    return hearing_id, response_id, bilag


def test_a_resubmission_without_files_has_none_on_its_receipt_or_when_published(portal: Portal) -> None:
    hearing_id, response_id, bilag = withdrawn_with_bilag(portal)

    again, new = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Nyt svar uden bilag."))
    assert (again.response_id, again.version, new) == (response_id, 2, True)
    portal.call(screen_response, hearing_id, response_id)

    # The new receipt names no file.
    current = portal.call(response_receipt, ANNA, hearing_id, response_id)
    assert receipt_payload_of(current.receipt).attachment_sha256 == []
    own = portal.call(get_response, ANNA, hearing_id, response_id)
    assert isinstance(own, ResponseView) and own.attachments == []

    portal.call(decide_response, caseworker(), hearing_id, response_id, True, Decision(publish=True))

    # Anonymous visitors see the new response without bilag.pdf, and cannot download it.
    public = next(r for r in portal.call(list_responses, None, hearing_id).items if r.id == response_id)
    assert isinstance(public, PublicResponse) and public.text == "Nyt svar uden bilag." and public.attachments == []
    with pytest.raises(NotFound):
        portal.call(download_attachment, None, hearing_id, response_id, bilag)


def test_the_withdrawn_versions_file_stays_in_its_history_for_the_respondent_and_the_owner(portal: Portal) -> None:
    hearing_id, response_id, bilag = withdrawn_with_bilag(portal)
    first = portal.call(response_receipt, ANNA, hearing_id, response_id, 1)

    portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Nyt svar uden bilag."))
    portal.call(screen_response, hearing_id, response_id)

    # Version 1's receipt still names bilag.pdf, and still matches what is stored.
    again = portal.call(response_receipt, ANNA, hearing_id, response_id, 1)
    assert receipt_payload_of(again.receipt) == receipt_payload_of(first.receipt)
    assert receipt_payload_of(again.receipt).attachment_sha256 == [hashlib.sha256(BILAG).hexdigest()]
    verdict = portal.call(verify_receipt, VerifyRequest(receipt=again.receipt))
    assert (verdict.genuine, verdict.in_log, verdict.content) == (True, True, "matches")

    versions = portal.call(response_versions, ANNA, hearing_id, response_id).versions
    assert [[f.filename for f in v.attachments] for v in versions] == [["bilag.pdf"], []]
    assert versions[0].attachments[0].sha256 == hashlib.sha256(BILAG).hexdigest()
    assert portal.call(download_attachment, ANNA, hearing_id, response_id, bilag).filename == "bilag.pdf"
    assert portal.call(download_attachment, caseworker(), hearing_id, response_id, bilag).filename == "bilag.pdf"


def test_a_resubmission_carries_the_files_sent_with_it_and_counts_only_those(portal: Portal) -> None:
    hearing_id, response_id, _ = withdrawn_with_bilag(portal)

    portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Nyt svar med kort."))
    attach(portal, hearing_id, response_id, "kort.png", PNG)

    payload = receipt_payload_of(portal.call(response_receipt, ANNA, hearing_id, response_id).receipt)
    assert payload.attachment_sha256 == [hashlib.sha256(PNG).hexdigest()]


def test_an_edit_keeps_the_responses_files(portal: Portal) -> None:
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Første svar."))
    attach(portal, hearing_id, receipt.response_id, "bilag.pdf", BILAG)
    portal.clock.advance(minutes=1)

    portal.call(revise_response, ANNA, hearing_id, receipt.response_id, ResponseSubmission(text="Rettet svar."))

    payload = receipt_payload_of(portal.call(response_receipt, ANNA, hearing_id, receipt.response_id).receipt)
    assert (payload.version, payload.attachment_sha256) == (2, [hashlib.sha256(BILAG).hexdigest()])
