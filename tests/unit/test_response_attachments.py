"""A respondent attaches files to their response: upload URL, then the blob trigger's checks."""

from __future__ import annotations

import pytest

from shared.domain.attachments import AttachmentState
from shared.domain.errors import Conflict, HearingNotOpen, InvalidInput, NotFound
from shared.domain.files import FileKind
from shared.domain.reference import AttachmentLimits, HearingTemplate
from shared.domain.screening import FlagKind
from shared.ports.malware import ScanPending, ScanVerdict
from shared.services.containers import ATTACHMENTS_CONTAINER, QUARANTINE_CONTAINER, RESPONSE_UPLOADS_CONTAINER
from shared.services.downloads import download_attachment
from shared.services.repositories import ReferenceRepository
from shared.services.response_attachments import (
    AttachmentOutcome,
    AttachmentUploadRequest,
    process_attachment_blob,
    request_attachment_upload,
)
from shared.services.responses import (
    Decision,
    ResponseSubmission,
    ResponseView,
    decide_response,
    get_response,
    screen_response,
    submit_response,
)
from shared.services.text_extraction import MAX_UNPACKED_BYTES
from tests.attachment_files import PNG, PROGRAM, docx_bomb, docx_with_text, eicar, pdf_with_text
from tests.fakes import TEMPLATE_ID, Portal, caseworker, citizen

ANNA = citizen()
CPR_IN_TEXT = "Mit CPR-nummer er 010190-1234, skriv endelig."


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def responded(portal: Portal) -> tuple[str, str]:
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Jeg støtter planen."))
    return hearing_id, receipt.response_id


def upload(portal: Portal, hearing_id: str, response_id: str, filename: str, data: bytes) -> AttachmentOutcome:
    """Ask for a URL, put the bytes where the browser would, and run the blob trigger."""
    ticket = portal.call(
        request_attachment_upload, ANNA, hearing_id, response_id, AttachmentUploadRequest(filename=filename)
    )
    name = f"{hearing_id}/{response_id}/{ticket.attachment_id}/{filename}"
    portal.files.write(RESPONSE_UPLOADS_CONTAINER, name, data, content_type="application/pdf")  # a claim, not trusted
    return portal.call(process_attachment_blob, name, len(data), lambda: data)


def test_a_pdf_and_a_docx_with_text_are_accepted_and_a_cpr_number_in_one_becomes_a_flag(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)

    assert (
        upload(portal, hearing_id, response_id, "notat.pdf", pdf_with_text(CPR_IN_TEXT)) is AttachmentOutcome.ACCEPTED
    )
    assert upload(portal, hearing_id, response_id, "brev.docx", docx_with_text("Ingen personoplysninger her.")) is (
        AttachmentOutcome.ACCEPTED
    )

    pdf, docx = portal.stored_response(hearing_id, response_id).attachments
    assert (pdf.state, pdf.content_type) == (AttachmentState.ACCEPTED, FileKind.PDF.content_type)
    assert [flag.kind for flag in pdf.flags] == [FlagKind.CPR]
    assert "1234" not in pdf.flags[0].excerpt, "the flag's excerpt never shows the whole number"
    assert (docx.state, docx.content_type, docx.flags) == (AttachmentState.ACCEPTED, FileKind.DOCX.content_type, [])
    kept = [pdf.blob_name, pdf.published_blob_name, docx.blob_name, docx.published_blob_name]
    assert portal.files.names(ATTACHMENTS_CONTAINER) == sorted(name or "" for name in kept), (
        "each as received and as published"
    )
    assert portal.files.names(RESPONSE_UPLOADS_CONTAINER) == []


