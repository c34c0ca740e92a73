"""A response's attachments: asked for, uploaded straight to storage, then checked, screened and scanned.

An attachment is recorded on its response when the respondent asks for an upload URL (state
``awaiting-upload``), so the blob trigger only takes files the portal handed out a URL for, and the
count per response holds even when many URLs are asked for at once. The trigger then accepts the
file, refuses it (content, size, count) or quarantines it (malware), and keeps the reason.
"""

from __future__ import annotations

import posixpath
import unicodedata
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.domain.base import Instant, PortalModel
from shared.domain.errors import InvalidInput
from shared.domain.files import FileKind, describe
from shared.domain.reference import AttachmentLimits
from shared.domain.screening import Flag, FlagState, screen

MAX_FILENAME_LENGTH = 200
# Names Windows will not open a file by, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)), *(f"lpt{n}" for n in range(1, 10))}


class AttachmentState(StrEnum):
    AWAITING_UPLOAD = "awaiting-upload"  # an upload URL was handed out; nothing checked yet
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # refused by content, size, count or name; the file is deleted
    QUARANTINED = "quarantined"  # malware found; the file is kept apart and never served


class Attachment(PortalModel):
    id: str
    filename: str
    state: AttachmentState = AttachmentState.AWAITING_UPLOAD
    requested_at: Instant
    upload_expires_at: Instant
    processed_at: Instant | None = None
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    blob_name: str | None = None  # where the accepted (or quarantined) file is kept, as received
    # What the public sees: the name, or a neutral one when the name carries personal data, and a copy
    # of the file without its metadata (author, title, comments, camera, position).
    public_filename: str | None = None
    published_blob_name: str | None = None
    published_size: int | None = None
    published_sha256: str | None = None
    reason: str | None = None  # why it was refused or quarantined; shown to the respondent
    flags: list[Flag] = Field(default_factory=list)  # personal data found in its text

    @property
    def open_flags(self) -> list[Flag]:
        return [flag for flag in self.flags if flag.is_open]

    @property
    def processed(self) -> bool:
        return self.state is not AttachmentState.AWAITING_UPLOAD

    def counts_against_limit(self, now: datetime) -> bool:
        """Accepted files count; so do upload URLs still valid, or two browsers could pass the limit."""
        if self.state is AttachmentState.ACCEPTED:
            return True
        return self.state is AttachmentState.AWAITING_UPLOAD and self.upload_expires_at > now

    def accept(
        self, content_type: str, size: int, sha256: str, blob_name: str, flags: list[Flag], now: datetime
    ) -> None:
        self.state, self.processed_at = AttachmentState.ACCEPTED, now
        self.content_type, self.size, self.sha256, self.blob_name = content_type, size, sha256, blob_name
        self.flags, self.reason = flags, None

    def publish_copy(self, public_filename: str, blob_name: str, size: int, sha256: str) -> None:
        """The copy the public downloads, made when the file was accepted (or on first demand, for files
        accepted before copies were made)."""
        self.public_filename, self.published_blob_name = public_filename, blob_name
        self.published_size, self.published_sha256 = size, sha256

    def shown_name(self, number: int) -> str:
        """The name the public sees; ``number`` is the file's place among the response's attachments."""
        return self.public_filename or public_filename(self.filename, number, self.content_type)

    def reject(self, reason: str, now: datetime) -> None:
        self.state, self.reason, self.processed_at = AttachmentState.REJECTED, reason, now

    def quarantine(self, reason: str, blob_name: str, sha256: str, size: int, now: datetime) -> None:
        self.state, self.reason, self.processed_at = AttachmentState.QUARANTINED, reason, now
        self.blob_name, self.sha256, self.size = blob_name, sha256, size

    def withhold_flagged(self) -> None:
        """A caseworker clearing every flag at once: the portal cannot redact inside a PDF or an image,
        so each open flag is redacted, and an attachment with a redacted flag is not published."""
        for flag in self.open_flags:
            flag.state = FlagState.REDACTED

    def publishable_after(self, decided_at: datetime | None) -> bool:
        """Accepted, seen by the caseworker who decided (it arrived before the decision), and every
        flag accepted as it stands."""
        return (
            self.state is AttachmentState.ACCEPTED
            and decided_at is not None
            and self.processed_at is not None
            and self.processed_at <= decided_at
            and all(flag.state is FlagState.ACCEPTED for flag in self.flags)
        )


