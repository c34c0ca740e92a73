"""What every HTTP function shares. A handler is described once, by its signature:

    @http_function(bp, "POST", "hearings/{hearing_id}/cancel", summary="...", tag=TAG, calls=hearings.cancel_hearing)
    def cancel_hearing(who: Identity, hearing_id: str, request: CancelRequest) -> HearingView:
        return call(hearings.cancel_hearing, who, hearing_id, request.reason)

From the parameters the decorator injects the caller (``Identity``: sign-in required, answered 401
before the handler runs; ``Identity | None``: optional), path parameters (by name, as in the
route), query parameters (``Annotated[int, Query(ge=1, le=100)] = 50``, ``str | None``, ``bool``),
request headers (``Annotated[str | None, Header("If-Match")]``), the pydantic body (with other
content types through ``Body(parsers=...)``), the request's arrival instant (``datetime``) and the
raw request (``func.HttpRequest``). The return annotation says the answer: a model (JSON with
``status``), ``Answer[Model]`` (with headers or another status), ``None`` (204) or
``func.HttpResponse`` as it is. The OpenAPI operation is derived from the same signature and from
the errors the called service declares (``shared.domain.errors.raises``).
"""

from __future__ import annotations

import enum
import functools
import inspect
import json
import logging
import math
import re
import types
import typing
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import azure.functions as func
from pydantic import BaseModel, ValidationError

from functions.problems import REASONS, problem_type
from shared.bootstrap import call, dependencies
from shared.domain.errors import (
    FieldProblem,
    InvalidInput,
    NotAuthenticated,
    PayloadTooLarge,
    PortalError,
    PreconditionRequired,
    TooManyRequests,
    UnsupportedMediaType,
    declared_errors,
)
from shared.domain.identity import Identity
from shared.observability.spans import http_span
from shared.ports.identity import InvalidToken
from shared.services import idempotency

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# host.json's routePrefix is "" so that the web pages live at the root; the API keeps its /api/ here, in one place.
API_PREFIX = "api/"
Handler = Callable[[func.HttpRequest], func.HttpResponse]
M = TypeVar("M", bound=BaseModel)
__all__ = ["Answer", "Body", "Header", "Query", "http_function"]


# -- what a handler's parameters may ask for ------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A query parameter: bounds for numbers, a description for the OpenAPI document."""

    ge: int | None = None
    le: int | None = None
    description: str | None = None
    alias: str | None = None  # the parameter's name in the URL, when it is not the Python name


@dataclass(frozen=True)
class Header:
    """A request header, by its HTTP name; a required one that is missing or blank is answered before the
    handler runs: 428 for a precondition (``If-Match``, RFC 6585), 422 for any other."""

    name: str
    required: bool = False


@dataclass(frozen=True)
class Body:
    """The body model, read from JSON or, by content type, with another parser."""

    parsers: Mapping[str, Callable[[func.HttpRequest], BaseModel]] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer(Generic[M]):
    """A model answered with headers, or with another status than the operation's usual one."""

    body: M
    status: int | None = None
    headers: Mapping[str, str] | None = None


# -- the description of one operation, for the OpenAPI document ------------------------------------------


@dataclass(frozen=True)
class QueryParameter:
    name: str
    description: str
    schema: Mapping[str, Any]
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """The OpenAPI description of one HTTP function, derived where the function is declared."""

    function_name: str
    method: str
    route: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    returns: type[BaseModel] | None
    status: int
    auth: str  # "none", "optional" or "required"
    query: tuple[QueryParameter, ...] = ()
    errors: tuple[int, ...] = ()
    content_type: str = "application/json"
    body_content_types: tuple[str, ...] = ()  # besides application/json
    headers: tuple[str, ...] = ()
    required_headers: tuple[str, ...] = ()


@dataclass
class Registry:
    operations: list[Operation] = field(default_factory=list)


REGISTRY = Registry()


