"""The clamd adapter against a tiny fake clamd that speaks INSTREAM over TCP and a Unix socket."""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.adapters.clamd_scanner import ClamdScanner
from shared.services.containers import QUARANTINE_CONTAINER, RESPONSE_UPLOADS_CONTAINER
from shared.services.response_attachments import (
    AttachmentOutcome,
    AttachmentUploadRequest,
    process_attachment_blob,
    request_attachment_upload,
)
from shared.services.responses import ResponseSubmission, submit_response
from tests.attachment_files import pdf_with_text
from tests.fakes import Portal, citizen

SIGNATURE = b"fake-virus-signature"  # what this fake clamd "detects"


class FakeClamd(socketserver.BaseRequestHandler):
    """Reads zINSTREAM\\0 and length-prefixed chunks up to a zero length; answers like clamd."""

    received: list[bytes] = []  # noqa: RUF012  # the streams, for the test to look at

    def handle(self) -> None:
        command = self._read_until_nul()
        if command == b"zPING":
            self.request.sendall(b"PONG\0")
            return
        assert command == b"zINSTREAM"
        data = b""
        while True:
            (length,) = struct.unpack(">I", self._read_exactly(4))
            if length == 0:
                break
            data += self._read_exactly(length)
        FakeClamd.received.append(data)
        answer = b"stream: Fake.Test-Signature FOUND\0" if SIGNATURE in data else b"stream: OK\0"
        self.request.sendall(answer)

    def _read_until_nul(self) -> bytes:
        read = b""
        while not read.endswith(b"\0"):
            read += self._read_exactly(1)
        return read[:-1]

    def _read_exactly(self, count: int) -> bytes:
        read = b""
        while len(read) < count:
            part = self.request.recv(count - len(read))
            assert part, "the client closed the connection early"
            read += part
        return read


@pytest.fixture
def tcp_clamd() -> Iterator[str]:
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeClamd) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
        server.shutdown()


@pytest.fixture
def unix_clamd(tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "clamd.sock"
    with socketserver.ThreadingUnixStreamServer(str(path), FakeClamd) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"unix://{path}"
        server.shutdown()


def test_clamd_over_tcp_streams_the_whole_file_in_chunks(tcp_clamd: str) -> None:
    scanner = ClamdScanner(tcp_clamd)
    large = b"x" * 200_000 + SIGNATURE  # more than one 64 KiB chunk

    assert scanner.scan("c", "n", b"harmless").clean
    assert scanner.scan("c", "n", large).threat == "Fake.Test-Signature"
    assert FakeClamd.received[-1] == large
    scanner.check()


def test_clamd_over_a_unix_socket(unix_clamd: str) -> None:
    assert ClamdScanner(unix_clamd).scan("c", "n", SIGNATURE).threat == "Fake.Test-Signature"


def test_clamd_unreachable_fails_the_trigger_so_it_is_retried() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OSError):
        ClamdScanner(f"tcp://127.0.0.1:{port}", timeout=2).scan("c", "n", b"x")


def test_a_clamd_finding_is_quarantined(tcp_clamd: str) -> None:
    portal = Portal.start()
    portal.scanner = ClamdScanner(tcp_clamd)
    who = citizen()
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, who, hearing_id, ResponseSubmission(text="Se bilag."))
    ticket = portal.call(
        request_attachment_upload, who, hearing_id, receipt.response_id, AttachmentUploadRequest(filename="a.pdf")
    )
    data = pdf_with_text("Helt almindelig tekst") + SIGNATURE
    name = f"{hearing_id}/{receipt.response_id}/{ticket.attachment_id}/a.pdf"
    portal.files.write(RESPONSE_UPLOADS_CONTAINER, name, data)

    assert portal.call(process_attachment_blob, name, len(data), lambda: data) is AttachmentOutcome.QUARANTINED

    [attachment] = portal.stored_response(hearing_id, receipt.response_id).attachments
    assert attachment.reason == "malware was found (Fake.Test-Signature)"
    assert portal.files.names(QUARANTINE_CONTAINER) == [name]
    assert len(portal.mailer.sent) == 1
