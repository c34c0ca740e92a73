"""HTTP functions are found by Starlette's router with the Functions host's route templates and answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import azure.functions as func
import httpx
import pytest

from local_host.activity import Activity
from local_host.catalog import FunctionSpec, TriggerKind
from local_host.http_functions import BODY_LIMIT_VARIABLE, HttpFunctions, configured_body_limit
from local_host.invoker import Invoker
from local_host.routing import UnsupportedRoute, decode_path, starlette_paths


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