# -- reading a handler's signature -----------------------------------------------------------------------

Reader = Callable[["_Request"], Any]


class _Request:
    """One request, with what more than one reader needs worked out once."""

    def __init__(self, req: func.HttpRequest, arrived: datetime | None) -> None:
        self.req = req
        self.arrived = arrived
        self._who: Identity | None = None
        self._signed_in = False

    def who(self) -> Identity | None:
        """The caller, validated once however many readers ask (the token's signature is the costly part)."""
        if not self._signed_in:
            self._who = caller(self.req)
            self._signed_in = True
        return self._who


@dataclass(frozen=True)
class _Plan:
    readers: tuple[tuple[str, Reader], ...]
    needs_arrival: bool
    answer: Callable[[Any], func.HttpResponse]
    operation: Operation


def _plan(
    handler: Callable[..., Any],
    *,
    method: str,
    route: str,
    summary: str,
    tag: str,
    status: int,
    calls: Callable[..., Any] | None,
    raises: tuple[type[PortalError], ...],
    returns: type[BaseModel] | None,
    content_type: str,
) -> _Plan:
    hints = typing.get_type_hints(handler, include_extras=True)
    route_names = set(re.findall(r"{([^}:?]+)", route))
    readers: list[tuple[str, Reader]] = []
    query: list[QueryParameter] = []
    headers: list[str] = []
    required_headers: list[str] = []
    body: type[BaseModel] | None = None
    body_types: tuple[str, ...] = ()
    auth = "none"
    statuses: set[int] = set()
    needs_arrival = False
    for parameter in inspect.signature(handler).parameters.values():
        name = parameter.name
        annotation = hints.get(name, str)
        base, extras = _split(annotation)
        default = parameter.default
        if base is func.HttpRequest:
            readers.append((name, lambda r: r.req))
        elif base is datetime:
            needs_arrival = True
            readers.append((name, lambda r: r.arrived))
        elif _is_identity(base):
            required = not _optional(base)
            auth = "required" if required else "optional"
            statuses.add(401)
            readers.append((name, _identity_reader(required)))
        elif name in route_names:
            readers.append((name, _path_reader(name, base)))
            if base is not str:
                statuses.add(422)
        elif isinstance(extras.get(Header), Header):
            spec_header: Header = extras[Header]
            headers.append(spec_header.name)
            if spec_header.required:
                required_headers.append(spec_header.name)
                statuses.add(_missing_header_error(spec_header.name)[0])
            readers.append((name, _header_reader(spec_header)))
        elif isinstance(base, type) and issubclass(base, BaseModel):
            body = base
            parsers = extras[Body].parsers if isinstance(extras.get(Body), Body) else {}
            body_types = tuple(parsers)
            statuses.update((413, 415, 422))
            readers.append((name, _body_reader(base, parsers)))
        else:
            spec = extras.get(Query) if isinstance(extras.get(Query), Query) else Query()
            assert isinstance(spec, Query)
            wire = spec.alias or _camel(name)
            required = default is inspect.Parameter.empty and not _optional(base)
            reader, schema, description = _query_reader(wire, _without_none(base), spec, default)
            if required and schema.get("type") == "string":
                reader = _required_query_reader(wire)
            query.append(QueryParameter(wire, description, schema, required and schema.get("type") == "string"))
            if schema.get("type") == "integer" or required:
                statuses.add(422)
            readers.append((name, reader))
    for error in (*raises, *(declared_errors(calls) if calls is not None else ())):
        statuses.add(problem_type(error).status)
    answer, answered_model = _answer_for(hints.get("return"), status)
    if method.upper() in IDEMPOTENT_METHODS:
        if idempotency.HEADER not in headers:
            headers.append(idempotency.HEADER)
        statuses.update((409, 422))
    operation = Operation(
        function_name=handler.__name__,
        method=method,
        route=route,
        summary=summary,
        tag=tag,
        body=body,
        returns=returns or answered_model,
        status=status,
        auth=auth,
        query=tuple(query),
        errors=tuple(sorted(statuses)),
        content_type=content_type,
        body_content_types=body_types,
        headers=tuple(headers),
        required_headers=tuple(required_headers),
    )
    return _Plan(tuple(readers), needs_arrival, answer, operation)