def safe_filename(filename: str) -> str:
    """The file name as the respondent gave it, if it is one a person and every system can handle.

    Refused rather than rewritten: a path, control characters, a hidden or reserved name, no
    extension, or more than 200 characters.
    """
    name = unicodedata.normalize("NFC", filename.strip())
    if not name:
        raise InvalidInput("the file name is empty", field="filename")
    if "/" in name or "\\" in name or posixpath.basename(name) != name:
        raise InvalidInput("the file name may not contain a path", field="filename")
    if any(unicodedata.category(ch).startswith("C") for ch in name) or any(ch in '<>:"|?*' for ch in name):
        raise InvalidInput("the file name contains characters that are not allowed", field="filename")
    if len(name) > MAX_FILENAME_LENGTH:
        raise InvalidInput(f"the file name is longer than {MAX_FILENAME_LENGTH} characters", field="filename")
    stem, dot, extension = name.rpartition(".")
    if name.startswith(".") or not dot or not stem.strip() or not extension.strip():
        raise InvalidInput("the file name needs a name and an extension, such as bilag.pdf", field="filename")
    if stem.split(".")[0].strip().lower() in _RESERVED or name.endswith((" ", ".")):
        raise InvalidInput("the file name is reserved by operating systems", field="filename")
    return name


UPLOAD_BLOB = "upload"  # the last segment of an upload's blob name: never the file's own name


def attachment_blob_name(hearing_id: str, response_id: str, attachment_id: str) -> str:
    """Where the respondent's browser puts the file. The file's name is not part of it: blob names end up
    in URLs, the storage log and the host's log, and a name can carry a CPR number or an e-mail address."""
    return f"{hearing_id}/{response_id}/{attachment_id}/{UPLOAD_BLOB}"


def original_blob_name(hearing_id: str, response_id: str, attachment_id: str, extension: str) -> str:
    """The accepted file as received, for the respondent, the moderators and the records system."""
    return f"{hearing_id}/{response_id}/{attachment_id}/original.{extension}"


def published_blob_name(hearing_id: str, response_id: str, attachment_id: str, public_name: str) -> str:
    """The copy without metadata the public downloads, under the name the public sees."""
    return f"{hearing_id}/{response_id}/{attachment_id}/public/{public_name}"


def parse_attachment_blob_name(name: str) -> tuple[str, str, str, str] | None:
    """``<hearingId>/<responseId>/<attachmentId>/upload`` (or the file's name, as upload URLs handed out
    before were named), or None for any other layout."""
    parts = name.split("/")
    if len(parts) != 4 or not all(parts):
        return None
    return parts[0], parts[1], parts[2], parts[3]


def loggable_blob_name(name: str) -> str:
    """A blob name for the log: the ids only, never a file's name."""
    parsed = parse_attachment_blob_name(name)
    return "/".join(parsed[:3]) if parsed is not None else "(a blob outside the upload layout)"


def name_findings(filename: str) -> list[Flag]:
    """What screening finds in a file's name: CPR numbers, e-mail addresses, phone numbers, addresses,
    names. Read as written and with ``_``/``+`` as spaces, since file names often join words so."""
    spaced = filename.replace("_", " ").replace("+", " ")
    return screen(filename) or (screen(spaced) if spaced != filename else [])


def public_filename(filename: str, number: int, content_type: str | None = None) -> str:
    """The name as given when screening finds nothing in it, else ``Bilag <number>.<extension>`` (the
    extension of the file's format): a name the public may see whatever the respondent called the file."""
    if not name_findings(filename):
        return filename
    extension = next((kind.value for kind in FileKind if kind.content_type == content_type), "bin")
    return f"Bilag {number}.{extension}"


def refusal_by_size(size: int, limits: AttachmentLimits) -> str | None:
    if size <= 0:
        return "the file is empty"
    if size > limits.max_bytes:
        return f"the file is {size} bytes; at most {limits.max_bytes} bytes are accepted"
    return None


def refusal_by_kind(kind: FileKind | None, limits: AttachmentLimits) -> str | None:
    if kind is None:
        return f"the file's content is not {describe(limits.kinds)}, whatever its name says"
    return None
