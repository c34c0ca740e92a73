"""What the benchmarks share: statistics, process CPU time, the local host stack and a load generator."""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"


# -- statistics --------------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that was actually measured, never an interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered) - 1e-9)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned first column, right-aligned figures."""
    texts = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[index]) for row in texts) for index in range(len(texts[0]))]
    lines = []
    for row in texts:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


# -- process CPU time --------------------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far, from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name may hold spaces and parentheses; the fields after the last ")" are fixed.
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / _CLOCK_TICKS


# -- the local host with its own Azurite -------------------------------------------------------------


class StackError(RuntimeError):
    """Azurite or the local host did not start; the message carries the end of the host's log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LocalStack:
    """Azurite and ``python -m local_host run`` as subprocesses, with the data in ``data_dir``."""

    data_dir: Path
    port: int
    host: subprocess.Popen[bytes]
    azurite: Any  # local_host.azurite.Azurite
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def call(self, method: str, path: str, body: Any = None, token: str | None = None, timeout: float = 60) -> Any:
        """One JSON request on a fresh connection; raises StackError unless the answer is 2xx."""
        status, answer = request_json(self.port, method, path, body, token, timeout)
        if not 200 <= status < 300:
            raise StackError(f"{method} {path} answered {status}: {answer!r}")
        return answer

    def wait_idle(self, timeout: float = 120) -> None:
        """Until the host's queues are empty and nothing runs (the screening of accepted responses)."""
        self.call("POST", f"/admin/idle?timeout={timeout}", timeout=timeout + 10)

    def stop(self, timeout: float = 20) -> None:
        """Ctrl-C for the host, as a developer would, then Azurite; kills what does not stop in time."""
        if self.host.poll() is None:
            self.host.send_signal(signal.SIGINT)
            try:
                self.host.wait(timeout)
            except subprocess.TimeoutExpired:
                self.host.kill()
                self.host.wait(timeout)
        self.azurite.stop()


@contextlib.contextmanager
def local_stack(
    data_dir: Path, app_module: str, extra_args: Sequence[str] = (), startup_timeout: float = 90
) -> Iterator[LocalStack]:
    from local_host.azurite import Azurite

    data_dir.mkdir(parents=True, exist_ok=True)
    azurite = Azurite.start(data_dir / "azurite")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])),
        "PYTHONUNBUFFERED": "1",
        "PORTAL_ENVIRONMENT": "development",
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_PUBLIC_BASE_URL": f"http://{LOOPBACK}:{port}",
        "PORTAL_DOCUMENT_STORE": "sqlite",
        "PORTAL_MESSAGE_BUS": "local",
        "PORTAL_DEV_ISSUER": "true",
        "PORTAL_ADJUSTABLE_CLOCK": "false",
        "AzureWebJobsStorage": azurite.connection_string,
    }
    log_path = data_dir / "local-host.log"
    command = [sys.executable, "-m", "local_host", "run", "--port", str(port), "--app", app_module, *extra_args]
    try:
        with log_path.open("ab") as log_file:
            # Its own session: a Ctrl-C on the benchmark reaches the host only through stop().
            host = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    except BaseException:
        azurite.stop()
        raise
    stack = LocalStack(data_dir, port, host, azurite, log_path)
    try:
        _wait_until_ready(stack, startup_timeout)
        yield stack
    finally:
        stack.stop()


def _wait_until_ready(stack: LocalStack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.host.poll() is not None:
            raise StackError(f"the local host exited with code {stack.host.returncode}:\n{stack.log_tail()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if request_json(stack.port, "GET", "/api/health", timeout=2)[0] == 200:
                return
        time.sleep(0.1)
    raise StackError(f"the local host did not answer within {timeout:.0f} s:\n{stack.log_tail()}")


def request_json(
    port: int, method: str, path: str, body: Any = None, token: str | None = None, timeout: float = 60
) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, body=payload, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        return answer.status, json.loads(data) if data else None
    finally:
        connection.close()


# -- load generator ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    index: int
    status: int  # 0 when the request failed before an answer arrived
    body: bytes
    seconds: float
    error: str = ""


@dataclass
class LoadResult:
    outcomes: list[Outcome]
    wall_seconds: float
    client_cpu_seconds: float
    host_cpu_seconds: float

    @property
    def latencies_ms(self) -> list[float]:
        return [outcome.seconds * 1000 for outcome in self.outcomes if outcome.status]

    @property
    def per_second(self) -> float:
        return len(self.outcomes) / self.wall_seconds if self.wall_seconds else float("nan")


@dataclass
class _Lane:
    requests: list[tuple[int, Request]]
    outcomes: list[Outcome] = field(default_factory=list)


def run_load(
    port: int, requests: Sequence[Request], concurrency: int, host_pid: int, deadline_seconds: float = 300
) -> LoadResult:
    """Send every request once over ``concurrency`` keep-alive connections, as fast as answers come.

    A request not sent before the deadline counts as failed, so a stuck server cannot hang the run.
    Host CPU time is read just before the first and just after the last request.
    """
    lanes = [_Lane([(i, r) for i, r in enumerate(requests) if i % concurrency == lane]) for lane in range(concurrency)]
    start_gate = threading.Barrier(concurrency + 1)
    stop_at = time.monotonic() + deadline_seconds
    threads = [
        threading.Thread(target=_drive, args=(port, lane, start_gate, stop_at), daemon=True, name=f"lane-{n}")
        for n, lane in enumerate(lanes)
    ]
    for thread in threads:
        thread.start()
    client_cpu = time.process_time()
    host_cpu = cpu_seconds(host_pid)
    started = time.perf_counter()
    start_gate.wait()
    for thread in threads:
        thread.join(max(1.0, stop_at - time.monotonic() + 60))
    wall = time.perf_counter() - started
    host_cpu = cpu_seconds(host_pid) - host_cpu
    client_cpu = time.process_time() - client_cpu
    outcomes = sorted((outcome for lane in lanes for outcome in lane.outcomes), key=lambda outcome: outcome.index)
    return LoadResult(outcomes, wall, client_cpu, host_cpu)


def _drive(port: int, lane: _Lane, start_gate: threading.Barrier, stop_at: float) -> None:
    connection: http.client.HTTPConnection | None = None
    start_gate.wait()
    for index, request in lane.requests:
        if time.monotonic() > stop_at:
            lane.outcomes.append(Outcome(index, 0, b"", 0.0, "not sent before the deadline"))
            continue
        if connection is None:
            connection = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
        began = time.perf_counter()
        try:
            connection.request(request.method, request.path, body=request.body, headers=request.headers)
            answer = connection.getresponse()
            body = answer.read()
        except (OSError, http.client.HTTPException) as error:
            lane.outcomes.append(Outcome(index, 0, b"", time.perf_counter() - began, f"{type(error).__name__}"))
            connection.close()
            connection = None
            continue
        lane.outcomes.append(Outcome(index, answer.status, body, time.perf_counter() - began))
        if answer.will_close:
            connection.close()
            connection = None
    if connection is not None:
        connection.close()
