"""The ASGI application: admin endpoints, HTTP functions under the route prefix, problems for the rest."""

from __future__ import annotations

import functools
import logging
import time
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from local_host.admin import AdminEndpoints
from local_host.http_functions import HttpFunctions
from local_host.local_settings import CorsSettings
from local_host.problems import problem
from shared.observability.scrubbing import scrub

access_log = logging.getLogger("local_host.http")

# Headers the portal's clients read from responses: where a created resource is, its version, when to retry.
EXPOSED_HEADERS = ["Location", "ETag", "Retry-After"]
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def build_app(http: HttpFunctions, admin: AdminEndpoints, cors: CorsSettings | None = None) -> ASGIApp:
    prefix = http.prefix

    async def not_found(request: Request) -> Response:
        return problem(404)

    routes = admin.routes()
    if prefix:
        routes += [Route(f"/{prefix}", http), Route(f"/{prefix}/{{path:path}}", http)]
    else:
        routes += [Route("/{path:path}", http)]
    routes.append(Route("/{path:path}", not_found, methods=ALL_METHODS))

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        return problem(status)

    app: ASGIApp = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    if cors is not None and cors.enabled:
        app = with_cors(app, cors)
    return AccessLog(app)


def with_cors(app: ASGIApp, cors: CorsSettings) -> ASGIApp:
    """Answers preflights and adds the CORS headers for the configured origins, as Core Tools' ``Host.CORS`` does."""
    return CORSMiddleware(
        app,
        allow_origins=list(cors.origins),
        allow_credentials=cors.credentials,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
    )


class AccessLog:
    """One line per request: method, path, status and duration; never the query string or the body, and a
    CPR number, e-mail address or token someone typed into the path is written as ``[redacted]``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def remember_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            elapsed = round((time.perf_counter() - started) * 1000)
            raw_path = scope.get("raw_path")
            path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else scope["path"]
            access_log.info("%s %s %s %dms", scope["method"], logged_path(path), status["code"], elapsed)


def logged_path(raw_path: str) -> str:
    """The path as it came, unless something personal is in it, percent-encoded or not: then scrubbed.

    Remembered per path up to a length: on deadline day thousands of requests a second take the same
    few paths, and scrubbing one costs more than answering a constant; made-up long paths are not kept."""
    if len(raw_path) <= _REMEMBERED_PATH_LENGTH:
        return _remembered_logged_path(raw_path)
    return _scrubbed_path(raw_path)


_REMEMBERED_PATH_LENGTH = 256


@functools.lru_cache(maxsize=4096)
def _remembered_logged_path(raw_path: str) -> str:
    return _scrubbed_path(raw_path)


def _scrubbed_path(raw_path: str) -> str:
    decoded = unquote(raw_path)
    cleaned = scrub(decoded)
    return scrub(raw_path) if cleaned == decoded else cleaned
