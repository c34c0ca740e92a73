"""Starts ``python -m local_host run`` as a subprocess, for integration and end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
LOG_NAME = "local-host.log"
READY_PATHS = ("/admin/host/status", "/api/health")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalHostError(RuntimeError):
    """The host exited or did not answer while starting; the message carries the end of its log."""


class LocalHostProcess:
    def __init__(self, process: subprocess.Popen[bytes], port: int, data_dir: Path, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.data_dir = data_dir
        self.log_path = log_path
        self.base_url = f"http://127.0.0.1:{port}"
        self.client = httpx.Client(base_url=self.base_url, timeout=30)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, path, **kwargs)

    def admin(self, method: str, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        """``host.admin("POST", "/admin/functions/close_hearings", {"input": ""})``; a leading /admin is optional."""
        if not path.startswith("/admin"):
            path = "/admin/" + path.lstrip("/")
        return self.client.request(method, path, json=json, **kwargs)

    def dev_issuer(self) -> str:
        """The development issuer's name as this host announces it (it follows the host's port)."""
        response = self.request("GET", "/api/dev/.well-known/openid-configuration")
        response.raise_for_status()
        return str(response.json()["issuer"])

    def wait_idle(self, timeout: float = 30) -> None:
        """Until every queue a trigger reads is empty, nothing runs and every blob was processed."""
        response = self.admin("POST", f"/admin/idle?timeout={timeout}", timeout=timeout + 10)
        if response.status_code != 200:
            raise LocalHostError(f"the host did not become idle within {timeout} s\n{self.log_tail()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 20) -> int:
        """Ctrl-C, as a developer would; kills the host if it does not stop in time. Returns the exit code."""
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return int(self.process.wait())

    def kill(self) -> None:
        """Kills the host and whatever it started (its Azurite), as a crash would."""
        self.client.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def start_local_host(
    app_module: str,
    data_dir: Path,
    env: dict[str, str],
    port: int | None = None,
    *,
    cwd: Path | None = None,
    extra_args: tuple[str, ...] = (),
    startup_timeout: float = 60,
) -> LocalHostProcess:
    """Start the host on a free port with ``data_dir`` as PORTAL_DATA_DIR and wait until it answers.

    ``cwd`` is the function app's folder (host.json, local.settings.json); the repository root by default.
    The host's output goes to ``data_dir / "local-host.log"``, appended across restarts.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port() if port is None else port
    child_env = {**os.environ, "PORTAL_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **env}
    python_path = [str(REPO_ROOT), *filter(None, child_env.get("PYTHONPATH", "").split(os.pathsep))]
    child_env["PYTHONPATH"] = os.pathsep.join(python_path)
    log_path = data_dir / LOG_NAME
    command = [sys.executable, "-m", "local_host", "run", "--port", str(port), "--app", app_module, *extra_args]
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            command,
            cwd=cwd or REPO_ROOT,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() also reaches the Azurite it may start
        )
    host = LocalHostProcess(process, port, data_dir, log_path)
    try:
        _wait_until_ready(host, startup_timeout)
    except BaseException:
        host.kill()
        raise
    return host


def _wait_until_ready(host: LocalHostProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not host.running:
            raise LocalHostError(f"the local host exited with code {host.process.returncode}:\n{host.log_tail()}")
        for path in READY_PATHS:
            with contextlib.suppress(httpx.HTTPError):
                if host.client.get(path, timeout=1).status_code == 200:
                    return
        time.sleep(0.1)
    raise LocalHostError(f"the local host did not answer within {timeout:.0f} s:\n{host.log_tail()}")
