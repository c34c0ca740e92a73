"""Digital Post: a MeMo 1.2 message per notification, sent through NgDP's ``KombiPostAfsend``.

MeMo (``https://DigitalPost.dk/MeMo-1``) is the message format of the public sector's Digital Post.
The builder checks in code what NgDP would refuse later (required elements, the recipient's CPR
or CVR number, lengths and the size of the whole message), so a bad message fails here, once, as
``Undeliverable``, and never reaches the queue's retries. Messages name fields, never a CPR number.

The ``messageUUID`` follows from the notification id, so a redelivered notification is the same
MeMo message, which NgDP accepts once.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import ssl
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal

import httpx

from shared.domain.danish_ids import is_valid_cvr, normalise_cpr
from shared.ports.clock import Clock, SystemClock
from shared.ports.mail import DeliveryError, Notification, RetryLater, Undeliverable

MEMO_NAMESPACE = "https://DigitalPost.dk/MeMo-1"
MEMO_VERSION = "1.2"
MEMO_SCHEMA_VERSION = "1.2.0"
MAX_TEXT = 256  # labels, ids, file names (the schema's limit for most strings)
MAX_NOTIFICATION = 150  # the short text a recipient's app shows
MAX_MEMO_BYTES = 150 * 1024 * 1024  # the whole message, base64 included; NgDP's published limit to be confirmed
MESSAGE_TYPES = ("DIGITALPOST", "NEMSMS")
ENCODING_FORMATS = ("text/html", "text/plain", "application/pdf")
KOMBI_CHOICE = "Digital Post"  # KombiValgKode: Digital Post only, no fallback to physical letters
NGDP_TIMEOUT_SECONDS = 60.0

# MeMo's pattern for messageUUID is a version-4 UUID.
_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_LANGUAGE = re.compile(r"[a-z]{2}")

ET.register_namespace("memo", MEMO_NAMESPACE)

IdType = Literal["CPR", "CVR"]


@dataclass(frozen=True)
class MemoFile:
    filename: str
    encoding_format: str  # a MIME type NgDP shows, such as text/html
    language: str  # ISO 639-1, two letters
    content: bytes


@dataclass(frozen=True)
class MemoSender:
    """The municipality: its CVR number and the name recipients see; ``system_id`` names the portal."""

    cvr: str
    label: str
    system_id: str | None = None


@dataclass(frozen=True)
class MemoRecipient:
    id: str = field(repr=False)  # a CPR number is never shown
    id_type: IdType


@dataclass(frozen=True)
class MemoMessage:
    message_uuid: uuid.UUID
    label: str  # the title in the recipient's inbox
    sender: MemoSender
    recipient: MemoRecipient
    created_at: datetime
    files: tuple[MemoFile, ...]
    notification: str | None = None
    message_type: str = "DIGITALPOST"
    mandatory: bool = False
    legal_notification: bool = False


class InvalidMemo(Undeliverable):
    """The message breaks MeMo's rules; ``problems`` names each element at fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid MeMo message: " + "; ".join(problems))
        self.problems = problems