def test_an_attachments_flag_holds_back_approval_until_cleared_and_then_withholds_the_file(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    upload(portal, hearing_id, response_id, "notat.pdf", pdf_with_text(CPR_IN_TEXT))
    portal.call(screen_response, hearing_id, response_id)
    owner = caseworker()

    with pytest.raises(Conflict, match="cpr") as refused:
        portal.call(decide_response, owner, hearing_id, response_id, True, Decision())
    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    assert [p.field for p in refused.value.problems] == [
        f"attachments[{attachment.id}].flags[{attachment.flags[0].id}]"
    ]

    portal.call(decide_response, owner, hearing_id, response_id, True, Decision(clear_flags=True))
    public = portal.call(get_response, None, hearing_id, response_id)
    assert public.attachments == [], "an attachment whose CPR number was redacted is not published"
    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    with pytest.raises(NotFound):
        portal.call(download_attachment, None, hearing_id, response_id, attachment.id)


def test_a_program_renamed_pdf_is_refused_by_its_content_and_the_respondent_told(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)

    assert upload(portal, hearing_id, response_id, "ansøgning.pdf", PROGRAM) is AttachmentOutcome.REJECTED

    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    assert attachment.state is AttachmentState.REJECTED
    assert attachment.reason == "the file's content is not PDF, PNG, JPEG or DOCX, whatever its name says"
    assert portal.files.names(ATTACHMENTS_CONTAINER) == []
    assert portal.files.names(RESPONSE_UPLOADS_CONTAINER) == []
    [told] = portal.mailer.sent
    assert "ansøgning.pdf" in told.text and attachment.reason in told.text
    view = portal.call(get_response, ANNA, hearing_id, response_id)
    assert isinstance(view, ResponseView), "the respondent sees their own response in full"
    assert [(a.state, a.reason) for a in view.attachments] == [(AttachmentState.REJECTED, attachment.reason)]


def test_a_docx_that_unpacks_to_far_more_than_it_weighs_is_refused_before_it_is_unpacked(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    bomb = docx_bomb(MAX_UNPACKED_BYTES // (1 << 20) + 1)
    assert len(bomb) < 1024 * 1024, "small enough to pass the size limit"

    assert upload(portal, hearing_id, response_id, "bilag.docx", bomb) is AttachmentOutcome.REJECTED
    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    assert attachment.reason == "the DOCX file unpacks to more than 100 MB, so its text cannot be checked"
    [told] = portal.mailer.sent
    assert attachment.reason in told.text
    assert portal.files.names(ATTACHMENTS_CONTAINER) == []


def test_an_oversize_file_is_refused_without_being_read(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    ticket = portal.call(
        request_attachment_upload, ANNA, hearing_id, response_id, AttachmentUploadRequest(filename="stor.pdf")
    )
    assert ticket.max_bytes == 1024 * 1024  # the portal-wide cap of this portal is below the template's 10 MB
    name = f"{hearing_id}/{response_id}/{ticket.attachment_id}/stor.pdf"
    portal.files.write(RESPONSE_UPLOADS_CONTAINER, name, b"%PDF-")

    def never() -> bytes:
        raise AssertionError("a file stated too large must not be read into memory")

    assert portal.call(process_attachment_blob, name, ticket.max_bytes + 1, never) is AttachmentOutcome.REJECTED
    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    assert (
        attachment.reason == f"the file is {ticket.max_bytes + 1} bytes; at most {ticket.max_bytes} bytes are accepted"
    )
    assert portal.files.names(RESPONSE_UPLOADS_CONTAINER) == []


def test_an_eleventh_file_is_refused(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    for number in range(10):
        assert upload(portal, hearing_id, response_id, f"bilag-{number}.png", PNG) is AttachmentOutcome.ACCEPTED

    with pytest.raises(Conflict) as refused:
        portal.call(
            request_attachment_upload, ANNA, hearing_id, response_id, AttachmentUploadRequest(filename="11.png")
        )
    assert [p.field for p in refused.value.problems] == ["attachments"]
    assert len(portal.stored_response(hearing_id, response_id).attachments) == 10


def test_urls_handed_out_count_so_parallel_uploads_cannot_pass_the_limit(portal: Portal) -> None:
    ReferenceRepository(portal.store).put(
        HearingTemplate(id=TEMPLATE_ID, name="Lille", attachment_limits=AttachmentLimits(max_files=2))
    )
    hearing_id, response_id = responded(portal)
    request = AttachmentUploadRequest(filename="a.png")
    portal.call(request_attachment_upload, ANNA, hearing_id, response_id, request)
    portal.call(request_attachment_upload, ANNA, hearing_id, response_id, request)

    with pytest.raises(Conflict):
        portal.call(request_attachment_upload, ANNA, hearing_id, response_id, request)
    portal.clock.advance(minutes=16)  # the two URLs have lapsed unused
    portal.call(request_attachment_upload, ANNA, hearing_id, response_id, request)


@pytest.mark.parametrize(
    "filename", ["../../etc/passwd.pdf", "mappe/bilag.pdf", "bilag", ".skjult.pdf", "CON.pdf", "a\x00b.pdf", "x" * 201]
)
def test_a_bad_file_name_is_refused_naming_the_field(portal: Portal, filename: str) -> None:
    hearing_id, response_id = responded(portal)

    with pytest.raises(InvalidInput) as refused:
        portal.call(
            request_attachment_upload,
            ANNA,
            hearing_id,
            response_id,
            AttachmentUploadRequest.model_construct(filename=filename),
        )
    assert [p.field for p in refused.value.problems] == ["filename"]
    assert portal.stored_response(hearing_id, response_id).attachments == []


def test_a_blob_no_url_was_handed_out_for_is_discarded(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    name = f"{hearing_id}/{response_id}/made-up-id/bilag.pdf"
    portal.files.write(RESPONSE_UPLOADS_CONTAINER, name, pdf_with_text("Hej"))

    assert portal.call(process_attachment_blob, name, None, lambda: b"") is AttachmentOutcome.DISCARDED
    assert portal.files.names(RESPONSE_UPLOADS_CONTAINER) == []
    assert portal.stored_response(hearing_id, response_id).attachments == []


def test_eicar_is_quarantined_never_served_and_the_respondent_told(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)

    assert upload(portal, hearing_id, response_id, "faktura.pdf", eicar()) is AttachmentOutcome.QUARANTINED

    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    assert attachment.state is AttachmentState.QUARANTINED
    assert attachment.reason == "malware was found (Eicar-Signature)"
    assert portal.files.names(QUARANTINE_CONTAINER) == [attachment.blob_name]
    assert portal.files.names(ATTACHMENTS_CONTAINER) == []
    assert portal.files.names(RESPONSE_UPLOADS_CONTAINER) == []
    [told] = portal.mailer.sent
    assert told.channel == "digital-post" and told.recipient.startswith("cpr-sealed:")
    assert "karantæne" in told.text and "faktura.pdf" in told.subject
    with pytest.raises(NotFound):
        portal.call(download_attachment, ANNA, hearing_id, response_id, attachment.id)


def test_a_retried_trigger_changes_nothing_and_tells_once(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    upload(portal, hearing_id, response_id, "faktura.pdf", eicar())
    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    name = f"{hearing_id}/{response_id}/{attachment.id}/faktura.pdf"

    assert portal.call(process_attachment_blob, name, None, eicar) is AttachmentOutcome.ALREADY_PROCESSED
    assert len(portal.mailer.sent) == 1


class PendingScanner:
    def scan(self, container: str, name: str, data: bytes) -> ScanVerdict:
        raise ScanPending("not scanned yet")


def test_a_file_without_a_verdict_yet_stays_for_the_retry(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    portal.scanner = PendingScanner()

    with pytest.raises(ScanPending):
        upload(portal, hearing_id, response_id, "notat.pdf", pdf_with_text("Hej"))

    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    assert attachment.state is AttachmentState.AWAITING_UPLOAD
    assert len(portal.files.names(RESPONSE_UPLOADS_CONTAINER)) == 1


def test_only_the_respondent_while_the_hearing_is_active(portal: Portal) -> None:
    hearing_id, response_id = responded(portal)
    request = AttachmentUploadRequest(filename="bilag.pdf")

    with pytest.raises(NotFound):
        portal.call(request_attachment_upload, citizen("mitid:bo", "Bo"), hearing_id, response_id, request)
    deadline = portal.stored_hearing(hearing_id).deadline
    assert deadline is not None
    portal.clock.set(deadline)
    with pytest.raises(HearingNotOpen):
        portal.call(request_attachment_upload, ANNA, hearing_id, response_id, request)
