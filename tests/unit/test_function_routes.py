"""HTTP functions are found by Starlette's router with the Functions host's route templates and answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import azure.functions as func
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.routing import Match, Route

import function_app
from local_host.activity import Activity
from local_host.catalog import FunctionSpec, TriggerKind, catalog
from local_host.http_functions import BODY_LIMIT_VARIABLE, HttpFunctions, configured_body_limit
from local_host.invoker import Invoker
from local_host.routing import FunctionRoute, RouteIndex, UnsupportedRoute, decode_path, precedence, starlette_paths


def echo(name: str):
    def function(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(json.dumps({"function": name, "route": dict(req.route_params)}))

    return function


def spec(name: str, route: str, *methods: str) -> FunctionSpec:
    return FunctionSpec(name, TriggerKind.HTTP, "req", echo(name), route=route, methods=methods)


# Registered in an order that puts the general routes first, as a blueprint might.
SPECS = [
    spec("catch_all", "files/{*rest}", "GET"),
    spec("hearing", "hearings/{hearing_id}", "GET"),
    spec("change_hearing", "hearings/{hearing_id}", "PATCH"),
    spec("mine", "hearings/mine", "GET"),
    spec("response", "hearings/{hearing_id}/responses/{response_id}", "GET", "PUT"),
    spec(
        "anything",
        "any",
    ),
]


class Client:
    """Requests straight into the ASGI app, in process."""

    def __init__(self, app: HttpFunctions) -> None:
        self.transport = httpx.ASGITransport(app=app)

    def request(self, method: str, path: str) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://portal.test") as client:
                return await client.request(method, path)

        return asyncio.run(send())


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(HttpFunctions(SPECS, Invoker(Activity()), prefix="api"))


def called(client: Client, method: str, path: str) -> dict[str, object]:
    response = client.request(method, path)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


@pytest.mark.parametrize(
    ("method", "path", "function", "route"),
    [
        ("GET", "/api/hearings/h-1", "hearing", {"hearing_id": "h-1"}),
        ("PATCH", "/api/hearings/h-1", "change_hearing", {"hearing_id": "h-1"}),
        ("GET", "/api/hearings/mine", "mine", {}),
        ("GET", "/api/Hearings/MINE/", "mine", {}),  # case and a trailing slash do not matter
        ("PUT", "/api/hearings/h-1/responses/r-2", "response", {"hearing_id": "h-1", "response_id": "r-2"}),
        ("GET", "/api/files/a/b/c.pdf", "catch_all", {"rest": "a/b/c.pdf"}),
        ("GET", "/api/files", "catch_all", {}),
        ("DELETE", "/api/any", "anything", {}),
        ("GET", "/api/hearings/x%2Fy", "hearing", {"hearing_id": "x%2Fy"}),
        ("GET", "/api/hearings/x%20y", "hearing", {"hearing_id": "x y"}),
        ("GET", "/api/hearings/%252E%252E", "hearing", {"hearing_id": "%2E%2E"}),
        ("GET", "/api/HEARINGS/h-1/Responses/r-2", "response", {"hearing_id": "h-1", "response_id": "r-2"}),
        ("GET", "/api/hearing%C5%BF/mine", "mine", {}),  # "ſ" is an "s" to a case-insensitive match
    ],
)
def test_a_request_reaches_the_most_specific_function_with_its_route_values(
    client: Client, method: str, path: str, function: str, route: dict[str, str]
) -> None:
    assert called(client, method, path) == {"function": function, "route": route}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/hearings/h-1/responses"),
        ("GET", "/api/nothing"),
        ("DELETE", "/api/hearings/h-1"),  # a method no function takes at this path: 404, as the Functions host
        ("HEAD", "/api/hearings/h-1"),
    ],
)
def test_paths_and_methods_no_function_takes_answer_a_404_problem(client: Client, method: str, path: str) -> None:
    response = client.request(method, path)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    if method != "HEAD":
        assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}


@pytest.mark.parametrize(
    ("template", "paths"),
    [
        ("hearings/{hearing_id}", ["/hearings/{hearing_id}"]),
        ("/health/", ["/health"]),
        ("", ["/"]),
        ("files/{*rest}", ["/files", "/files/{rest:path}"]),
    ],
)
def test_templates_become_starlette_paths(template: str, paths: list[str]) -> None:
    assert starlette_paths(template) == paths


@pytest.mark.parametrize(
    "template", ["hearings/{id:int}", "items/{page?}", "items/{page=1}", "docs/{name}.{ext}", "{*rest}/tail"]
)
def test_template_forms_the_portal_does_not_use_are_refused_at_start(template: str) -> None:
    with pytest.raises(UnsupportedRoute, match="route"):
        HttpFunctions([spec("f", template, "GET")], Invoker(Activity()))


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("/files/plan%20v2.pdf", "/files/plan v2.pdf"),
        ("/echo/%252E%252E", "/echo/%2E%2E"),
        ("/a%2Fb/c%2fd", "/a%2Fb/c%2fd"),
        ("/caf%C3%A9", "/café"),
    ],
)
def test_a_raw_path_is_decoded_once_keeping_encoded_slashes(raw: str, decoded: str) -> None:
    assert decode_path(raw) == decoded


def test_a_body_over_the_hosts_limit_is_refused_before_any_function_runs() -> None:
    calls: list[int] = []

    def function(req: func.HttpRequest) -> func.HttpResponse:
        calls.append(len(req.get_body()))
        return func.HttpResponse("taken")

    upload = FunctionSpec("upload", TriggerKind.HTTP, "req", function, route="upload", methods=("POST",))
    app = HttpFunctions([upload], Invoker(Activity()), prefix="api", body_limit=1000)

    async def send(content: bytes | None = None, parts: list[bytes] | None = None) -> httpx.Response:
        async def streamed() -> AsyncIterator[bytes]:
            for part in parts or []:
                yield part

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal.test") as client:
            return await client.post("/api/upload", content=content if parts is None else streamed())

    at_limit = asyncio.run(send(b"x" * 1000))
    declared = asyncio.run(send(b"x" * 1001))
    streamed_over = asyncio.run(send(parts=[b"x" * 600, b"x" * 600]))  # no Content-Length: counted as it comes

    assert at_limit.status_code == 200
    for refused in (declared, streamed_over):
        assert refused.status_code == 413
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["status"] == 413
    assert calls == [1000]


def test_the_body_limit_is_the_functions_hosts_unless_the_app_setting_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(BODY_LIMIT_VARIABLE, raising=False)
    assert configured_body_limit() == 104_857_600
    monkeypatch.setenv(BODY_LIMIT_VARIABLE, "2048")
    assert configured_body_limit() == 2048
    monkeypatch.setenv(BODY_LIMIT_VARIABLE, "lots")
    assert configured_body_limit() == 104_857_600


def _portal_routes() -> list[Route]:
    # A fresh app of the portal's blueprints: an app indexes its functions once, and other tests index function_app's.
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    for blueprint in function_app.BLUEPRINTS:
        app.register_functions(blueprint)
    specs, _ = catalog(app)
    ordered = sorted((one for one in specs if one.kind is TriggerKind.HTTP), key=lambda one: precedence(one.route))
    return [
        FunctionRoute(path, one.user_function, one.methods) for one in ordered for path in starlette_paths(one.route)
    ]


PORTAL_ROUTES = _portal_routes()
# Segments the portal's own routes use, in other cases too, and values a parameter could take.
_LITERALS = sorted({part for route in PORTAL_ROUTES for part in route.path.split("/") if part and "{" not in part})
_VALUES = ["h-1", "r-2", "x y", "%2F", "ſ", "K", "a/b"]
_SEGMENTS = st.one_of(st.sampled_from(_LITERALS), st.sampled_from(_LITERALS).map(str.upper), st.sampled_from(_VALUES))


@st.composite
def _paths(draw: st.DrawFn) -> str:
    """A portal route's path with values in it, often changed: a segment swapped, added or dropped."""
    route = draw(st.sampled_from(PORTAL_ROUTES))
    segments = [draw(st.sampled_from(_VALUES)) if "{" in part else part for part in route.path.split("/")[1:]]
    change = draw(st.sampled_from(["none", "swap", "add", "drop", "upper"]))
    if change == "swap" and segments:
        segments[draw(st.integers(0, len(segments) - 1))] = draw(_SEGMENTS)
    elif change == "add":
        segments.insert(draw(st.integers(0, len(segments))), draw(_SEGMENTS))
    elif change == "drop" and segments:
        segments.pop(draw(st.integers(0, len(segments) - 1)))
    elif change == "upper":
        segments = [segment.upper() for segment in segments]
    return "/" + "/".join(segments)


def _chosen(routes: list[Route], method: str, path: str) -> tuple[str, Match]:
    """What Starlette's router picks from these routes: the first full match, else the first partial."""
    scope = {"type": "http", "method": method, "path": path, "path_params": {}, "root_path": ""}
    partial: tuple[str, Match] = ("none", Match.NONE)
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route.path, match
        if match is Match.PARTIAL and partial[1] is Match.NONE:
            partial = (route.path, match)
    return partial


@settings(max_examples=400, deadline=None)
@given(path=_paths(), method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]))
def test_the_route_index_picks_what_trying_every_route_in_order_picks(path: str, method: str) -> None:
    index = RouteIndex(PORTAL_ROUTES, list)

    assert _chosen(index.for_path(path), method, path) == _chosen(PORTAL_ROUTES, method, path)


def test_every_portal_route_is_reached_through_the_index() -> None:
    index = RouteIndex(PORTAL_ROUTES, list)
    for route in PORTAL_ROUTES:
        path = route.path.replace("{path:path}", "a/b").replace("{", "").replace("}", "")
        method = next(iter(route.methods or {"GET"}))
        assert _chosen(index.for_path(path), method, path)[1] is Match.FULL, path
