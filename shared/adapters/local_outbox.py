"""The local outbox: every notification becomes an ``.eml`` file a developer can open.

Stands in for e-mail and Digital Post on a developer machine and in tests. One file per
notification id, created atomically, so a redelivered message is written once. Given a MeMo
composer, a Digital Post notification also leaves the MeMo message NgDP would get beside its
``.eml`` (``<id>.memo.xml``), checked by the same rules, so a developer sees what a citizen would.
"""

from __future__ import annotations

import email
import hashlib
import os
import tempfile
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from shared.ports.clock import Clock, SystemClock
from shared.ports.mail import Notification


class MemoWriter(Protocol):
    """Renders a Digital Post notification as MeMo XML; raises ``Undeliverable`` when it cannot be one."""

    def __call__(self, notification: Notification) -> bytes: ...


DEFAULT_SENDER = "Hearing portal <no-reply@hearing-portal.invalid>"
_SAFE_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def file_name(notification_id: str) -> str:
    """``<notification_id>.eml`` with anything a file system might mind escaped as ``%XX``."""
    if not notification_id:
        raise ValueError("notification_id cannot be empty")
    escaped = "".join(
        ch if ch in _SAFE_NAME_CHARACTERS else "".join(f"%{byte:02X}" for byte in ch.encode("utf-8"))
        for ch in notification_id
    )
    if escaped.startswith("."):  # no hidden files, no "." or ".."
        escaped = "%2E" + escaped[1:]
    return f"{escaped}.eml"


def message_id(notification_id: str, domain: str = "hearing-portal.invalid") -> str:
    """The same id for every delivery of one notification, so a mail program sees a duplicate as one."""
    digest = hashlib.sha256(notification_id.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def compose(
    notification: Notification, sender: str, now: datetime, domain: str = "hearing-portal.invalid"
) -> EmailMessage:
    """The notification as an RFC 5322 message with text and HTML parts.

    ``To`` carries the recipient of an e-mail; a Digital Post recipient is not an address, so it is
    kept only in ``X-Portal-Recipient``, which every message carries.
    """
    message = EmailMessage()
    message["From"] = sender
    if notification.channel == "email":
        message["To"] = notification.recipient
    message["Subject"] = " ".join(notification.subject.split())  # one line, whatever the template did
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(notification.notification_id, domain)
    for name, value in (notification.unsubscribe.headers() if notification.unsubscribe else {}).items():
        message[name] = value
    message["X-Portal-Channel"] = notification.channel
    message["X-Portal-Recipient"] = notification.recipient
    message["X-Portal-Notification-Id"] = notification.notification_id
    message.set_content(notification.text)
    message.add_alternative(notification.html, subtype="html")
    for attachment in notification.attachments:
        maintype, _, rest = attachment.content_type.partition("/")
        subtype, *parameters = (part.strip() for part in rest.split(";"))
        params = dict(p.split("=", 1) for p in parameters if "=" in p and not p.startswith("charset="))
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename, params=params
        )
    # Last: setting the content moves or drops the Content-* fields set before it.
    message["Content-Language"] = notification.language
    return message


class LocalOutbox:
    """Mailer writing RFC 5322 messages into ``folder``."""

    def __init__(
        self, folder: Path, sender: str = DEFAULT_SENDER, clock: Clock | None = None, memo: MemoWriter | None = None
    ) -> None:
        self.folder = Path(folder)
        self._sender = sender
        self._clock: Clock = clock or SystemClock()
        self._memo = memo

    def send(self, notification: Notification) -> bool:
        target = self.folder / file_name(notification.notification_id)
        if target.exists():
            return False
        data = compose(notification, self._sender, self._clock.now()).as_bytes()
        # Built before anything is written: a notification that cannot be a MeMo message leaves no file.
        memo = self._memo(notification) if self._memo and notification.channel == "digital-post" else None
        self.folder.mkdir(parents=True, exist_ok=True)
        if memo is not None:
            # Before the .eml, which marks the notification delivered; a crash in between rewrites it.
            self._write_replacing(target.with_suffix(".memo.xml"), memo)
        # Write a temporary file, then hard-link it under its final name: the link either creates the
        # complete message or fails because the id was delivered, so no reader sees half a file.
        fd, temp_name = tempfile.mkstemp(dir=self.folder, prefix=".sending-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            try:
                os.link(temp_name, target)
            except FileExistsError:
                return False
        finally:
            os.unlink(temp_name)
        return True

    def _write_replacing(self, path: Path, data: bytes) -> None:
        fd, temp_name = tempfile.mkstemp(dir=self.folder, prefix=".writing-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, path)
        except BaseException:
            os.unlink(temp_name)
            raise

    def memo_messages(self) -> list[bytes]:
        """The MeMo XML of every Digital Post notification sent so far, ordered by file name."""
        if not self.folder.exists():
            return []
        return [path.read_bytes() for path in sorted(self.folder.glob("*.memo.xml"))]

    def messages(self) -> list[EmailMessage]:
        """Every message sent so far, ordered by file name."""
        if not self.folder.exists():
            return []
        return [
            email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]
