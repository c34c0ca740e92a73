"""Files as people read them: the type ("PDF"), the size written out ("1,2 MB"), why a file was refused."""

from __future__ import annotations

from functions.webui.pages import Visit
from shared.services.response_attachments import AttachmentView


def _(message: str) -> str:
    """Marks a text for the catalogue; it is translated when shown."""
    return message


TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (XLSX)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint (PPTX)",
}
# The attachment checks give their reasons in English sentences for the logs and the API; the page shows
# its own text for each, chosen by how the sentence starts (tests/unit/test_web_mine_helpers.py holds them together).
REFUSALS = (
    ("malware was found", _("The file contains malware and has been set aside.")),
    ("the file is empty", _("The file is empty.")),
    ("the file is ", _("The file is too large.")),
    ("the file's content is not", _("The file is not a PDF, PNG, JPEG or Word document, whatever its name says.")),
    ("the response already carries", _("The response carries as many files as it may.")),
    ("the pdf file is encrypted", _("The PDF file is encrypted, so we cannot check it.")),
)
UNREADABLE = _("The file could not be read.")


def file_type(content_type: str | None) -> str:
    return TYPES.get(content_type or "", (content_type or "").split("/")[-1].upper())


def file_size(size: int | None, language: str) -> str:
    """``12 kB`` / ``1,2 MB`` in Danish, ``1.2 MB`` in English."""
    from babel.numbers import format_decimal

    size = size or 0
    if size < 999_500:  # what would round to 1.000 kB is 1 MB
        return f"{format_decimal(max(1, round(size / 1000)), locale=language)} kB"
    return f"{format_decimal(round(size / 1000 / 1000, 1), format='#,##0.#', locale=language)} MB"


def attachment_refusal(attachment: AttachmentView, visit: Visit) -> str:
    """«name»: why it was refused, in the visitor's language."""
    reason = (attachment.reason or "").lower()
    message = next((text for start, text in REFUSALS if reason.startswith(start)), UNREADABLE)
    return f"«{attachment.filename}»: {visit._(message)}"
