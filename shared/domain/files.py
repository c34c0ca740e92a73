"""What an uploaded file really is, judged by its content, never by its name."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from enum import StrEnum
from io import BytesIO

import filetype


class FileKind(StrEnum):
    """The formats the portal takes, by the short name admins use in hearing templates."""

    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]


_CONTENT_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_OOXML = (FileKind.DOCX, FileKind.XLSX, FileKind.PPTX)
DOCUMENT_KINDS = tuple(FileKind)  # what a caseworker may attach to a hearing


def describe(kinds: Iterable[FileKind]) -> str:
    """``PDF, PNG or DOCX``: the formats for people."""
    names = [kind.value.upper() for kind in kinds]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


ALLOWED_DESCRIPTION = describe(DOCUMENT_KINDS)


def sniff_kind(data: bytes, allowed: Iterable[FileKind] = DOCUMENT_KINDS) -> FileKind | None:
    """The allowed format the bytes prove, or None.

    The magic bytes are read with ``filetype``. An Office document is a ZIP package, and filetype
    looks only at its first entries, so the package is also opened to see that it is whole and
    declares its parts (``[Content_Types].xml``).
    """
    guessed = filetype.guess_mime(data) if data else None
    kind = next((k for k in allowed if k.content_type == guessed), None)
    if kind in _OOXML and not _is_office_package(data):
        return None
    return kind


def sniff_content_type(data: bytes, allowed: Iterable[FileKind] = DOCUMENT_KINDS) -> str | None:
    """The content type the bytes prove, or None when they are not an allowed format."""
    kind = sniff_kind(data, allowed)
    return None if kind is None else kind.content_type


def _is_office_package(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