def _split(annotation: Any) -> tuple[Any, dict[type, Any]]:
    if typing.get_origin(annotation) is Annotated:
        base, *metadata = typing.get_args(annotation)
        return base, {type(item): item for item in metadata}
    return annotation, {}


def _options(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _optional(annotation: Any) -> bool:
    return type(None) in _options(annotation)


def _without_none(annotation: Any) -> Any:
    options = [option for option in _options(annotation) if option is not type(None)]
    return options[0] if len(options) == 1 else annotation


def _is_identity(annotation: Any) -> bool:
    return Identity in _options(annotation)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _identity_reader(required: bool) -> Reader:
    def read(request: _Request) -> Identity | None:
        who = request.who()
        if who is None and required:
            raise NotAuthenticated("sign in to do this", field="Authorization")
        return who

    return read


def _path_reader(name: str, kind: Any) -> Reader:
    def read(request: _Request) -> Any:
        raw = route_param(request.req, name)
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            try:
                return kind(raw)
            except ValueError:
                choices = ", ".join(str(member.value) for member in kind)
                raise InvalidInput(f"must be one of {choices}", field=_camel(name)) from None
        return raw

    return read


def _header_reader(header: Header) -> Reader:
    wire = header.name.lower()
    if not header.required:
        return lambda request: request.req.headers.get(wire)

    def read(request: _Request) -> str:
        value = (request.req.headers.get(wire) or "").strip()
        if not value:
            _, error = _missing_header_error(header.name)
            raise error(f"send the {header.name} header", field=header.name)
        return value

    return read


# Headers that make a change conditional: without one the server cannot tell an informed change from a blind one.
_PRECONDITIONS = frozenset({"if-match", "if-unmodified-since"})


def _missing_header_error(name: str) -> tuple[int, type[PortalError]]:
    return (428, PreconditionRequired) if name.lower() in _PRECONDITIONS else (422, InvalidInput)


def _body_reader(model: type[BaseModel], parsers: Mapping[str, Callable[[func.HttpRequest], BaseModel]]) -> Reader:
    def read(request: _Request) -> BaseModel:
        content_type = (request.req.headers.get("content-type") or "").split(";")[0].strip().lower()
        parser = parsers.get(content_type)
        if parser is None:
            if content_type and not _is_json(content_type) and not _json_sent_plainly(content_type, request.req):
                # Read as JSON anyway, XML or a form that happens to parse would be acted on as if meant.
                readable = ", ".join(("application/json", *parsers))
                raise UnsupportedMediaType(f"send the body as {readable}", field="Content-Type")
            return parse_body(request.req, model)
        try:
            return parser(request.req)
        except ValidationError as error:
            raise invalid_from(error) from None

    return read


# What `curl -d` and a browser's fetch() with a string body send unless told otherwise. A JSON body under
# them is read as JSON, so the usual one-liners work; the API takes bearer tokens only, never a cookie, so
# a cross-site form cannot act for anyone this way.
_DEFAULT_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "text/plain"})


