"""A browser puts a file in the uploads container; the blob trigger checks it and attaches it."""

from __future__ import annotations

import hashlib

import pytest

from shared.domain.hearing import MAX_DOCUMENTS
from shared.services.hearing_files import UploadOutcome, process_blob, process_upload
from tests.fakes import DOCUMENTS, UPLOADS, Portal

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def uploaded(portal: Portal, hearing_id: str, data: bytes, filename: str, document_id: str = "doc-1") -> str:
    """Put the bytes where the browser would, and return the blob name the trigger sees."""
    name = f"{hearing_id}/{document_id}/{filename}"
    portal.files.write(UPLOADS, name, data, content_type="application/pdf")  # the browser's claim, not trusted
    return name


def test_a_pdf_is_attached_and_the_upload_cleared_away(portal: Portal) -> None:
    hearing_id = portal.draft()
    name = uploaded(portal, hearing_id, PDF, "lokalplan.pdf")

    assert portal.call(process_upload, name, PDF) is UploadOutcome.ATTACHED

    [document] = portal.stored_hearing(hearing_id).documents
    assert (document.id, document.filename, document.content_type) == ("doc-1", "lokalplan.pdf", "application/pdf")
    assert (document.size, document.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert portal.files.read(DOCUMENTS, document.blob_name) == PDF
    assert portal.files.names(UPLOADS) == []


def test_the_content_decides_the_type_not_the_name(portal: Portal) -> None:
    hearing_id = portal.active()
    name = uploaded(portal, hearing_id, PNG, "kort.pdf")

    assert portal.call(process_upload, name, PNG) is UploadOutcome.ATTACHED

    [document] = portal.stored_hearing(hearing_id).documents
    assert document.content_type == "image/png"
    info = portal.files.info(DOCUMENTS, document.blob_name)
    assert info is not None and info.content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "filename"),
    [(EXE, "lokalplan.pdf"), (b"Bare tekst.", "notat.pdf"), (b"<script>alert(1)</script>", "side.docx")],
    ids=["exe", "text", "html"],
)
def test_a_file_that_is_not_an_allowed_format_is_rejected_and_deleted(
    portal: Portal, data: bytes, filename: str
) -> None:
    hearing_id = portal.draft()
    name = uploaded(portal, hearing_id, data, filename)

    assert portal.call(process_upload, name, data) is UploadOutcome.REJECTED

    assert portal.stored_hearing(hearing_id).documents == []
    assert portal.files.names(UPLOADS) == []
    assert portal.files.names(DOCUMENTS) == []


def test_size_limits(portal: Portal) -> None:
    portal.max_upload_bytes = 1000
    hearing_id = portal.draft()
    just_right = PDF + b"0" * (1000 - len(PDF))
    too_large = just_right + b"0"

    big = uploaded(portal, hearing_id, too_large, "stor.pdf", "doc-big")
    assert portal.call(process_upload, big, too_large) is UploadOutcome.REJECTED
    empty = uploaded(portal, hearing_id, b"", "tom.pdf", "doc-empty")
    assert portal.call(process_upload, empty, b"") is UploadOutcome.REJECTED
    fits = uploaded(portal, hearing_id, just_right, "passer.pdf", "doc-fits")
    assert portal.call(process_upload, fits, just_right) is UploadOutcome.ATTACHED

    assert [d.id for d in portal.stored_hearing(hearing_id).documents] == ["doc-fits"]
    assert portal.files.names(UPLOADS) == []


def test_processing_the_same_blob_twice_attaches_it_once(portal: Portal) -> None:
    hearing_id = portal.draft()
    name = uploaded(portal, hearing_id, PDF, "lokalplan.pdf")

    assert portal.call(process_upload, name, PDF) is UploadOutcome.ATTACHED
    assert portal.call(process_upload, name, PDF) is UploadOutcome.ALREADY_ATTACHED

    assert len(portal.stored_hearing(hearing_id).documents) == 1
    assert portal.files.names(DOCUMENTS) == [name]


def test_a_run_that_stopped_after_copying_completes_the_attachment(portal: Portal) -> None:
    hearing_id = portal.draft()
    name = uploaded(portal, hearing_id, PDF, "lokalplan.pdf")
    portal.files.write(DOCUMENTS, name, PDF, content_type="application/pdf")  # the first run got this far

    assert portal.call(process_upload, name, PDF) is UploadOutcome.ATTACHED

    assert [d.id for d in portal.stored_hearing(hearing_id).documents] == ["doc-1"]


@pytest.mark.parametrize(
    "name", ["lokalplan.pdf", "h/lokalplan.pdf", "h//lokalplan.pdf", "h/d/sub/lokalplan.pdf", "/doc-1/a.pdf"]
)
def test_a_blob_outside_the_expected_layout_is_rejected(portal: Portal, name: str) -> None:
    portal.files.write(UPLOADS, name, PDF)

    assert portal.call(process_upload, name, PDF) is UploadOutcome.REJECTED

    assert portal.files.names(UPLOADS) == []


def test_a_document_for_an_unknown_hearing_is_rejected(portal: Portal) -> None:
    name = uploaded(portal, "no-such-hearing", PDF, "lokalplan.pdf")

    assert portal.call(process_upload, name, PDF) is UploadOutcome.REJECTED

    assert portal.files.names(UPLOADS) == []
    assert portal.files.names(DOCUMENTS) == []


def test_a_document_for_a_concluded_hearing_is_rejected_and_leaves_nothing_behind(portal: Portal) -> None:
    hearing_id = portal.concluded()
    name = uploaded(portal, hearing_id, PDF, "for-sent.pdf")

    assert portal.call(process_upload, name, PDF) is UploadOutcome.REJECTED

    assert portal.stored_hearing(hearing_id).documents == []
    assert portal.files.names(UPLOADS) == []
    assert portal.files.names(DOCUMENTS) == [], "the rejected file stays in the documents container"


def test_a_blob_stated_too_large_is_rejected_without_being_read(portal: Portal) -> None:
    hearing_id = portal.draft()
    name = uploaded(portal, hearing_id, PDF, "kaempe.pdf")

    def never() -> bytes:
        raise AssertionError("a too large blob must not be read into memory")

    assert portal.call(process_blob, name, portal.max_upload_bytes + 1, never) is UploadOutcome.REJECTED
    assert portal.files.names(UPLOADS) == []
    assert portal.call(process_blob, uploaded(portal, hearing_id, PDF, "lille.pdf"), len(PDF), lambda: PDF) is (
        UploadOutcome.ATTACHED
    )


def test_no_more_documents_than_the_limit_even_with_many_upload_urls_handed_out(portal: Portal) -> None:
    hearing_id = portal.draft()
    for n in range(MAX_DOCUMENTS):
        name = uploaded(portal, hearing_id, PDF, f"bilag-{n}.pdf", document_id=f"doc-{n}")
        assert portal.call(process_upload, name, PDF) is UploadOutcome.ATTACHED
    one_more = uploaded(portal, hearing_id, PDF, "en-til.pdf", document_id="doc-extra")

    assert portal.call(process_upload, one_more, PDF) is UploadOutcome.REJECTED
    assert len(portal.stored_hearing(hearing_id).documents) == MAX_DOCUMENTS
    assert not any("en-til" in name for name in portal.files.names(DOCUMENTS))
