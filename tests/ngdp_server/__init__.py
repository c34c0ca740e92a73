"""A local stand-in for NgDP's KombiPostAfsend: HTTPS that requires a client certificate from the test CA.

It records each request (headers, body, the client certificate's subject) and answers what the test
asks for; a messageUUID it accepted before answers 409, as NgDP does for a duplicate.
"""

from __future__ import annotations

import ssl
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MEMO = {"memo": "https://DigitalPost.dk/MeMo-1"}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    client_subject: str

    def kombi(self) -> ET.Element:
        return ET.fromstring(self.body)  # noqa: S314 (the portal's own request, in a test)


@dataclass
class NgdpStandIn:
    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # answered first, one per request
    accepted: set[str] = field(default_factory=set)


def _handler(state: NgdpStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            peer = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
            names: tuple[tuple[tuple[str, str], ...], ...] = (peer or {}).get("subject", ())  # type: ignore[assignment]
            subject = ",".join(f"{key}={value}" for rdn in names for key, value in rdn)
            state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, subject))
            status, headers = state.answers.pop(0) if state.answers else (201, {})
            if status == 201:
                message_uuid = ET.fromstring(body).findtext(  # noqa: S314
                    "memo:Message/memo:MessageHeader/memo:messageUUID", namespaces=MEMO
                )
                if message_uuid in state.accepted:
                    status = 409
                state.accepted.add(message_uuid or "")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def running(server_certificate: Path, server_key: Path, client_ca: Path) -> Iterator[NgdpStandIn]:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(client_ca))
    tls.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: no client certificate, no connection
    tls.load_cert_chain(server_certificate, server_key)
    state = NgdpStandIn(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.url = f"https://127.0.0.1:{server.server_address[1]}/service/KombiPostAfsend_1/kombi"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