def _json_sent_plainly(content_type: str, req: func.HttpRequest) -> bool:
    if content_type not in _DEFAULT_CONTENT_TYPES:
        return False
    try:
        return isinstance(json.loads(req.get_body() or b""), dict)
    except ValueError:
        return False


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def _query_reader(wire: str, kind: Any, spec: Query, default: Any) -> tuple[Reader, dict[str, Any], str]:
    missing = None if default is inspect.Parameter.empty else default
    if kind is int:
        low = spec.ge if spec.ge is not None else 0
        high = spec.le if spec.le is not None else 2**31 - 1
        fallback = int(missing) if missing is not None else low
        text = spec.description or f"{low}-{high}, default {fallback}"
        schema: dict[str, Any] = {"type": "integer", "minimum": low, "maximum": high, "default": fallback}
        return (lambda request: query_int(request.req, wire, fallback, low, high)), schema, text
    if kind is bool:
        text = spec.description or "true or false"
        return (lambda request: request.req.params.get(wire) == "true"), {"type": "boolean"}, text
    text = spec.description or ""
    return (lambda request: request.req.params.get(wire) or missing), {"type": "string"}, text


def _required_query_reader(wire: str) -> Reader:
    """A query parameter the handler cannot do without: missing or blank, it is named in a 422."""

    def read(request: _Request) -> str:
        value = request.req.params.get(wire)
        if value is None or not value.strip():
            raise InvalidInput(f"send the {wire} query parameter", field=wire)
        return str(value)

    return read


def _answer_for(annotation: Any, status: int) -> tuple[Callable[[Any], func.HttpResponse], type[BaseModel] | None]:
    if annotation is None or annotation is type(None):
        return (lambda _: no_content()), None
    if annotation is func.HttpResponse:
        return (lambda response: response), None
    if typing.get_origin(annotation) is Answer:
        (model,) = typing.get_args(annotation)

        def answer(result: Answer[Any]) -> func.HttpResponse:
            return ok(result.body, result.status or status, dict(result.headers) if result.headers else None)

        return answer, model
    model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return (lambda result: ok(result, status)), model


# -- the decorator ---------------------------------------------------------------------------------------


def http_function(
    bp: func.Blueprint,
    method: str,
    route: str,
    *,
    summary: str,
    tag: str,
    status: int = 200,
    calls: Callable[..., Any] | None = None,
    raises: tuple[type[PortalError], ...] = (),
    returns: type[BaseModel] | None = None,
    content_type: str = "application/json",
) -> Callable[[Callable[..., Any]], Handler]:
    """Register an HTTP function on the blueprint and in the OpenAPI registry.

    ``calls`` names the service the handler calls, whose declared errors are documented; ``raises``
    adds errors the handler raises itself. ``returns`` documents the answer of a handler that
    builds its ``func.HttpResponse`` itself.
    """

    def register(handler: Callable[..., Any]) -> Handler:
        plan = _plan(
            handler,
            method=method,
            route=route,
            summary=summary,
            tag=tag,
            status=status,
            calls=calls,
            raises=raises,
            returns=returns,
            content_type=content_type,
        )
        REGISTRY.operations.append(plan.operation)

        @functools.wraps(handler)
        def wrapped(req: func.HttpRequest) -> func.HttpResponse:
            # One span per run: the function, the route template, the hearing and the status; no body, no header.
            with http_span(handler.__name__, method, route, req.headers, req.route_params.get("hearing_id")) as span:
                failure: Exception | None = None
                try:
                    _refuse_oversized(req)
                    # The arrival instant is taken before sign-in, which may have to fetch signing keys.
                    request = _Request(req, dependencies().clock.now() if plan.needs_arrival else None)
                    arguments = {name: read(request) for name, read in plan.readers}
                    key = req.headers.get("idempotency-key") if method.upper() in IDEMPOTENT_METHODS else None
                    if key is not None:
                        response = _once(request, key, lambda: _perform(plan, handler, arguments))
                    else:
                        response = plan.answer(handler(**arguments))
                except PortalError as error:
                    failure, response = error, problem_for(error)
                except Exception as error:
                    log.exception("unhandled error in %s", handler.__name__)
                    failure = error
                    response = problem(500, "Internal Server Error", "the portal could not complete the request")
                span.answered(response.status_code, failure)
                return response

        # The Functions library reads the wrapper's signature: it must take the request alone.
        wrapped.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter("req", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=func.HttpRequest)],
            return_annotation=func.HttpResponse,
        )
        wrapped.__annotations__ = {"req": func.HttpRequest, "return": func.HttpResponse}
        return bp.route(route=API_PREFIX + route, methods=[method], auth_level=func.AuthLevel.ANONYMOUS)(wrapped)  # type: ignore[no-any-return]

    return register


