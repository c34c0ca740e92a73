"""What the benchmarks share: statistics, process CPU time, the local host stack and a load generator."""

from __future__ import annotations

import asyncio
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
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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

    def stop_host(self, timeout: float = 20) -> None:
        """Ctrl-C for the host, as a developer would; kills it when it does not stop in time."""
        if self.host.poll() is None:
            self.host.send_signal(signal.SIGINT)
            try:
                self.host.wait(timeout)
            except subprocess.TimeoutExpired:
                self.host.kill()
                self.host.wait(timeout)


@contextlib.contextmanager
def local_stack(
    data_dir: Path,
    app_module: str,
    extra_args: Sequence[str] = (),
    startup_timeout: float = 90,
    group: str = "all",
) -> Iterator[LocalStack]:
    """Azurite and a local host running ``group`` (all, intake or workers) on data in ``data_dir``."""
    from local_host.azurite import Azurite

    data_dir.mkdir(parents=True, exist_ok=True)
    azurite = Azurite.start(data_dir / "azurite")
    try:
        with local_host(data_dir, app_module, azurite, extra_args, startup_timeout, group) as stack:
            yield stack
    finally:
        azurite.stop()


@contextlib.contextmanager
def local_host(
    data_dir: Path,
    app_module: str,
    azurite: Any,
    extra_args: Sequence[str] = (),
    startup_timeout: float = 90,
    group: str = "all",
) -> Iterator[LocalStack]:
    """One ``python -m local_host run --group <group>`` on ``data_dir`` against a running Azurite.

    An intake host and a workers host may share the data folder, as the two apps share Cosmos DB and
    Service Bus in Azure; the log of each group goes to a file of its own.
    """
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
    log_path = data_dir / ("local-host.log" if group == "all" else f"local-host-{group}.log")
    command = [sys.executable, "-m", "local_host", "run", "--port", str(port), "--app", app_module]
    command += ["--group", group, *extra_args]
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
    stack = LocalStack(data_dir, port, host, azurite, log_path)
    try:
        _wait_until_ready(stack, startup_timeout)
        yield stack
    finally:
        stack.stop_host()


def _wait_until_ready(stack: LocalStack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.host.poll() is not None:
            raise StackError(f"the local host exited with code {stack.host.returncode}:\n{stack.log_tail()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            # The admin endpoints answer in every group; the health function only where HTTP functions run.
            if request_json(stack.port, "GET", "/admin/host/status", timeout=2)[0] == 200:
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


def run_load(
    port: int,
    requests: Sequence[Request],
    concurrency: int,
    host_pid: int | Sequence[int],
    deadline_seconds: float = 300,
) -> LoadResult:
    """Send every request once over ``concurrency`` keep-alive connections, as fast as answers come.

    One asyncio loop drives every connection with requests encoded before the clock starts, so the
    generator costs little of the CPU it shares with the host. Connections are opened before the
    first request is timed. A request not sent before the deadline counts as failed, so a stuck
    server cannot hang the run. Host CPU time (of every process in ``host_pid``) is read just before
    the first and just after the last request.
    """
    pids = [host_pid] if isinstance(host_pid, int) else list(host_pid)
    lanes = [
        [(i, _encoded(r)) for i, r in enumerate(requests) if i % concurrency == lane] for lane in range(concurrency)
    ]
    return asyncio.run(_load(port, lanes, pids, deadline_seconds))


def _encoded(request: Request) -> bytes:
    headers = {"Host": f"{LOOPBACK}", **request.headers, "Content-Length": str(len(request.body))}
    head = f"{request.method} {request.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + request.body


async def _load(port: int, lanes: list[list[tuple[int, bytes]]], pids: list[int], deadline: float) -> LoadResult:
    connections = [await _connect(port) for _ in lanes]
    stop_at = time.monotonic() + deadline
    outcomes: list[Outcome] = []
    client_cpu = time.process_time()
    host_cpu = sum(cpu_seconds(pid) for pid in pids)
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _drive(port, lane, connection, stop_at, outcomes)
            for lane, connection in zip(lanes, connections, strict=True)
        )
    )
    wall = time.perf_counter() - started
    host_cpu = sum(cpu_seconds(pid) for pid in pids) - host_cpu
    client_cpu = time.process_time() - client_cpu
    return LoadResult(sorted(outcomes, key=lambda outcome: outcome.index), wall, client_cpu, host_cpu)


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _connect(port: int) -> Connection:
    reader, writer = await asyncio.open_connection(LOOPBACK, port)
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


async def _drive(
    port: int, lane: list[tuple[int, bytes]], connection: Connection | None, stop_at: float, outcomes: list[Outcome]
) -> None:
    for index, payload in lane:
        if time.monotonic() > stop_at:
            outcomes.append(Outcome(index, 0, b"", 0.0, "not sent before the deadline"))
            continue
        began = time.perf_counter()
        try:
            if connection is None:
                connection = await _connect(port)
            reader, writer = connection
            writer.write(payload)
            status, body, closes = await asyncio.wait_for(_answer(reader), max(1.0, stop_at - time.monotonic() + 60))
        except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError) as error:
            outcomes.append(Outcome(index, 0, b"", time.perf_counter() - began, type(error).__name__))
            if connection is not None:
                connection[1].close()
            connection = None
            continue
        outcomes.append(Outcome(index, status, body, time.perf_counter() - began))
        if closes:
            writer.close()
            connection = None
    if connection is not None:
        connection[1].close()


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server closes the connection; Content-Length or chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    fields = {
        name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in fields:
        body = await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        body = b"".join(parts)
    else:
        body = b""
    return status, body, fields.get("connection", "").lower() == "close"
