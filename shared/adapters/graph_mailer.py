"""E-mail through Microsoft Graph (``POST /users/{sender}/sendMail``) with the portal's own identity.

Graph has no idempotency key, so the mailer remembers which notification ids it delivered: a
notification is skipped when its id is marked sent, and marked after Graph accepted it. A crash
between the two sends that one e-mail twice on redelivery, which is better than losing it.

When Graph throttles (429) or is unavailable (503) it says how long to wait in ``Retry-After``. A
short wait is waited out here, within a small budget per message; a longer one becomes
``RetryLater(after)`` so the queue re-schedules the message instead of spending its attempts.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple, Protocol
from urllib.parse import quote

from shared.ports.clock import Clock, SystemClock
from shared.ports.files import FileStore
from shared.ports.mail import Channel, DeliveryError, Mailer, Notification, RetryLater, Undeliverable

GRAPH_ENDPOINT = "https://graph.microsoft.com/v1.0"
GRAPH_TIMEOUT_SECONDS = 30.0
WAIT_BUDGET_SECONDS = 10.0  # at most this long waiting out Retry-After within one send
DEFAULT_RETRY_AFTER_SECONDS = 10.0  # when a 429 or 503 does not say how long
_THROTTLED = (429, 503)


class HttpAnswer(NamedTuple):
    status: int
    headers: Mapping[str, str]  # names in lower case
    body: bytes


# (url, body, headers) -> answer
HttpPost = Callable[[str, bytes, dict[str, str]], HttpAnswer]


class MailError(DeliveryError):
    """Graph did not accept the message; the message names the status and Graph's error code only."""


class GraphRefused(MailError, Undeliverable):
    """Graph refused this message as it is (400), e.g. an invalid recipient: trying again will not help."""


class GraphThrottled(MailError, RetryLater):
    """Graph asked to wait longer than this send may wait."""

    def __init__(self, detail: str, after: float) -> None:
        RetryLater.__init__(self, detail, after)


class AccessTokens(Protocol):
    def token(self, scope: str = ...) -> str: ...


def urllib_post(url: str, body: bytes, headers: dict[str, str]) -> HttpAnswer:
    return graph_request("POST", url, headers, body)


def graph_request(method: str, url: str, headers: dict[str, str], body: bytes | None = None) -> HttpAnswer:
    """One Graph call; an HTTP error status is an answer like any other, for the caller to judge."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 (https only)
    try:
        with urllib.request.urlopen(request, timeout=GRAPH_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return HttpAnswer(int(answer.status), _lower(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as error:
        return HttpAnswer(int(error.code), _lower(error.headers.items()), error.read())


def _lower(items: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in items}


def retry_after_seconds(value: str | None, now: datetime) -> float:
    """``Retry-After`` as seconds from ``now``: delay-seconds or an HTTP date (RFC 9110, 10.2.3)."""
    if value is None or not value.strip():
        return DEFAULT_RETRY_AFTER_SECONDS
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:  # "²" and a 5,000-digit number are no delay
        return float(int(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(0.0, (moment - now).total_seconds())


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
        wait_budget_seconds: float = WAIT_BUDGET_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
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
        self._wait_budget = wait_budget_seconds
        self._sleep = sleep
        self._clock: Clock = clock or SystemClock()

    def send(self, notification: Notification) -> bool:
        if notification.channel != "email":
            raise ValueError(f"GraphMailer sends e-mail only, not {notification.channel}")
        if self._already_sent(notification.notification_id):
            return False
        body = json.dumps(_message(notification), ensure_ascii=False).encode("utf-8")
        waited = 0.0
        while True:
            answer = self._post(
                self._url,
                body,
                {
                    "Authorization": f"Bearer {self._credentials.token()}",
                    "Content-Type": "application/json; charset=utf-8",
                },
            )
            if answer.status == 202:
                break
            detail = f"Graph answered {answer.status} ({_error_code(answer.body)})"
            if answer.status not in _THROTTLED:
                raise (GraphRefused if answer.status == 400 else MailError)(detail)
            after = retry_after_seconds(answer.headers.get("retry-after"), self._clock.now())
            if waited + after > self._wait_budget:
                raise GraphThrottled(f"{detail}; retry after {after:g} s", after)
            self._sleep(after)
            waited += after
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
