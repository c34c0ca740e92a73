"""What a file carries besides its pages is screened, and the public's copy carries none of it."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader

from shared.domain.files import FileKind
from shared.domain.screening import FlagKind, screen
from shared.services.metadata_removal import without_metadata
from shared.services.text_extraction import extract_text
from tests.attachment_files import (
    HIDDEN_CPR,
    HIDDEN_EMAIL,
    PNG,
    docx_with_hidden_text,
    jpeg_with_exif,
    pdf_with_metadata,
    png_with_text,
)


def kinds_found(kind: FileKind, data: bytes) -> set[FlagKind]:
    return {flag.kind for flag in screen(extract_text(kind, data))}


def test_a_pdfs_document_information_and_xmp_are_screened() -> None:
    text = extract_text(FileKind.PDF, pdf_with_metadata("Jeg er imod planen."))

    assert HIDDEN_CPR in text and HIDDEN_EMAIL in text and "Jeg er imod planen." in text
    assert {FlagKind.CPR, FlagKind.EMAIL} <= kinds_found(FileKind.PDF, pdf_with_metadata("Jeg er imod planen."))


def test_a_docxs_headers_footers_and_properties_are_screened() -> None:
    text = extract_text(FileKind.DOCX, docx_with_hidden_text("Jeg er imod planen."))

    assert f"Karin Holm, cpr {HIDDEN_CPR}" in text, "the page header"
    assert f"Svar til {HIDDEN_EMAIL}" in text, "the page footer"
    assert f"Skrevet af {HIDDEN_EMAIL}" in text, "the document's comments property"
    assert {FlagKind.CPR, FlagKind.EMAIL, FlagKind.NAME} <= kinds_found(
        FileKind.DOCX, docx_with_hidden_text("Jeg er imod planen.")
    )


def test_the_published_pdf_keeps_its_pages_and_loses_its_information_and_xmp() -> None:
    original = pdf_with_metadata("Jeg er imod planen.")

    published = without_metadata(FileKind.PDF, original)

    reader = PdfReader(io.BytesIO(published))
    assert not reader.metadata and "/Metadata" not in reader.root_object
    assert "Jeg er imod planen." in reader.pages[0].extract_text()
    for hidden in (HIDDEN_CPR, HIDDEN_EMAIL, "Karin Holm"):
        assert hidden.encode() not in published
    assert HIDDEN_EMAIL.encode() in original, "the original is kept as received"


def test_the_published_docx_keeps_its_text_and_loses_its_properties() -> None:
    published = without_metadata(FileKind.DOCX, docx_with_hidden_text("Jeg er imod planen."))

    document = Document(io.BytesIO(published))
    properties = document.core_properties
    assert (properties.author, properties.comments, properties.last_modified_by) == ("", "", "")
    assert [p.text for p in document.paragraphs] == ["Jeg er imod planen."]
    with zipfile.ZipFile(io.BytesIO(published)) as package:
        assert b"Microsoft" not in package.read("docProps/app.xml")
        assert package.testzip() is None


def test_the_published_jpeg_loses_its_exif_and_gps_and_is_still_the_same_picture() -> None:
    original = jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()  # the test file does carry EXIF

    published = without_metadata(FileKind.JPEG, original)

    image = Image.open(io.BytesIO(published))
    assert not image.getexif() and "comment" not in image.info
    assert image.tobytes() == Image.open(io.BytesIO(original)).tobytes(), "not re-encoded"
    for hidden in (b"Karin Holm", HIDDEN_EMAIL.encode(), HIDDEN_CPR.encode(), b"Exif"):
        assert hidden not in published


def test_the_published_png_loses_its_text_chunks() -> None:
    original = png_with_text()

    published = without_metadata(FileKind.PNG, original)

    image = Image.open(io.BytesIO(published))
    assert getattr(image, "text", None) == {} and image.tobytes() == Image.open(io.BytesIO(original)).tobytes()
    assert b"Karin" not in published and HIDDEN_CPR.encode() not in published


@pytest.mark.parametrize("kind", [FileKind.PNG, FileKind.JPEG])
def test_a_picture_cut_short_gives_no_more_than_was_read(kind: FileKind) -> None:
    data = PNG if kind is FileKind.PNG else jpeg_with_exif()[:40]

    published = without_metadata(kind, data)

    assert len(published) <= len(data) and b"Karin" not in published
