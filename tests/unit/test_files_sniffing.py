"""What an uploaded file is, judged by its bytes: the name and the browser's claim do not count."""

from __future__ import annotations

import io
import zipfile

import pytest

from shared.domain.files import ALLOWED_DESCRIPTION, sniff_content_type

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"%PDF-1.7\n1 0 obj\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (zipped("[Content_Types].xml", "_rels/.rels", "word/document.xml"), DOCX),
        (zipped("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"), XLSX),
        (zipped("[Content_Types].xml", "ppt/presentation.xml"), PPTX),
    ],
    ids=["pdf", "png", "jpeg", "docx", "xlsx", "pptx"],
)
def test_allowed_formats_are_recognised_by_content(data: bytes, content_type: str) -> None:
    assert sniff_content_type(data) == content_type


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",  # a Windows executable
        b"\x7fELF\x02\x01\x01\x00",  # a Linux executable
        b"Dette er bare tekst, ikke en PDF.",
        b"<html><script>alert(1)</script></html>",
        b"GIF89a\x01\x00\x01\x00",
        b"",
        b" %PDF-1.7",  # the signature must come first
        zipped("readme.txt"),  # a plain zip archive
        zipped("word/document.xml"),  # no content types: not an Office document
        zipped("[Content_Types].xml", "content.xml"),  # an archive of an unknown kind
        b"PK\x03\x04 this is not really a zip archive",
    ],
    ids=[
        "exe",
        "elf",
        "text",
        "html",
        "gif",
        "empty",
        "late-signature",
        "zip",
        "zip-without-content-types",
        "unknown-package",
        "broken-zip",
    ],
)
def test_anything_else_is_refused(data: bytes) -> None:
    assert sniff_content_type(data) is None


def test_the_allowed_formats_are_described_for_people() -> None:
    assert ALLOWED_DESCRIPTION == "PDF, PNG, JPEG, DOCX, XLSX or PPTX"
