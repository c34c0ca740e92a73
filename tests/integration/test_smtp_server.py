"""E-mail over SMTP against a real SMTP server (aiosmtpd) with STARTTLS or TLS and a login."""

from __future__ import annotations

import email
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from shared.adapters.graph_mailer import BlobSentLog
from shared.adapters.smtp_mailer import Security, SmtpMailer, SmtpServer
from shared.ports.mail import Attachment, DeliveryError, Notification, Undeliverable, Unsubscribe
from tests.fakes import InMemoryFiles
from tests.tls_support import TestAuthority

USER, PASSWORD = "portal", "smtp-password"
SENDER = "Københavns Kommune <hoeringer@kommune.example>"


@dataclass
class Inbox:
    """What the test server received, and the answer it gives to RCPT TO."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse_recipients_with: str | None = None

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any) -> str:
        if self.refuse_recipients_with:
            return self.refuse_recipients_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted"


def check_login(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningServer:
    inbox: Inbox
    port: int
    client_tls: ssl.SSLContext
    security: Security

    def mailer(self, files: InMemoryFiles | None = None, password: str = PASSWORD) -> SmtpMailer:
        log = BlobSentLog(files or InMemoryFiles(), "outbox")
        server = SmtpServer(
            host="127.0.0.1",
            port=self.port,
            sender=SENDER,
            security=self.security,
            username=USER,
            password=password,
            tls=self.client_tls,
            timeout_seconds=10,
        )
        return SmtpMailer(server, already_sent=log.already_sent, mark_sent=log.mark_sent)


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> TestAuthority:
    return TestAuthority(tmp_path_factory.mktemp("smtp-ca"))


@pytest.fixture(params=["starttls", "ssl"])
def smtp_server(request: pytest.FixtureRequest, authority: TestAuthority) -> Iterator[RunningServer]:
    issued = authority.issue("localhost", server=True)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(issued.certificate, issued.key)
    client_tls = ssl.create_default_context(cafile=str(authority.ca))
    inbox, port = Inbox(), free_port()
    security: Security = request.param
    options: dict[str, Any] = {"authenticator": check_login, "auth_require_tls": True}
    if security == "ssl":
        # aiosmtpd counts only STARTTLS as TLS for AUTH; over implicit TLS every command is encrypted anyway.
        options["auth_require_tls"] = False
        controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_tls, **options)
    else:
        controller = Controller(
            inbox, hostname="127.0.0.1", port=port, tls_context=server_tls, require_starttls=True, **options
        )
    controller.start()
    try:
        yield RunningServer(inbox, port, client_tls, security)
    finally:
        controller.stop()


def notification(notification_id: str = "event-7:anna", **changes: Any) -> Notification:
    values: dict[str, Any] = {
        "channel": "email",
        "recipient": "anna@borger.example",
        "subject": "Ny høring: Lokalplan for Ørestad <Syd>",
        "text": "Der er en ny høring.\nLæs mere: https://hoeringer.kommune.example/hoeringer/h-1",
        "html": "<p>Der er en ny høring. <a href='https://hoeringer.kommune.example/hoeringer/h-1'>Læs mere</a></p>",
        "unsubscribe": Unsubscribe(
            url="https://hoeringer.kommune.example/afmeld/abc", mailto="afmeld@kommune.example?subject=abc"
        ),
        **changes,
    }
    return Notification(notification_id=notification_id, **values)


def test_a_notification_arrives_with_text_html_and_one_click_unsubscribe(smtp_server: RunningServer) -> None:
    assert smtp_server.mailer().send(notification()) is True

    [(mail_from, rcpt_tos, message)] = smtp_server.inbox.received
    assert mail_from == "hoeringer@kommune.example"
    assert rcpt_tos == ["anna@borger.example"]
    assert message["Subject"] == "Ny høring: Lokalplan for Ørestad <Syd>"
    assert message["From"] == SENDER
    assert message["List-Unsubscribe"] == (
        "<https://hoeringer.kommune.example/afmeld/abc>, <mailto:afmeld@kommune.example?subject=abc>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == "da"
    assert message["Message-ID"].endswith("@kommune.example>")
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and "Der er en ny høring." in text.get_content()
    assert html is not None and "<a href=" in html.get_content()


def test_a_redelivered_notification_is_sent_once_and_its_message_id_is_stable(smtp_server: RunningServer) -> None:
    files = InMemoryFiles()

    first = smtp_server.mailer(files).send(notification())
    again = smtp_server.mailer(files).send(notification())  # the queue delivered the same message again
    elsewhere = smtp_server.mailer().send(notification())  # another sent log: sent again, same Message-ID

    ids = [message["Message-ID"] for _, _, message in smtp_server.inbox.received]
    assert (first, again, elsewhere) == (True, False, True)
    assert len(ids) == 2 and ids[0] == ids[1]


def test_a_meeting_invitation_travels_as_an_attachment(smtp_server: RunningServer) -> None:
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    invitation = notification(
        "meeting-1:anna",
        attachments=(Attachment("borgermoede.ics", "text/calendar; method=REQUEST; charset=utf-8", ics),),
        language="en",
    )

    smtp_server.mailer().send(invitation)

    [(_, _, message)] = smtp_server.inbox.received
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "borgermoede.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_content().replace("\r\n", "\n") == ics.decode().replace("\r\n", "\n")
    assert message["Content-Language"] == "en"


def test_a_wrong_password_is_a_delivery_error_and_nothing_is_marked_sent(smtp_server: RunningServer) -> None:
    files = InMemoryFiles()

    with pytest.raises(DeliveryError) as caught:
        smtp_server.mailer(files, password="wrong").send(notification())
    retried = smtp_server.mailer(files).send(notification())

    assert not isinstance(caught.value, Undeliverable)
    assert "535" in str(caught.value)
    assert retried is True


def test_a_refused_recipient_is_undeliverable_without_naming_the_address(smtp_server: RunningServer) -> None:
    smtp_server.inbox.refuse_recipients_with = "550 5.1.1 <anna@borger.example>: no such user"

    with pytest.raises(Undeliverable) as caught:
        smtp_server.mailer().send(notification())

    assert "550" in str(caught.value) and "anna@borger.example" not in str(caught.value)


def test_a_temporary_refusal_may_pass_later(smtp_server: RunningServer) -> None:
    smtp_server.inbox.refuse_recipients_with = "451 4.3.0 try again later"

    with pytest.raises(DeliveryError) as caught:
        smtp_server.mailer().send(notification())

    assert not isinstance(caught.value, Undeliverable)


def test_no_server_listening_is_a_delivery_error(tmp_path: Path) -> None:
    server = SmtpServer(host="127.0.0.1", port=free_port(), sender=SENDER, security="none", timeout_seconds=5)
    mailer = SmtpMailer(server, already_sent=lambda _: False, mark_sent=lambda _: None)

    with pytest.raises(DeliveryError, match="not reachable"):
        mailer.send(notification())


def test_a_login_without_tls_is_refused_by_configuration() -> None:
    with pytest.raises(ValueError, match="needs TLS"):
        SmtpServer(host="smtp.example", sender=SENDER, security="none", username=USER, password=PASSWORD)
