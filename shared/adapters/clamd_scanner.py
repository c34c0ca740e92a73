"""Malware scanner speaking clamd's INSTREAM protocol over TCP or a Unix socket.

zINSTREAM\\0, then chunks of <4-byte big-endian length><bytes>, then a zero length;
the answer is ``stream: OK``, ``stream: <name> FOUND`` or ``... ERROR``, ended by \\0.
"""

from __future__ import annotations

import socket
import struct
from urllib.parse import urlsplit

from shared.ports.malware import ScanVerdict

_CHUNK = 64 * 1024
_MAX_ANSWER = 4096


class ClamdError(Exception):
    """clamd answered with an error (for example, the stream is over its StreamMaxLength)."""


class ClamdScanner:
    def __init__(self, address: str, timeout: float = 30.0) -> None:
        self._address = address
        self._timeout = timeout

    def scan(self, container: str, name: str, data: bytes) -> ScanVerdict:
        with self._connect() as connection:
            connection.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), _CHUNK):
                chunk = data[start : start + _CHUNK]
                connection.sendall(struct.pack(">I", len(chunk)) + chunk)
            connection.sendall(struct.pack(">I", 0))
            answer = _read_answer(connection)
        return parse_answer(answer)

    def check(self) -> None:
        """PING, for the health answer."""
        with self._connect() as connection:
            connection.sendall(b"zPING\0")
            if _read_answer(connection) != "PONG":
                raise ClamdError("clamd did not answer PONG")

    def _connect(self) -> socket.socket:
        family, target = parse_address(self._address)
        connection = socket.socket(family, socket.SOCK_STREAM)
        connection.settimeout(self._timeout)
        try:
            connection.connect(target)
        except OSError:
            connection.close()
            raise
        return connection


def parse_address(address: str) -> tuple[socket.AddressFamily, str | tuple[str, int]]:
    """``tcp://host:3310``, ``host:3310`` or ``unix:///run/clamav/clamd.ctl``."""
    if address.startswith("unix://"):
        return socket.AF_UNIX, address.removeprefix("unix://")
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname:
        raise ValueError(f"not a clamd address: {address!r} (tcp://host:port or unix:///path)")
    return socket.AF_INET, (parts.hostname, parts.port or 3310)


def parse_answer(answer: str) -> ScanVerdict:
    verdict = answer.removeprefix("stream:").strip()
    if verdict == "OK":
        return ScanVerdict()
    if verdict.endswith(" FOUND"):
        return ScanVerdict(verdict.removesuffix(" FOUND").strip() or "unknown")
    raise ClamdError(f"clamd answered {answer!r}")


def _read_answer(connection: socket.socket) -> str:
    received = b""
    while not received.endswith(b"\0") and len(received) < _MAX_ANSWER:
        part = connection.recv(1024)
        if not part:
            break
        received += part
    return received.rstrip(b"\0").decode("utf-8", "replace").strip()
