"""Real files for the attachment tests: a PDF and a DOCX with text, a program, the EICAR test file."""

from __future__ import annotations

import io
import zipfile

from docx import Document
from reportlab.pdfgen.canvas import Canvas

# A Windows program's first bytes (the MZ header).
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def pdf_with_text(*lines: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for number, line in enumerate(lines):
        canvas.drawString(72, 760 - 16 * number, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def docx_with_text(*paragraphs: str) -> bytes:
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_bomb(unpacked_mib: int) -> bytes:
    """A genuine DOCX whose text part is padded with repeated text: a small file (about 1 KB per MiB)
    that unpacks to ``unpacked_mib`` MiB and more."""
    genuine = zipfile.ZipFile(io.BytesIO(docx_with_text("Jeg støtter planen.")))
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in genuine.infolist():
            content = genuine.read(info.filename)
            if info.filename != "word/document.xml":
                bomb.writestr(info, content)
                continue
            head, tail = content.split(b"</w:body>")
            paragraph = b"<w:p><w:r><w:t>" + b"a" * (1 << 20) + b"</w:t></w:r></w:p>"
            with bomb.open(info.filename, "w", force_zip64=True) as part:
                part.write(head)
                for _ in range(unpacked_mib):
                    part.write(paragraph)
                part.write(b"</w:body>" + tail)
    return packed.getvalue()


def eicar() -> bytes:
    """The anti-virus test file, assembled here so no scanner on a developer machine quarantines the tests."""
    return b"".join([b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$", b"EICAR-STANDARD-", b"ANTIVIRUS-TEST-", b"FILE!$H+H*"])
