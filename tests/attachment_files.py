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


# What a tester's files carried: a person's CPR number and e-mail address where no page shows them.
HIDDEN_CPR, HIDDEN_EMAIL = "010190-1234", "karin.holm@privat.dk"
REVEALING_NAME = f"Klage fra Karin Holm cpr {HIDDEN_CPR} {HIDDEN_EMAIL}.pdf"


def pdf_with_metadata(*lines: str) -> bytes:
    """A PDF whose document information and XMP packet name the author; the pages say only ``lines``."""
    import pikepdf

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.setAuthor(f"Karin Holm {HIDDEN_EMAIL}")
    canvas.setTitle(f"Klage, cpr {HIDDEN_CPR}")
    for number, line in enumerate(lines):
        canvas.drawString(72, 760 - 16 * number, line)
    canvas.showPage()
    canvas.save()
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["dc:creator"] = [f"Karin Holm <{HIDDEN_EMAIL}>"]
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def docx_with_hidden_text(*paragraphs: str) -> bytes:
    """A DOCX whose header, footer and properties carry what the body does not."""
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    section = document.sections[0]
    section.header.paragraphs[0].text = f"Karin Holm, cpr {HIDDEN_CPR}"
    section.footer.paragraphs[0].text = f"Svar til {HIDDEN_EMAIL}"
    document.core_properties.author = "Karin Holm"
    document.core_properties.comments = f"Skrevet af {HIDDEN_EMAIL}"
    document.core_properties.last_modified_by = "Karin Holm"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def jpeg_with_exif() -> bytes:
    """A small photo with EXIF as a phone writes it: who took it, a description and where (GPS)."""
    from PIL import Image

    image = Image.new("RGB", (16, 16), (200, 30, 30))
    exif = Image.Exif()
    exif[0x013B] = "Karin Holm"  # Artist
    exif[0x010E] = f"Mit hus, {HIDDEN_EMAIL}"  # ImageDescription
    exif[0x8825] = {1: "N", 2: (55.0, 40.0, 30.0), 3: "E", 4: (12.0, 34.0, 56.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=f"cpr {HIDDEN_CPR}".encode())
    return buffer.getvalue()


def png_with_text() -> bytes:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Karin Holm")
    info.add_itxt("Description", f"cpr {HIDDEN_CPR}, {HIDDEN_EMAIL}")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()
