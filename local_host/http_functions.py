"""HTTP triggers: a Starlette request becomes a ``func.HttpRequest``, the ``func.HttpResponse`` goes back."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from local_host.catalog import FunctionSpec
from local_host.invoker import Invoker
from local_host.problems import problem
from local_host.routing import RouteTemplate

log = logging.getLogger("local_host.http")

# Hop-by-hop or recomputed headers a function's response must not dictate.
_DROPPED_RESPONSE_HEADERS = {"content-length", "transfer-encoding", "connection"}


@dataclass(frozen=True)
class HttpRoute:
    spec: FunctionSpec
    template: RouteTemplate

    def allows(self, method: str) -> bool:
        return not self.spec.methods or method.upper() in self.spec.methods


class HttpFunctions:
    """Dispatches requests under the route prefix to the most specific matching function."""

    def __init__(self, specs: list[FunctionSpec], invoker: Invoker) -> None:
        routes = [HttpRoute(spec, RouteTemplate.parse(spec.route)) for spec in specs]
        self.routes = sorted(routes, key=lambda route: route.template.precedence())
        self.invoker = invoker

    def find(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]] | None:
        for route in self.routes:
            values = route.template.match(path)
            if values is not None and route.allows(method):
                return route, values
        return None

    async def dispatch(self, request: Request, path: str) -> Response:
        found = self.find(request.method, path)
        if found is None:
            # The Functions host answers 404 for a path or a method no function takes.
            return problem(404)
        route, values = found
        http_request = func.HttpRequest(
            request.method,
            _original_url(request),
            headers=_joined_headers(request),
            params=dict(request.query_params),
            route_params=values,
            body=await request.body(),
        )
        try:
            result = await run_in_threadpool(self.invoker.invoke, route.spec, http_request, "HTTP request", quiet=True)
        except Exception:
            # Logged by the invoker with its stack trace; the caller learns nothing about the internals.
            return problem(500)
        try:
            return to_response(result)
        except Exception:
            log.exception("function %s returned a value that is not an HTTP response", route.spec.name)
            return problem(500)


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
