"""Digital Post through NgDP's KombiPostAfsend over mutual TLS, against a local stand-in that checks the request."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from shared.adapters.digital_post import (
    DigitalPostMailer,
    MemoComposer,
    MemoSender,
    NgdpClient,
    client_tls,
    message_uuid,
)
from shared.adapters.graph_mailer import BlobSentLog
from shared.ports.mail import DeliveryError, Notification, RetryLater, Undeliverable
from tests.fakes import FixedClock, InMemoryFiles
from tests.ngdp_server import MEMO, NgdpStandIn, running
from tests.tls_support import TestAuthority

CPR = "0101904321"
NOW = datetime(2026, 12, 12, 11, 0, tzinfo=UTC)
MUNICIPALITY = MemoSender(cvr="64942212", label="Københavns Kommune", system_id="hearing-portal")


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> TestAuthority:
    return TestAuthority(tmp_path_factory.mktemp("ngdp-ca"))


@pytest.fixture
def ngdp(authority: TestAuthority) -> Iterator[NgdpStandIn]:
    issued = authority.issue("localhost", server=True)
    with running(issued.certificate, issued.key, authority.ca) as stand_in:
        yield stand_in


def mailer(ngdp: NgdpStandIn, authority: TestAuthority, files: InMemoryFiles | None = None) -> DigitalPostMailer:
    portal = authority.issue("hearing-portal", server=False)
    tls = client_tls(certificate_pem=portal.both.read_text(), ca_file=authority.ca)
    log = BlobSentLog(files or InMemoryFiles(), "outbox")
    composer = MemoComposer(MUNICIPALITY, unseal=lambda sealed: CPR, clock=FixedClock(NOW))
    client = NgdpClient(ngdp.url, tls=tls, clock=FixedClock(NOW))
    return DigitalPostMailer(composer, client, already_sent=log.already_sent, mark_sent=log.mark_sent)


def notification(notification_id: str = "event-1:anna") -> Notification:
    return Notification(
        notification_id=notification_id,
        channel="digital-post",
        recipient="cpr-sealed:v1.abc",
        subject="Ny høring: Lokalplan for Ørestad",
        text="Høringen er åben.",
        html="<p>Høringen er åben.</p>",
    )


def test_the_request_carries_the_memo_message_and_the_portals_certificate(
    ngdp: NgdpStandIn, authority: TestAuthority
) -> None:
    assert mailer(ngdp, authority).send(notification()) is True

    [request] = ngdp.received
    assert request.path == "/service/KombiPostAfsend_1/kombi"
    assert request.client_subject == "commonName=hearing-portal"
    assert request.headers["content-type"] == "application/xml; charset=utf-8"
    assert request.headers["x-transaktionsid"] == str(message_uuid("event-1:anna"))
    assert request.headers["x-transaktionstid"] == "2026-12-12T11:00:00Z"
    kombi = request.kombi()
    assert kombi.findtext("KombiValgKode") == "Digital Post"
    header = "memo:Message/memo:MessageHeader/"
    assert kombi.findtext(header + "memo:Recipient/memo:recipientID", namespaces=MEMO) == CPR
    assert kombi.findtext(header + "memo:Sender/memo:senderID", namespaces=MEMO) == "64942212"
    content = kombi.findtext("memo:Message/memo:MessageBody/memo:MainDocument/memo:File/memo:content", namespaces=MEMO)
    assert base64.b64decode(content or "") == "<p>Høringen er åben.</p>".encode()


def test_a_redelivery_sends_nothing_and_a_lost_mark_meets_ngdps_duplicate_check(
    ngdp: NgdpStandIn, authority: TestAuthority
) -> None:
    files = InMemoryFiles()

    first = mailer(ngdp, authority, files).send(notification())
    again = mailer(ngdp, authority, files).send(notification())
    after_a_crash = mailer(ngdp, authority).send(notification())  # the sent mark was lost: NgDP answers 409

    assert (first, again, after_a_crash) == (True, False, False)
    assert len(ngdp.received) == 2


def test_throttling_is_retry_later_and_a_refusal_is_undeliverable(ngdp: NgdpStandIn, authority: TestAuthority) -> None:
    ngdp.answers += [(429, {"Retry-After": "30"}), (400, {}), (500, {})]
    files = InMemoryFiles()
    sender = mailer(ngdp, authority, files)

    with pytest.raises(RetryLater) as throttled:
        sender.send(notification())
    with pytest.raises(Undeliverable):
        sender.send(notification())
    with pytest.raises(DeliveryError) as failed:
        sender.send(notification())
    finally_sent = sender.send(notification())

    assert throttled.value.after == 30.0
    assert not isinstance(failed.value, Undeliverable | RetryLater)
    assert CPR not in str(failed.value)
    assert finally_sent is True


def test_without_the_client_certificate_there_is_no_connection(ngdp: NgdpStandIn, authority: TestAuthority) -> None:
    stranger_ca = TestAuthority(authority.folder, name="Stranger CA")
    stranger = stranger_ca.issue("stranger", server=False)
    tls = client_tls(certificate_path=stranger.both, ca_file=authority.ca)
    client = NgdpClient(ngdp.url, tls=tls)
    composer = MemoComposer(MUNICIPALITY, unseal=lambda sealed: CPR, clock=FixedClock(NOW))

    with pytest.raises(DeliveryError, match="not reachable"):
        client.send(composer.message(notification()))
    assert ngdp.received == []
