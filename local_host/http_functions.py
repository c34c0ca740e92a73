"""HTTP triggers: a Starlette request becomes a ``func.HttpRequest``, the ``func.HttpResponse`` goes back."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import azure.functions as func
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Router
from starlette.types import Receive, Scope, Send

from local_host.catalog import FunctionSpec
from local_host.invoker import Invoker
from local_host.problems import problem
from local_host.routing import FunctionRoute, RouteIndex, decode_path, precedence, starlette_paths

log = logging.getLogger("local_host.http")

# The Functions host's own limit, and the app setting that changes it: a larger body is answered 413
# without reaching any function, and without being read beyond the limit.
BODY_LIMIT_VARIABLE = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"
DEFAULT_BODY_LIMIT = 104_857_600

# Hop-by-hop or recomputed headers a function's response must not dictate.
_DROPPED_RESPONSE_HEADERS = {"content-length", "transfer-encoding", "connection"}


class HttpFunctions:
    """The HTTP functions under the route prefix, as an ASGI app: Starlette's router picks the function."""

    def __init__(
        self, specs: list[FunctionSpec], invoker: Invoker, prefix: str = "", body_limit: int | None = None
    ) -> None:
        self.invoker = invoker
        self.prefix = prefix.strip("/")
        self.body_limit = body_limit if body_limit is not None else configured_body_limit()
        routes = [
            FunctionRoute(path, self._endpoint(spec), spec.methods)
            for spec in sorted(specs, key=lambda spec: precedence(spec.route))
            for path in starlette_paths(spec.route)
        ]
        self.routers = RouteIndex(routes, lambda group: Router(group, redirect_slashes=False, default=_not_found))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = decode_path(function_path(scope, self.prefix))
        if len(path) > 1:
            path = path.rstrip("/")
        # No match is a 404 problem; "hearings/" is matched as "hearings" instead of redirected.
        await self.routers.for_path(path)({**scope, "path": path, "path_params": {}}, receive, send)

    def _endpoint(self, spec: FunctionSpec) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await self.dispatch(spec, request)

        return endpoint

    async def dispatch(self, spec: FunctionSpec, request: Request) -> Response:
        route_values = {name: str(value) for name, value in request.path_params.items() if value != ""}
        body = await self._body(request)
        if body is None:
            return problem(413, f"the body is larger than {self.body_limit} bytes")
        http_request = func.HttpRequest(
            request.method,
            _original_url(request),
            headers=_joined_headers(request),
            params=dict(request.query_params),
            route_params=route_values,
            body=body,
        )
        try:
            result = await run_in_threadpool(self.invoker.invoke, spec, http_request, "HTTP request", quiet=True)
        except Exception:
            # Logged by the invoker with its stack trace; the caller learns nothing about the internals.
            return problem(500)
        try:
            return to_response(result)
        except Exception:
            log.exception("function %s returned a value that is not an HTTP response", spec.name)
            return problem(500)

    async def _body(self, request: Request) -> bytes | None:
        """The body, or None once it is larger than the limit (by its Content-Length, or as it streams in)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.body_limit:
            return None
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.body_limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)


def configured_body_limit() -> int:
    raw = os.environ.get(BODY_LIMIT_VARIABLE, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    if raw:
        log.warning("%s=%r is not a positive number of bytes; using %d", BODY_LIMIT_VARIABLE, raw, DEFAULT_BODY_LIMIT)
    return DEFAULT_BODY_LIMIT


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    # The Functions host answers 404 for a path no function takes.
    await problem(404)(scope, receive, send)


def function_path(scope: Scope, prefix: str) -> str:
    """The raw path after the route prefix (``/api/a%2Fb`` -> ``/a%2Fb``), still percent-encoded.

    Starlette's own path is decoded already, which would decode route values twice and split a segment
    on an encoded slash.
    """
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else scope["path"]
    path = path.split("?", 1)[0]
    segments = path.lstrip("/").split("/")
    skipped = len(prefix.split("/")) if prefix else 0
    return "/" + "/".join(segments[skipped:])


def to_response(result: Any) -> Response:
    if result is None:
        return Response(status_code=204)
    if isinstance(result, str | bytes):
        result = func.HttpResponse(result)
    if not isinstance(result, func.HttpResponse):
        raise TypeError(f"expected func.HttpResponse, got {type(result).__name__}")
    response = Response(content=result.get_body(), status_code=int(result.status_code))
    headers = [(name.lower(), value) for name, value in result.headers.items()]
    headers = [(name, value) for name, value in headers if name not in _DROPPED_RESPONSE_HEADERS]
    if not any(name == "content-type" for name, _ in headers):
        headers.append(("content-type", _content_type(result)))
    kept = [(name, value) for name, value in response.raw_headers if name == b"content-length"]
    response.raw_headers = kept + [(name.encode("latin-1"), str(value).encode("latin-1")) for name, value in headers]
    return response


def _content_type(response: func.HttpResponse) -> str:
    # As the Python worker does: a charset only for text.
    mimetype = str(response.mimetype)
    if mimetype.startswith("text/"):
        return f"{mimetype}; charset={response.charset}"
    return mimetype


def _original_url(request: Request) -> str:
    # As the client sent it: percent-encoding kept, unlike Starlette's decoded path.
    raw_path = request.scope.get("raw_path")
    if not isinstance(raw_path, bytes):
        return str(request.url)
    url = str(request.base_url).rstrip("/") + raw_path.decode("latin-1")
    query = request.scope.get("query_string", b"")
    return f"{url}?{query.decode('latin-1')}" if query else url


def _joined_headers(request: Request) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers
