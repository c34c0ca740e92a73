"""E-mail over SMTP (``smtplib``), with STARTTLS or implicit TLS and the portal's own login.

SMTP has no idempotency key, so like the Graph mailer this one keeps a sent log: a notification
whose id is marked sent is skipped, and the mark is set once the server took the message. A crash
between the two sends that one e-mail twice on redelivery, which is better than losing it.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Literal

from shared.adapters.local_outbox import compose
from shared.ports.clock import Clock, SystemClock
from shared.ports.mail import DeliveryError, Notification, Undeliverable

Security = Literal["starttls", "ssl", "none"]


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand mail over. ``ssl`` is implicit TLS (port 465), ``starttls`` upgrades (587)."""

    host: str
    sender: str  # the From address, e.g. "Københavns Kommune <hoeringer@kk.dk>"
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 30.0
    # Whom to trust for the server's certificate; the system's authorities unless set (a test's own CA).
    tls: ssl.SSLContext | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("the SMTP host is required")
        if "@" not in parseaddr(self.sender)[1]:
            raise ValueError("the sender must be a mail address")
        if (self.username is None) != (self.password is None):
            raise ValueError("give both an SMTP username and a password, or neither")
        if self.username and self.security == "none":
            raise ValueError("an SMTP login needs TLS; choose starttls or ssl")


class SmtpMailer:
    """Mailer for the ``email`` channel; refuses Digital Post."""

    def __init__(
        self,
        server: SmtpServer,
        *,
        already_sent: Callable[[str], bool],
        mark_sent: Callable[[str], None],
        clock: Clock | None = None,
    ) -> None:
        self._server = server
        self._envelope_sender = parseaddr(server.sender)[1]
        self._domain = self._envelope_sender.rpartition("@")[2]  # Message-IDs name the sender's domain
        self._already_sent = already_sent
        self._mark_sent = mark_sent
        self._clock: Clock = clock or SystemClock()

    def send(self, notification: Notification) -> bool:
        if notification.channel != "email":
            raise ValueError(f"SmtpMailer sends e-mail only, not {notification.channel}")
        if self._already_sent(notification.notification_id):
            return False
        message = compose(notification, self._server.sender, self._clock.now(), self._domain)
        try:
            with self._connect() as smtp:
                smtp.send_message(message, from_addr=self._envelope_sender, to_addrs=[notification.recipient])
        except smtplib.SMTPRecipientsRefused as error:
            # The refusal names the address; only the server's codes are kept.
            codes = sorted({code for code, _ in error.recipients.values()})
            raise _failure(codes[0] if codes else 550, "refused the recipient") from None
        except smtplib.SMTPResponseException as error:
            raise _failure(error.smtp_code, "did not take the message") from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP server not reachable ({type(error).__name__})") from None
        self._mark_sent(notification.notification_id)
        return True

    def _connect(self) -> smtplib.SMTP:
        server = self._server
        tls = server.tls or ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.security == "ssl":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout_seconds, context=tls)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_seconds)
        try:
            if server.security == "starttls":
                smtp.starttls(context=tls)
            if server.username and server.password:
                smtp.login(server.username, server.password)
        except BaseException:
            smtp.close()
            raise
        return smtp


def _failure(code: int, what: str) -> DeliveryError:
    # 5xx is the server's final word on this message; 4xx (and a failed login) may pass.
    if 500 <= code < 600 and code not in (530, 534, 535, 538):
        return Undeliverable(f"SMTP server {what} ({code})")
    return DeliveryError(f"SMTP server {what} ({code})")
