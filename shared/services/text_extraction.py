"""The text of an attachment, for screening: PDF with pypdf, DOCX with python-docx, nothing for images.

Besides the pages, what a reader of the file can also see is screened: a PDF's document information
and XMP metadata, a DOCX's page headers and footers and its properties (author, title, comments...).
"""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, Any

from shared.domain.files import FileKind

if TYPE_CHECKING:
    from pypdf import PdfReader

# The package parts beside the text a reader can see: the extended and custom properties (company,
# manager, whatever a program added) and the reviewers' comments.
_DOCX_PARTS = ("docProps/app.xml", "docProps/custom.xml", "word/comments.xml")
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
    parts: list[str] = _pdf_metadata(reader)
    length = sum(map(len, parts))
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        length += len(text)
        if length >= MAX_TEXT:
            break
    return "\n".join(parts)[:MAX_TEXT]


def _pdf_metadata(reader: PdfReader) -> list[str]:
    """The document information's values (author, title, subject, keywords, creator, producer, and any
    a program added) and the XMP packet's text."""
    parts = [str(value) for value in (reader.metadata or {}).values() if isinstance(value, str)]
    xmp = reader.root_object.get("/Metadata")
    if xmp is not None:
        packet = xmp.get_object().get_data()[:MAX_TEXT]
        parts.append(_xml_text(packet, attributes=True))  # XMP may hold a value as an attribute
    return parts


def _xml_text(packet: bytes, *, attributes: bool = False) -> str:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(packet, parser)
    if root is None:
        return ""
    texts = [text.strip() for text in root.itertext() if text.strip()]
    if attributes:
        texts.extend(str(value) for element in root.iter() for value in element.attrib.values())
    return "\n".join(texts)


def _docx_text(data: bytes) -> str:
    from docx import Document

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        if sum(member.file_size for member in package.infolist()) > MAX_UNPACKED_BYTES:
            limit = MAX_UNPACKED_BYTES // 1_000_000
            raise UnreadableFile(f"the DOCX file unpacks to more than {limit} MB, so its text cannot be checked")
        names = set(package.namelist())
        extra = [_xml_text(package.read(name)) for name in _DOCX_PARTS if name in names]
    document = Document(io.BytesIO(data))
    parts = [*_docx_properties(document), *extra]
    parts.extend(_blocks_text(document))
    for section in document.sections:
        for part in (
            section.header,
            section.footer,
            section.first_page_header,
            section.first_page_footer,
            section.even_page_header,
            section.even_page_footer,
        ):
            if not part.is_linked_to_previous:
                parts.extend(_blocks_text(part))
    return "\n".join(parts)[:MAX_TEXT]


def _blocks_text(container: Any) -> list[str]:
    """The paragraphs and table cells of a body, a header or a footer."""
    parts = [paragraph.text for paragraph in container.paragraphs]
    for table in container.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return parts


def _docx_properties(document: Any) -> list[str]:
    properties = document.core_properties
    names = ("author", "last_modified_by", "title", "subject", "keywords", "comments", "category")
    return [value for value in (getattr(properties, name) for name in names) if isinstance(value, str) and value]
