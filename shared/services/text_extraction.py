"""The text of an attachment, for screening: PDF with pypdf, DOCX with python-docx, nothing for images."""

from __future__ import annotations

import io
import zipfile

from shared.domain.files import FileKind

# Screening reads at most this much of a file's text; a caseworker opens the file for the rest.
MAX_TEXT = 500_000
# python-docx unpacks every part of the package into memory, and its XML takes a few times that once
# parsed: a DOCX of a few hundred kilobytes can unpack to gigabytes. The sizes the package declares
# bound what unpacking yields (zipfile stops at the declared size), so they are checked first.
MAX_UNPACKED_BYTES = 100_000_000


class UnreadableFile(ValueError):
    """The bytes have the right signature but the document inside cannot be read."""


def extract_text(kind: FileKind, data: bytes) -> str:
    try:
        if kind is FileKind.PDF:
            return _pdf_text(data)
        if kind is FileKind.DOCX:
            return _docx_text(data)
    except UnreadableFile:
        raise
    except Exception as error:  # the parsers raise many kinds on damaged input
        raise UnreadableFile(f"the {kind.value.upper()} file could not be read") from error
    return ""  # images and other formats carry no text the portal reads


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader  # imported when needed: the HTTP functions never load it

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise UnreadableFile("the PDF file is encrypted, so its text cannot be checked")
    parts: list[str] = []
    length = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        length += len(text)
        if length >= MAX_TEXT:
            break
    return "\n".join(parts)[:MAX_TEXT]


def _docx_text(data: bytes) -> str:
    from docx import Document

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        if sum(member.file_size for member in package.infolist()) > MAX_UNPACKED_BYTES:
            limit = MAX_UNPACKED_BYTES // 1_000_000
            raise UnreadableFile(f"the DOCX file unpacks to more than {limit} MB, so its text cannot be checked")
    document = Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)[:MAX_TEXT]
