"""A file's name is screened like the text: the public sees a neutral name where it carries personal data."""

from __future__ import annotations

import logging

import pytest

from shared.domain.attachments import name_findings, public_filename
from shared.domain.errors import Conflict
from shared.domain.screening import FlagKind
from shared.services.containers import ATTACHMENTS_CONTAINER, RESPONSE_UPLOADS_CONTAINER
from shared.services.downloads import download_attachment
from shared.services.repositories import ResponseRepository
from shared.services.response_attachments import (
    AttachmentOutcome,
    AttachmentUploadRequest,
    process_attachment_blob,
    request_attachment_upload,
)
from shared.services.responses import (
    Decision,
    ResponseSubmission,
    decide_response,
    get_response,
    screen_response,
    submit_response,
)
from shared.services.unit_of_work import UnitOfWork
from tests.attachment_files import (
    HIDDEN_CPR,
    HIDDEN_EMAIL,
    REVEALING_NAME,
    jpeg_with_exif,
    pdf_with_metadata,
    pdf_with_text,
)
from tests.fakes import Portal, caseworker, citizen

ANNA = citizen()


@pytest.mark.parametrize(
    ("filename", "kinds"),
    [
        (REVEALING_NAME, {FlagKind.CPR, FlagKind.EMAIL, FlagKind.NAME}),
        ("Karin_Holm_0101901234.pdf", {FlagKind.CPR, FlagKind.NAME}),
        ("kort over Vestergade 12.png", {FlagKind.ADDRESS}),
    ],
)
def test_personal_data_in_a_name_is_found_and_the_public_name_is_neutral(filename: str, kinds: set[FlagKind]) -> None:
    assert {flag.kind for flag in name_findings(filename)} >= kinds
    assert public_filename(filename, 2, "application/pdf") == "Bilag 2.pdf"
    assert public_filename(filename, 1, "image/png") == "Bilag 1.png"


@pytest.mark.parametrize("filename", ["høringssvar.docx", "Høringssvar Lokalplan 123.pdf", "bilag.pdf"])
def test_a_plain_name_is_shown_as_given(filename: str) -> None:
    assert name_findings(filename) == []
    assert public_filename(filename, 1, "application/pdf") == filename


def responded(portal: Portal) -> tuple[str, str]:
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Se mit bilag."))
    return hearing_id, receipt.response_id


def upload(portal: Portal, hearing_id: str, response_id: str, filename: str, data: bytes) -> str:
    """As the browser does: the upload URL, the PUT, the blob trigger. Answers the blob's name."""
    ticket = portal.call(
        request_attachment_upload, ANNA, hearing_id, response_id, AttachmentUploadRequest(filename=filename)
    )
    name = ticket.upload_url.split("?")[0].removeprefix(f"memory://{RESPONSE_UPLOADS_CONTAINER}/")
    portal.files.write(RESPONSE_UPLOADS_CONTAINER, name, data)
    assert portal.call(process_attachment_blob, name, len(data), lambda: data) is AttachmentOutcome.ACCEPTED
    return name


def test_a_revealing_name_never_reaches_the_public_the_blob_names_or_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    portal = Portal.start()
    hearing_id, response_id = responded(portal)
    document, photo_file = pdf_with_text("Jeg er imod planen."), jpeg_with_exif()
    with caplog.at_level(logging.DEBUG, logger="shared"):
        name = upload(portal, hearing_id, response_id, REVEALING_NAME, document)
        upload(portal, hearing_id, response_id, "foto.jpg", photo_file)
    portal.call(screen_response, hearing_id, response_id)
    pdf, photo = portal.stored_response(hearing_id, response_id).attachments
    assert pdf.filename == REVEALING_NAME, "the respondent's own name for it is kept"

    portal.call(decide_response, caseworker(), hearing_id, response_id, True, Decision(publish=True))
    public = portal.call(get_response, None, hearing_id, response_id)
    link = portal.call(download_attachment, None, hearing_id, response_id, pdf.id)
    picture = portal.call(download_attachment, None, hearing_id, response_id, photo.id)
    own = portal.call(download_attachment, ANNA, hearing_id, response_id, pdf.id)

    assert [a.filename for a in public.attachments] == ["Bilag 1.pdf", "foto.jpg"]
    assert link.filename == "Bilag 1.pdf" and link.url.endswith("/public/Bilag 1.pdf?op=read&seconds=300")
    assert own.filename == REVEALING_NAME and own.sha256 == pdf.sha256, "the respondent gets their file as sent"
    served = portal.files.read(ATTACHMENTS_CONTAINER, picture.url.split("://attachments/", 1)[1].split("?")[0])
    assert picture.size == len(served) < (photo.size or 0) and b"Exif" not in served, "the photo without EXIF"
    seen = [public.model_dump_json(), link.model_dump_json(), picture.model_dump_json(), caplog.text, name]
    seen.extend(portal.files.names(ATTACHMENTS_CONTAINER))
    for hidden in ("Karin", HIDDEN_CPR, HIDDEN_EMAIL):
        assert not any(hidden in text for text in seen)
        assert hidden.encode() not in served


def test_personal_data_in_a_pdfs_metadata_holds_back_approval() -> None:
    portal = Portal.start()
    hearing_id, response_id = responded(portal)
    upload(portal, hearing_id, response_id, "klage.pdf", pdf_with_metadata("Jeg er imod planen."))
    portal.call(screen_response, hearing_id, response_id)

    with pytest.raises(Conflict, match="cpr"):
        portal.call(decide_response, caseworker(), hearing_id, response_id, True, Decision(publish=True))
    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    assert {FlagKind.CPR, FlagKind.EMAIL} <= {flag.kind for flag in attachment.flags}


def test_a_file_accepted_before_public_copies_existed_gets_one_on_its_first_public_download() -> None:
    portal = Portal.start()
    hearing_id, response_id = responded(portal)
    upload(portal, hearing_id, response_id, REVEALING_NAME, pdf_with_text("Jeg er imod planen."))
    loaded = portal.stored_response(hearing_id, response_id)
    for blob in portal.files.names(ATTACHMENTS_CONTAINER):
        if "/public/" in blob:
            portal.files.delete(ATTACHMENTS_CONTAINER, blob)
    stored = ResponseRepository(portal.store).get(hearing_id, response_id)
    assert stored is not None and loaded.attachments
    for attachment in stored.model.attachments:
        attachment.public_filename = attachment.published_blob_name = None
        attachment.published_size = attachment.published_sha256 = None
    with UnitOfWork(portal.store) as uow:
        uow.save(stored)
        uow.commit()
    portal.call(screen_response, hearing_id, response_id)
    portal.call(decide_response, caseworker(), hearing_id, response_id, True, Decision(publish=True))

    assert [a.filename for a in portal.call(get_response, None, hearing_id, response_id).attachments] == ["Bilag 1.pdf"]
    link = portal.call(download_attachment, None, hearing_id, response_id, loaded.attachments[0].id)

    assert link.filename == "Bilag 1.pdf" and "/public/Bilag 1.pdf" in link.url and "Karin" not in link.url
    [kept] = portal.stored_response(hearing_id, response_id).attachments
    assert kept.published_blob_name and kept.published_sha256 == link.sha256
