"""Starts Azurite's blob service for the local host and the tests.

Azurite is the storage emulator the Azure SDK talks to exactly as it talks to Blob Storage, so
the blob adapter runs the same code on a laptop and in Azure. It comes from npm (``make install``).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from shared.settings import AZURITE_ACCOUNT, azurite_connection_string

REPO_ROOT = Path(__file__).resolve().parents[1]
AZURITE_BLOB = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"
DEFAULT_PORT = 10000
HOST = "127.0.0.1"
# In a data folder's Azurite folder: the port and process of the Azurite a host started for that data.
RECORD_NAME = "listening.json"

log = logging.getLogger("local_host")


class AzuriteError(RuntimeError):
    """Azurite is not installed, did not start, or stopped while starting."""


def connection_string(port: int = DEFAULT_PORT) -> str:
    """The connection string for Azurite's development account on ``port``."""
    return azurite_connection_string(port)


def port_answers(port: int, host: str = HOST, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Azurite:
    """A running Azurite blob service; owns its process unless it found one already listening."""

    def __init__(self, port: int, process: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> None:
        self.port = port
        self.process = process
        self.log = log

    @property
    def connection_string(self) -> str:
        return connection_string(self.port)

    @property
    def blob_endpoint(self) -> str:
        return f"http://{HOST}:{self.port}/{AZURITE_ACCOUNT}"

    @property
    def owned(self) -> bool:
        """True when this handle started the process and so stops it."""
        return self.process is not None

    @classmethod
    def start(cls, location: Path, port: int | None = None, startup_timeout: float = 30.0) -> Azurite:
        """Start Azurite with its data in ``location`` and wait until it accepts connections."""
        if not AZURITE_BLOB.exists():
            raise AzuriteError(f"Azurite is not installed ({AZURITE_BLOB} is missing): run `make install`")
        port = free_port() if port is None else port
        if port_answers(port):
            raise AzuriteError(f"port {port} is already in use")
        location = Path(location).resolve()
        location.mkdir(parents=True, exist_ok=True)
        log = location / "azurite.log"
        command = [
            str(AZURITE_BLOB),
            "--blobHost", HOST,
            "--blobPort", str(port),
            "--location", str(location),
            "--skipApiVersionCheck",
            "--loose",
            "--silent",
            "--disableTelemetry",
        ]  # fmt: skip
        with log.open("ab") as log_file:
            # The child keeps its own copy of the descriptor, so closing ours here is fine.
            process = subprocess.Popen(
                command, cwd=location, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
            )
        azurite = cls(port, process, log)
        try:
            azurite._wait_until_ready(startup_timeout)
        except BaseException:
            azurite.stop()
            raise
        return azurite

    @classmethod
    def for_data(cls, location: Path, preferred: int = DEFAULT_PORT) -> Azurite:
        """The Azurite holding the blobs kept in ``location``: the one a host on the same data started and
        that still runs (an intake and a workers host share it), else a new one on ``preferred``, or on a
        free port when something else listens there. Another portal's Azurite on that port holds other
        blobs, and that portal's blob triggers would take this one's uploads: it is never shared."""
        location = Path(location).resolve()
        recorded = _recorded_port(location)
        if recorded is not None:
            return cls(recorded)
        port = preferred
        if port_answers(preferred):
            port = free_port()
            log.warning(
                "port %d is taken by another program (another portal's Azurite?); this portal's blobs are in "
                "its own Azurite on port %d",
                preferred,
                port,
            )
        azurite = cls.start(location, port)
        assert azurite.process is not None  # started just now
        (location / RECORD_NAME).write_text(json.dumps({"port": port, "pid": azurite.process.pid}))
        return azurite

    def _wait_until_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AzuriteError(
                    f"Azurite exited with code {self.process.returncode} while starting:\n{self._log_tail()}"
                )
            if port_answers(self.port):
                return
            time.sleep(0.05)
        raise AzuriteError(f"Azurite did not listen on port {self.port} within {timeout:.0f} s:\n{self._log_tail()}")

    def _log_tail(self, lines: int = 20) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the process this handle started; a reused Azurite is left running."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _recorded_port(location: Path) -> int | None:
    """The port of the Azurite started for this data, when that very process still listens there."""
    try:
        record = json.loads((location / RECORD_NAME).read_text())
        port, pid = int(record["port"]), int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)  # only asks whether the process is there
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # there, but another user's: the port check below decides
    return port if port_answers(port) else None