def message_uuid(notification_id: str) -> uuid.UUID:
    """A version-4-shaped UUID that follows from the notification id (MeMo accepts only version 4)."""
    digest = bytearray(hashlib.sha256(notification_id.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x40
    digest[8] = (digest[8] & 0x3F) | 0x80
    return uuid.UUID(bytes=bytes(digest))


def memo_problems(message: MemoMessage) -> list[str]:
    """Everything NgDP would refuse in the message's content; empty when it is valid."""
    problems: list[str] = []

    def text(name: str, value: str | None, limit: int = MAX_TEXT, required: bool = True) -> None:
        if value is None or not value.strip():
            if required:
                problems.append(f"{name} is required")
        elif len(value) > limit:
            problems.append(f"{name} is longer than {limit} characters")

    if message.message_type not in MESSAGE_TYPES:
        problems.append(f"messageType must be one of {', '.join(MESSAGE_TYPES)}")
    if not _UUID4.fullmatch(str(message.message_uuid)):
        problems.append("messageUUID must be a version 4 UUID")
    text("label", message.label)
    text("notification", message.notification, MAX_NOTIFICATION, required=False)
    if message.created_at.tzinfo is None:
        problems.append("createdDateTime must be an instant with a time zone")
    if not is_valid_cvr(message.sender.cvr):
        problems.append("Sender.senderID must be a CVR number (8 digits, modulus 11)")
    text("Sender.label", message.sender.label)
    text("generatingSystemID", message.sender.system_id, required=False)
    problems += _recipient_problems(message.recipient)
    if not message.files:
        problems.append("MainDocument needs at least one File")
    for number, file in enumerate(message.files, start=1):
        where = f"MainDocument.File[{number}]"
        text(f"{where}.filename", file.filename)
        if file.encoding_format not in ENCODING_FORMATS:
            problems.append(f"{where}.encodingFormat must be one of {', '.join(ENCODING_FORMATS)}")
        if not _LANGUAGE.fullmatch(file.language):
            problems.append(f"{where}.language must be two lower-case letters")
        if not file.content:
            problems.append(f"{where}.content is empty")
    return problems


def _recipient_problems(recipient: MemoRecipient) -> list[str]:
    if recipient.id_type == "CVR":
        return (
            [] if is_valid_cvr(recipient.id) else ["Recipient.recipientID must be a CVR number (8 digits, modulus 11)"]
        )
    if recipient.id_type == "CPR":
        try:
            if normalise_cpr(recipient.id) == recipient.id:
                return []
        except ValueError:
            pass
        return ["Recipient.recipientID must be a CPR number of ten digits"]
    return ["Recipient.idType must be CPR or CVR"]


def memo_element(message: MemoMessage) -> ET.Element:
    """The ``memo:Message`` element, in the schema's element order. Does not validate; ``memo_xml`` does."""
    root = ET.Element(_q("Message"), {"memoVersion": MEMO_VERSION, "memoSchVersion": MEMO_SCHEMA_VERSION})
    header = _child(root, "MessageHeader")
    _child(header, "messageType", message.message_type)
    _child(header, "messageUUID", str(message.message_uuid))
    _child(header, "label", message.label)
    if message.notification:
        _child(header, "notification", message.notification)
    _child(header, "mandatory", _boolean(message.mandatory))
    _child(header, "legalNotification", _boolean(message.legal_notification))
    sender = _child(header, "Sender")
    _child(sender, "senderID", message.sender.cvr)
    _child(sender, "idType", "CVR")
    _child(sender, "label", message.sender.label)
    if message.sender.system_id:
        system = _child(_child(sender, "AttentionData"), "GeneratingSystem")
        _child(system, "generatingSystemID", message.sender.system_id)
    recipient = _child(header, "Recipient")
    _child(recipient, "recipientID", message.recipient.id)
    _child(recipient, "idType", message.recipient.id_type)
    body = _child(root, "MessageBody")
    _child(body, "createdDateTime", message.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    main = _child(body, "MainDocument")
    _child(main, "label", message.label)
    for file in message.files:
        element = _child(main, "File")
        _child(element, "encodingFormat", file.encoding_format)
        _child(element, "filename", file.filename)
        _child(element, "language", file.language)
        # base64 in lines of 76, as the MIME standard writes it; XML schema's base64Binary accepts both.
        _child(element, "content", _base64(file.content))
    return root


def memo_xml(message: MemoMessage, *, max_bytes: int = MAX_MEMO_BYTES) -> bytes:
    """The message as a MeMo 1.2 XML document; raises ``InvalidMemo`` naming every problem."""
    problems = memo_problems(message)
    if problems:
        raise InvalidMemo(problems)
    data = bytes(ET.tostring(memo_element(message), encoding="utf-8", xml_declaration=True))
    if len(data) > max_bytes:
        raise InvalidMemo([f"the message is {len(data)} bytes, more than the {max_bytes} allowed"])
    return data


def kombi_request(message: MemoMessage, *, max_bytes: int = MAX_MEMO_BYTES) -> bytes:
    """The body of ``KombiPostAfsend``: the channel choice and the MeMo message."""
    memo_xml(message, max_bytes=max_bytes)  # validates
    root = ET.Element("kombi_request")
    ET.SubElement(root, "KombiValgKode").text = KOMBI_CHOICE
    root.append(memo_element(message))
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _q(name: str) -> str:
    return f"{{{MEMO_NAMESPACE}}}{name}"


def _child(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, _q(name))
    if text is not None:
        element.text = text
    return element


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _base64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").strip()


class MemoComposer:
    """Turns a ``digital-post`` notification into a MeMo message.

    The notification's recipient is ``cpr-sealed:<sealed CPR>`` (unsealed here, at the last moment)
    or ``cvr:<CVR>``; anything else cannot be delivered.
    """

    def __init__(self, sender: MemoSender, *, unseal: Callable[[str], str], clock: Clock | None = None) -> None:
        self._sender = sender
        self._unseal = unseal
        self._clock: Clock = clock or SystemClock()

    def recipient(self, address: str) -> MemoRecipient:
        kind, _, value = address.partition(":")
        if kind == "cvr" and value:
            return MemoRecipient(value, "CVR")
        if kind == "cpr-sealed" and value:
            try:
                return MemoRecipient(normalise_cpr(self._unseal(value)), "CPR")
            except ValueError:
                raise Undeliverable("the sealed CPR number of the recipient is not a CPR number") from None
        raise Undeliverable("a Digital Post recipient is cpr-sealed:<sealed> or cvr:<number>")

    def __call__(self, notification: Notification) -> bytes:
        """The notification as MeMo XML, e.g. for the local outbox."""
        return memo_xml(self.message(notification))

    def message(self, notification: Notification) -> MemoMessage:
        if notification.channel != "digital-post":
            raise ValueError(f"MeMo is for Digital Post, not {notification.channel}")
        subject = " ".join(notification.subject.split())
        return MemoMessage(
            message_uuid=message_uuid(notification.notification_id),
            label=_shorten(subject, MAX_TEXT),
            sender=self._sender,
            recipient=self.recipient(notification.recipient),
            created_at=self._clock.now(),
            notification=_shorten(subject, MAX_NOTIFICATION),
            files=(
                MemoFile(
                    filename="besked.html" if notification.language == "da" else "message.html",
                    encoding_format="text/html",
                    language=notification.language,
                    content=notification.html.encode("utf-8"),
                ),
            ),
        )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def client_tls(
    *, certificate_path: Path | None = None, certificate_pem: str | None = None, ca_file: Path | None = None
) -> ssl.SSLContext:
    """TLS towards NgDP with the portal's client certificate (certificate and key in one PEM).

    The PEM comes from a file, or from a setting that a Key Vault reference fills. ``ssl`` loads
    certificates from files only, so a PEM from a setting passes through a private temporary file.
    """
    if (certificate_path is None) == (certificate_pem is None):
        raise ValueError("give the client certificate as a path or as PEM text, one of them")
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if certificate_path is not None:
        context.load_cert_chain(certificate_path)
        return context
    fd, name = tempfile.mkstemp(prefix="ngdp-", suffix=".pem")  # created readable by this user only
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(certificate_pem or "")
        context.load_cert_chain(name)
    finally:
        os.unlink(name)
    return context


class NgdpClient:
    """``KombiPostAfsend`` over mutual TLS. Answers: accepted, a duplicate, or a typed delivery error."""

    def __init__(
        self,
        endpoint: str,
        *,
        tls: ssl.SSLContext,
        timeout_seconds: float = NGDP_TIMEOUT_SECONDS,
        clock: Clock | None = None,
    ) -> None:
        if not endpoint.startswith("https://"):
            raise ValueError("the NgDP endpoint must be https")
        self._endpoint = endpoint
        self._http = httpx.Client(verify=tls, timeout=timeout_seconds)
        self._clock: Clock = clock or SystemClock()

    def close(self) -> None:
        self._http.close()

    def send(self, message: MemoMessage) -> bool:
        """True when NgDP accepted the message now, False when it had accepted this messageUUID before."""
        body = kombi_request(message)
        headers = {
            "Content-Type": "application/xml; charset=utf-8",
            "Accept": "application/xml",
            # Serviceplatformen's transaction headers; the id follows the message, so retries share it.
            "x-TransaktionsId": str(message.message_uuid),
            "x-TransaktionsTid": self._clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        try:
            answer = self._http.post(self._endpoint, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryError(f"NgDP not reachable ({type(error).__name__})") from None
        status = answer.status_code
        if 200 <= status < 300:
            return True
        if status == 409:  # this messageUUID was accepted before: delivered
            return False
        # NgDP's answer may repeat the recipient; only the status is kept.
        if status in (429, 503):
            raise RetryLater(f"NgDP answered {status}", _seconds(answer.headers.get("retry-after"), self._clock.now()))
        if status in (400, 422):
            raise Undeliverable(f"NgDP refused the message ({status})")
        raise DeliveryError(f"NgDP answered {status}")


def _seconds(value: str | None, now: datetime) -> float:
    """``Retry-After`` in seconds (delay-seconds or an HTTP date); a minute when it says nothing useful."""
    if value and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 9:
        return float(value.strip())
    try:
        return max(0.0, (parsedate_to_datetime(value or "") - now).total_seconds())
    except (TypeError, ValueError):
        return 60.0


class DigitalPostMailer:
    """Mailer for the ``digital-post`` channel, sending each notification once."""

    def __init__(
        self,
        composer: MemoComposer,
        client: NgdpClient,
        *,
        already_sent: Callable[[str], bool],
        mark_sent: Callable[[str], None],
    ) -> None:
        self._composer = composer
        self._client = client
        self._already_sent = already_sent
        self._mark_sent = mark_sent

    def send(self, notification: Notification) -> bool:
        if notification.channel != "digital-post":
            raise ValueError(f"DigitalPostMailer sends Digital Post only, not {notification.channel}")
        if self._already_sent(notification.notification_id):
            return False
        sent_now = self._client.send(self._composer.message(notification))
        self._mark_sent(notification.notification_id)
        return sent_now