# -- Idempotency-Key -----------------------------------------------------------------------------------

IDEMPOTENT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Answers a retry may turn out differently for: the key is given back instead of kept.
_NOT_KEPT = frozenset({429, 503})


def _perform(plan: _Plan, handler: Callable[..., Any], arguments: dict[str, Any]) -> func.HttpResponse:
    try:
        return plan.answer(handler(**arguments))
    except PortalError as error:
        return problem_for(error)


def _once(request: _Request, key: str, perform: Callable[[], func.HttpResponse]) -> func.HttpResponse:
    """Perform the request once per key and caller; a retry gets the first answer again."""
    who = request.who()
    req = request.req
    scope = idempotency.scope_of(who.subject if who is not None else None)
    url = urllib.parse.urlsplit(req.url)
    # The query is part of the request: one-click unsubscribe carries its token there, and no body.
    target = f"{url.path}?{url.query}" if url.query else url.path
    fingerprint = idempotency.fingerprint(req.method, target, req.get_body() or b"")
    found = call(idempotency.begin, scope, key.strip(), fingerprint)
    if isinstance(found, idempotency.StoredAnswer):
        return func.HttpResponse(
            found.body,
            status_code=found.status,
            headers=found.headers,
            mimetype=found.mimetype,
            charset=found.charset,
        )
    try:
        answer = perform()
    except BaseException:
        call(idempotency.release, found)
        raise
    if answer.status_code >= 500 or answer.status_code in _NOT_KEPT:
        call(idempotency.release, found)
        return answer
    kept = idempotency.StoredAnswer(
        status=answer.status_code,
        body=answer.get_body(),
        headers=dict(answer.headers.items()),
        mimetype=str(answer.mimetype),
        charset=str(answer.charset),
    )
    call(idempotency.finish, found, kept)
    return answer


# -- parsing -------------------------------------------------------------------------------------------

# Far above the largest body any operation takes (5,000 invitees, or two 100,000-character texts written
# as JSON escapes, come to about 1.3 MB), far below the 100 MB the Functions host lets through: a body
# beyond it is refused before it is parsed, so nobody can make an instance hold and parse tens of MB
# per request.
MAX_BODY_BYTES = 4 * 1024 * 1024


def _refuse_oversized(req: func.HttpRequest) -> None:
    size = len(req.get_body() or b"")
    if size > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body has {size} bytes; at most {MAX_BODY_BYTES} are taken", field="body")


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
        body = model.model_dump_json(by_alias=True)  # pydantic writes the JSON itself: no dict in between
    elif isinstance(model, list):
        body = _compact_json([item.model_dump(mode="json", by_alias=True) for item in model])
    else:
        body = _compact_json(model)
    return func.HttpResponse(
        body,
        status_code=status,
        mimetype="application/json",
        charset="utf-8",
        headers=headers,
    )


def _compact_json(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def no_content() -> func.HttpResponse:
    return func.HttpResponse(status_code=204)


def problem_for(error: PortalError) -> func.HttpResponse:
    """The problem answer for a domain error, from the table in ``functions.problems``."""
    kind = problem_type(error)
    if isinstance(error, TooManyRequests):
        retry_after = {"Retry-After": str(max(1, math.ceil(error.retry_after)))}
        return problem(kind.status, kind.title, error.detail, slug=kind.slug, headers=retry_after)
    return problem(kind.status, kind.title, error.detail, slug=kind.slug, problems=error.problems)


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


def reason(status: int) -> str:
    return REASONS.get(status, "Server error")
