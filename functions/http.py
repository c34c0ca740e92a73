"""What every HTTP function shares: registration with its OpenAPI description, parsing, sign-in,
and turning results and errors into JSON and application/problem+json (RFC 9457) answers."""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import azure.functions as func
from pydantic import BaseModel, ValidationError

from shared.bootstrap import dependencies
from shared.domain.errors import FieldProblem, InvalidInput, NotAuthenticated, PortalError, TooManyRequests
from shared.domain.identity import Identity
from shared.ports.identity import InvalidToken

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
Handler = Callable[[func.HttpRequest], func.HttpResponse]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Operation:
    """The OpenAPI description of one HTTP function, recorded where the function is declared."""

    function_name: str
    method: str
    route: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    returns: type[BaseModel] | None
    status: int
    auth: str  # "none", "optional" or "required"
    query: tuple[tuple[str, str], ...] = ()
    errors: tuple[int, ...] = ()
    content_type: str = "application/json"


@dataclass
class Registry:
    operations: list[Operation] = field(default_factory=list)


REGISTRY = Registry()


def http_function(
    bp: func.Blueprint,
    method: str,
    route: str,
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    returns: type[BaseModel] | None = None,
    status: int = 200,
    auth: str = "optional",
    query: tuple[tuple[str, str], ...] = (),
    errors: tuple[int, ...] = (),
    content_type: str = "application/json",
) -> Callable[[Handler], Handler]:
    """Register an HTTP function on the blueprint and in the OpenAPI registry, with error mapping."""

    def register(handler: Handler) -> Handler:
        REGISTRY.operations.append(
            Operation(
                handler.__name__, method, route, summary, tag, body, returns, status, auth, query, errors, content_type
            )
        )

        @functools.wraps(handler)
        def wrapped(req: func.HttpRequest) -> func.HttpResponse:
            try:
                return handler(req)
            except TooManyRequests as error:
                retry_after = {"Retry-After": str(max(1, math.ceil(error.retry_after)))}
                return problem(error.status, error.title, error.detail, slug=error.slug, headers=retry_after)
            except PortalError as error:
                return problem(error.status, error.title, error.detail, slug=error.slug, problems=error.problems)
            except Exception:
                log.exception("unhandled error in %s", handler.__name__)
                return problem(500, "Internal Server Error", "the portal could not complete the request")

        return bp.route(route=route, methods=[method], auth_level=func.AuthLevel.ANONYMOUS)(wrapped)  # type: ignore[no-any-return]

    return register


# -- parsing -------------------------------------------------------------------------------------------


def parse_body(req: func.HttpRequest, model: type[M]) -> M:
    raw = req.get_body()
    try:
        data = json.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidInput("the body is not valid JSON", field="body") from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_from(error) from None


def invalid_from(error: ValidationError) -> InvalidInput:
    problems = [
        FieldProblem(".".join(str(part) for part in issue["loc"]) or "body", _message(issue))
        for issue in error.errors()
    ]
    detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return InvalidInput(detail, problems=problems)


def _message(issue: Any) -> str:
    message = str(issue["msg"])
    return message.removeprefix("Value error, ")


def route_param(req: func.HttpRequest, name: str) -> str:
    return str(req.route_params.get(name, ""))


def query_int(req: func.HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = req.params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise InvalidInput(f"must be a whole number from {low} to {high}", field=name)
    return int(raw)


# -- sign-in -------------------------------------------------------------------------------------------


def caller(req: func.HttpRequest) -> Identity | None:
    """The signed-in identity, or None when no token was sent. A bad token is refused, never ignored."""
    header = req.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("send the token as 'Authorization: Bearer <token>'", field="Authorization")
    try:
        return dependencies().tokens.validate(token.strip())
    except InvalidToken as error:
        raise NotAuthenticated(f"the token was refused: {error}", field="Authorization") from None


# -- answers -------------------------------------------------------------------------------------------


def ok(
    model: BaseModel | list[BaseModel] | dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    if isinstance(model, BaseModel):
        payload: Any = model.model_dump(mode="json", by_alias=True)
    elif isinstance(model, list):
        payload = [item.model_dump(mode="json", by_alias=True) for item in model]
    else:
        payload = model
    return func.HttpResponse(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        mimetype="application/json",
        charset="utf-8",
        headers=headers,
    )


def no_content() -> func.HttpResponse:
    return func.HttpResponse(status_code=204)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    problems: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> func.HttpResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if problems:
        body["errors"] = [{"field": p.field, "detail": p.message} for p in problems]
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="hearing-portal"'}
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        mimetype=PROBLEM_JSON,
        charset="utf-8",
        headers=headers,
    )
