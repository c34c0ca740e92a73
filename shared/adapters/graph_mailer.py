"""E-mail through Microsoft Graph (``POST /users/{sender}/sendMail``) with the portal's own identity.

Graph has no idempotency key, so the mailer remembers which notification ids it delivered: a
notification is skipped when its id is marked sent, and marked after Graph accepted it. A crash
between the two sends that one e-mail twice on redelivery, which is better than losing it.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote

from shared.ports.files import FileStore
from shared.ports.mail import Channel, Mailer, Notification

GRAPH_ENDPOINT = "https://graph.microsoft.com/v1.0"
GRAPH_TIMEOUT_SECONDS = 30.0

# (url, body, headers) -> (status, body)
HttpPost = Callable[[str, bytes, dict[str, str]], tuple[int, bytes]]


class MailError(Exception):
    """Graph did not accept the message; the message names the status and Graph's error code only."""


class AccessTokens(Protocol):
    def token(self, scope: str = ...) -> str: ...


def urllib_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (https only)
    try:
        with urllib.request.urlopen(request, timeout=GRAPH_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


class GraphMailer:
    """Mailer for the ``email`` channel. Digital Post has its own adapter; this one refuses it."""

    def __init__(
        self,
        credentials: AccessTokens,
        sender_mailbox: str,
        *,
        already_sent: Callable[[str], bool],
        mark_sent: Callable[[str], None],
        http_post: HttpPost = urllib_post,
        endpoint: str = GRAPH_ENDPOINT,
    ) -> None:
        if "@" not in sender_mailbox:
            raise ValueError("the sender must be a mailbox address")
        if not endpoint.startswith("https://"):
            raise ValueError("the Graph endpoint must be https")
        self._credentials = credentials
        self._url = f"{endpoint.rstrip('/')}/users/{quote(sender_mailbox, safe='@')}/sendMail"
        self._already_sent = already_sent
        self._mark_sent = mark_sent
        self._post = http_post

    def send(self, notification: Notification) -> bool:
        if notification.channel != "email":
            raise ValueError(f"GraphMailer sends e-mail only, not {notification.channel}")
        if self._already_sent(notification.notification_id):
            return False
        status, body = self._post(
            self._url,
            json.dumps(_message(notification), ensure_ascii=False).encode("utf-8"),
            {
                "Authorization": f"Bearer {self._credentials.token()}",
                "Content-Type": "application/json; charset=utf-8",
            },
        )
        if status != 202:
            raise MailError(f"Graph answered {status} ({_error_code(body)})")
        self._mark_sent(notification.notification_id)
        return True


def _message(notification: Notification) -> dict[str, Any]:
    return {
        "message": {
            "subject": " ".join(notification.subject.split()),
            "body": {"contentType": "HTML", "content": notification.html},
            "toRecipients": [{"emailAddress": {"address": notification.recipient}}],
            # Custom headers must start with X-; lets a delivered message be traced to its notification.
            "internetMessageHeaders": [{"name": "X-Portal-Notification-Id", "value": notification.notification_id}],
        },
        "saveToSentItems": False,
    }


def _error_code(body: bytes) -> str:
    # Graph's error message may quote the recipient; only its code is kept.
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return "no error code"
    return str(code)[:100]


class BlobSentLog:
    """Which notifications were delivered: an empty marker blob per notification id.

    Kept in an existing container under its own prefix, so it needs no resource of its own. The
    blob name is a hash of the id, so any id makes a valid name of fixed length.
    """

    def __init__(self, files: FileStore, container: str, prefix: str = "sent-notifications/") -> None:
        self._files = files
        self._container = container
        self._prefix = prefix

    def _name(self, notification_id: str) -> str:
        return self._prefix + hashlib.sha256(notification_id.encode("utf-8")).hexdigest()

    def already_sent(self, notification_id: str) -> bool:
        return self._files.info(self._container, self._name(notification_id)) is not None

    def mark_sent(self, notification_id: str) -> None:
        self._files.write(self._container, self._name(notification_id), b"", "text/plain", overwrite=True)


class MailerByChannel:
    """Hands each notification to the mailer of its channel."""

    def __init__(self, mailers: dict[Channel, Mailer]) -> None:
        self._mailers = dict(mailers)

    def send(self, notification: Notification) -> bool:
        mailer = self._mailers.get(notification.channel)
        if mailer is None:
            raise ValueError(f"no mailer for the {notification.channel} channel")
        return mailer.send(notification)
