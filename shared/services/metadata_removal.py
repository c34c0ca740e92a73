"""The copy of an attachment the public downloads: the file without the metadata that names people.

A PDF loses its document information (author, title, subject, keywords, creator) and every XMP packet;
it is written anew, so no earlier revision of the information survives in the file. An Office file
(DOCX, XLSX, PPTX) gets empty core, extended and custom properties (author, last editor, comments,
company, manager). A JPEG loses its EXIF (camera, time, GPS position, artist, description, thumbnail),
XMP, IPTC and comments; a PNG its text chunks and EXIF. The content itself is untouched: the pixels are
not decoded and re-encoded, so memory stays at the file's size, and its text was screened already.
"""

from __future__ import annotations

import io
import struct
import zipfile

from shared.domain.files import FileKind
from shared.services.text_extraction import MAX_UNPACKED_BYTES, UnreadableFile


def without_metadata(kind: FileKind, data: bytes) -> bytes:
    """``data`` without its metadata; ``UnreadableFile`` when the file cannot be taken apart."""
    try:
        if kind is FileKind.PDF:
            return _pdf(data)
        if kind in (FileKind.DOCX, FileKind.XLSX, FileKind.PPTX):
            return _office(data)
        if kind is FileKind.JPEG:
            return _jpeg(data)
        if kind is FileKind.PNG:
            return _png(data)
    except UnreadableFile:
        raise
    except Exception as error:  # the parsers raise many kinds on damaged input
        raise UnreadableFile(f"the {kind.value.upper()} file could not be read") from error
    raise UnreadableFile(f"the portal cannot publish {kind.value.upper()} files")


def _pdf(data: bytes) -> bytes:
    import pikepdf  # imported when needed: the HTTP functions never load it

    with pikepdf.open(io.BytesIO(data)) as pdf:
        if pdf.is_encrypted:
            raise UnreadableFile("the PDF file is encrypted, so its text cannot be checked")
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        if "/Metadata" in pdf.Root:
            del pdf.Root["/Metadata"]
        if "/PieceInfo" in pdf.Root:
            del pdf.Root["/PieceInfo"]
        for page in pdf.pages:
            for key in ("/Metadata", "/PieceInfo"):
                if key in page.obj:
                    del page.obj[key]
        out = io.BytesIO()
        # qpdf writes only the objects still reachable: the removed ones (and any earlier revision) are gone.
        pdf.save(out, fix_metadata_version=False)
        return out.getvalue()


_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_PROPERTY_PARTS = {
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties": (
        b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        b' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"/>'
    ),
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties": (
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>'
    ),
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties": (
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>'
    ),
}
_XML = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _office(data: bytes) -> bytes:
    """Each property part (found by its relationship, whatever it is called) is replaced by an empty one;
    every other part is copied as it is, one at a time."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        if sum(member.file_size for member in package.infolist()) > MAX_UNPACKED_BYTES:
            raise UnreadableFile(f"the file unpacks to more than {MAX_UNPACKED_BYTES // 1_000_000} MB")
        emptied = _property_parts(package)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
            for member in package.infolist():
                if member.filename in emptied:
                    copy.writestr(member.filename, _XML + emptied[member.filename])
                elif member.filename.lower().startswith("docprops/thumbnail"):
                    copy.writestr(member.filename, b"")  # a picture of the first page, made by the editor
                else:
                    copy.writestr(member, package.read(member))
        return out.getvalue()


def _property_parts(package: zipfile.ZipFile) -> dict[str, bytes]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(package.read("_rels/.rels"), parser)
    parts: dict[str, bytes] = {}
    for relationship in root.iter(f"{{{_RELATIONSHIPS}}}Relationship"):
        empty = _PROPERTY_PARTS.get(relationship.get("Type", ""))
        target = relationship.get("Target", "").lstrip("/")
        if empty is not None and target and relationship.get("TargetMode") != "External":
            parts[target] = empty
    return parts


# JPEG segments that carry pictures' metadata: APP1 (EXIF with GPS, XMP), APP3-APP12, APP13 (IPTC),
# APP15 and comments. APP0 (JFIF), APP2 (the colour profile) and APP14 (Adobe colour transform) stay:
# without them colours come out wrong.
_JPEG_KEPT_APPS = {0xE0, 0xE2, 0xEE}


def _jpeg(data: bytes) -> bytes:
    """The segments before the picture are copied one by one, metadata left out. Where the structure
    breaks off before the picture, what follows is left out too: nothing unread is ever copied."""
    out = bytearray(data[:2])
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # fill bytes before a marker
            at += 1
            continue
        if marker == 0xD9 or 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length of their own
            out += data[at : at + 2]
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        end = at + 2 + length
        if length < 2 or end > len(data):
            break
        if marker == 0xDA:  # start of scan: the picture itself, copied to the end
            out += data[at:]
            break
        if not ((0xE0 <= marker <= 0xEF and marker not in _JPEG_KEPT_APPS) or marker == 0xFE):
            out += data[at:end]
        at = end
    return bytes(out)


# PNG chunks that draw the picture or say how to show it; every other chunk (tEXt, zTXt, iTXt, eXIf,
# tIME, and any private one) is left out.
_PNG_KEPT = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP",
    b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(data: bytes) -> bytes:
    """The chunks that make the picture, copied whole; a chunk cut off at the end is left out."""
    out = bytearray(data[: len(_PNG_SIGNATURE)])
    at = len(_PNG_SIGNATURE)
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunk_type = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            break
        if chunk_type in _PNG_KEPT:
            out += data[at:end]
        at = end
        if chunk_type == b"IEND":
            break
    return bytes(out)
