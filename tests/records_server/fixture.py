"""Starts the records test server as a separate process and talks to its control endpoints."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

CLIENT_ID, CLIENT_SECRET = "portal", "s3cret-for-tests"
OWNER, TEMPLATE = "jdoe", 101


class RecordsServer:
    def __init__(self, port: int, state: Path) -> None:
        self.port, self.state_dir = port, state
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.records_server",
                *("--port", str(self.port), "--state", str(self.state_dir)),
                *("--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET),
                *("--user", OWNER, "--template", str(TEMPLATE), "--template", "102"),
            ],
            cwd=Path(__file__).resolve().parents[2],
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/control/state", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                if self.process.poll() is not None:
                    raise RuntimeError("the records test server stopped while starting") from None
                time.sleep(0.05)
        raise RuntimeError("the records test server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def fail(self, *faults: dict[str, Any]) -> None:
        httpx.post(self.url + "/control/faults", json={"faults": list(faults)}, timeout=5).raise_for_status()

    def state(self) -> dict[str, Any]:
        answer = httpx.get(self.url + "/control/state", timeout=5)
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()
        return state


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def running_server(state: Path) -> Iterator[RecordsServer]:
    server = RecordsServer(free_port(), state)
    server.start()
    try:
        yield server
    finally:
        server.stop()
