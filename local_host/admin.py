"""Development-only admin endpoints: run functions by hand, move the clock, inspect queues, wait for idle."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import logging
import re
import time
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from local_host.problems import problem
from local_host.runtime import NotRunnable, Runtime, UnknownFunction

log = logging.getLogger("local_host.admin")

IDLE_DEFAULT_TIMEOUT = 10.0
IDLE_MAX_TIMEOUT = 120.0
IDLE_RECHECK = 0.05


class AdminEndpoints:
    def __init__(self, runtime: Runtime, function_urls: dict[str, str]) -> None:
        self.runtime = runtime
        self.function_urls = function_urls

    def routes(self) -> list[Route]:
        return [
            Route("/admin/host/status", self.status, methods=["GET"]),
            Route("/admin/functions", self.list_functions, methods=["GET"]),
            Route("/admin/functions/{name}", self.run_function, methods=["POST"]),
            Route("/admin/clock", self.clock, methods=["GET", "PUT", "DELETE"]),
            Route("/admin/queues", self.queues, methods=["GET"]),
            Route("/admin/queues/{queue}/deadletters", self.dead_letters, methods=["GET"]),
            Route("/admin/queues/{queue}/deadletters/{message_id}/replay", self.replay, methods=["POST"]),
            Route("/admin/blobs/poison", self.poison_blobs, methods=["GET"]),
            Route("/admin/blobs/poison/{function}/{name:path}/replay", self.replay_blob, methods=["POST"]),
            Route("/admin/idle", self.idle, methods=["POST"]),
            Route("/admin/traces", self.traces, methods=["GET"]),
        ]

    async def status(self, request: Request) -> Response:
        return JSONResponse({"state": "Running"})

    async def list_functions(self, request: Request) -> Response:
        entries = []
        for spec in self.runtime.specs:
            entry = spec.describe()
            if spec.name in self.function_urls:
                entry["url"] = self.function_urls[spec.name]
            entries.append(entry)
        return JSONResponse(entries)

    async def run_function(self, request: Request) -> Response:
        name = request.path_params["name"]
        try:
            self.runtime.function(name)
        except UnknownFunction:
            return problem(404, f"no function named {name}")
        try:
            payload = json.loads(await request.body() or b"{}")
        except ValueError:
            return problem(400, 'the body must be JSON like {"input": "..."}')
        text = payload.get("input", "") if isinstance(payload, dict) else ""
        if not isinstance(text, str):
            text = json.dumps(text)
        try:
            await run_in_threadpool(self.runtime.run_now, name, text)
        except NotRunnable as error:
            return problem(400, str(error))
        except Exception as error:
            # Development only: the developer asked for this run and wants to know why it failed.
            return problem(500, f"{type(error).__name__}: {error}")
        return Response(status_code=202)

    async def clock(self, request: Request) -> Response:
        from shared.ports.clock import AdjustableClock

        clock = self.runtime.clock
        if not isinstance(clock, AdjustableClock):
            return problem(404, "the clock is not adjustable (set PORTAL_ADJUSTABLE_CLOCK=true)")
        if request.method == "PUT":
            try:
                payload = json.loads(await request.body())
                instant = datetime.fromisoformat(str(payload["now"]))
                clock.set(instant)
            except (ValueError, KeyError, TypeError) as error:
                return problem(400, f'expected {{"now": "<ISO 8601 instant with offset>"}}: {error}')
            log.info("clock set to %s", instant.isoformat())
        elif request.method == "DELETE":
            clock.reset()
            log.info("clock reset to real time")
        return JSONResponse({"now": clock.now().isoformat()})

    async def queues(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(self.runtime.queue_depths))

    async def dead_letters(self, request: Request) -> Response:
        broker = self.runtime.broker
        if broker is None:
            return problem(404, "no local queue")
        letters = await run_in_threadpool(broker.dead_letters, request.path_params["queue"])
        return JSONResponse([jsonable(letter) for letter in letters])

    async def replay(self, request: Request) -> Response:
        broker = self.runtime.broker
        if broker is None:
            return problem(404, "no local queue")
        queue, message_id = request.path_params["queue"], request.path_params["message_id"]
        try:
            await run_in_threadpool(broker.replay, queue, message_id)
        except LookupError:
            return problem(404, f"no dead-lettered message {message_id} on {queue}")
        return Response(status_code=202)

    async def poison_blobs(self, request: Request) -> Response:
        poison = await run_in_threadpool(self.runtime.blob_ledger.poison)
        return JSONResponse([dataclasses.asdict(entry) for entry in poison])

    async def replay_blob(self, request: Request) -> Response:
        """Forgets a poison record, so the blob watcher tries the blob again with a fresh count of attempts."""
        function, name = request.path_params["function"], request.path_params["name"]
        cleared = await run_in_threadpool(self.runtime.blob_ledger.clear_poison, function, name)
        if not cleared:
            return problem(404, f"no poison blob {name} for {function}")
        return Response(status_code=202)

    async def traces(self, request: Request) -> Response:
        """The spans of one trace (``?traceId=``), or a line per recent trace; recorded with ``--traces memory``."""
        from shared.observability.setup import current

        telemetry = current()
        recent = telemetry.recent if telemetry is not None else None
        if recent is None:
            return problem(404, "traces are not kept in memory (start the host with --traces memory)")
        trace_id = request.query_params.get("traceId")
        if trace_id is not None:
            if not re.fullmatch(r"[0-9a-f]{32}", trace_id):
                return problem(400, "traceId must be 32 lowercase hexadecimal digits")
            from shared.observability.recent import describe

            return JSONResponse([describe(span) for span in recent.spans(trace_id)])
        return JSONResponse(_trace_lines(recent.spans()))

    async def idle(self, request: Request) -> Response:
        try:
            timeout = float(request.query_params.get("timeout", IDLE_DEFAULT_TIMEOUT))
        except ValueError:
            return problem(400, "timeout must be a number of seconds")
        deadline = time.monotonic() + max(0.0, min(timeout, IDLE_MAX_TIMEOUT))
        while True:
            if await run_in_threadpool(self._idle_now):
                return JSONResponse({"idle": True})
            if time.monotonic() >= deadline:
                return problem(504, "still busy when the timeout passed", idle=False)
            await asyncio.sleep(IDLE_RECHECK)

    def _idle_now(self) -> bool:
        try:
            return self.runtime.is_idle()
        except Exception as error:
            log.warning("cannot tell whether the host is idle: %s", error)
            return False


def _trace_lines(spans: list[Any]) -> list[dict[str, Any]]:
    """One line per trace, newest last: its id, its first span's name, how many spans and functions it has."""
    traces: dict[str, dict[str, Any]] = {}
    for span in spans:
        trace_id = f"{span.context.trace_id:032x}"
        line = traces.setdefault(trace_id, {"traceId": trace_id, "name": span.name, "spans": 0, "functions": []})
        line["spans"] += 1
        if span.parent is None or not span.parent.is_valid:
            line["name"] = span.name
        function = (span.attributes or {}).get("faas.name")
        if function and function not in line["functions"]:
            line["functions"].append(function)
    return list(traces.values())


def jsonable(value: Any) -> Any:
    """Dead letters and the like as JSON: bytes as text (or base64), instants in ISO 8601."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
