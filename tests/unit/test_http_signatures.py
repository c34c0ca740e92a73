"""An HTTP function is described by its signature: what it is given, what it answers, what it documents."""

from __future__ import annotations

import json
from typing import Annotated, Any

import azure.functions as func
import pytest

from functions import http
from functions.http import Header, Query, http_function
from shared.domain.errors import Conflict, NotFound, raises
from shared.domain.identity import Identity
from shared.domain.subscription import TargetKind
from shared.services.hearing_api import HearingView, ScheduleRequest


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http.REGISTRY, "operations", [])


def registered(route: str, handler: Any, method: str = "POST", **options: Any) -> http.Handler:
    bp = func.Blueprint()
    http_function(bp, method, route, summary="Test", tag="test", **options)(handler)
    app = func.FunctionApp()
    app.register_functions(bp)
    [function] = app.get_functions()
    user_function: http.Handler = function.get_user_function()
    return user_function


def request(route_params: dict[str, str] | None = None, body: bytes = b"", **headers: str) -> func.HttpRequest:
    return func.HttpRequest(
        method="POST", url="http://localhost/api/x", body=body, headers=headers, route_params=route_params or {}
    )


def test_a_required_sign_in_is_refused_before_the_handler_runs() -> None:
    ran: list[str] = []

    def handler(who: Identity, hearing_id: str) -> None:
        ran.append(hearing_id)

    answer = registered("hearings/{hearing_id}/cancel", handler)(request({"hearing_id": "h1"}))

    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert ran == []
    [operation] = http.REGISTRY.operations
    assert operation.auth == "required"


def test_path_values_headers_and_the_body_are_handed_to_the_handler() -> None:
    seen: dict[str, Any] = {}

    def handler(
        who: Identity | None,
        hearing_id: str,
        request: ScheduleRequest,
        if_match: Annotated[str | None, Header("If-Match")],
    ) -> func.HttpResponse:
        seen.update(who=who, hearing_id=hearing_id, deadline=request.deadline, if_match=if_match)
        return func.HttpResponse(status_code=299)

    body = json.dumps({"start": "2026-06-01T09:00", "deadline": "2026-06-15T12:00"}).encode()
    handle = registered("hearings/{hearing_id}/schedule", handler, calls=None)
    answer = handle(request({"hearing_id": "h1"}, body, **{"if-match": '"7"'}))

    assert answer.status_code == 299
    assert seen["who"] is None
    assert seen["hearing_id"] == "h1"
    assert seen["if_match"] == '"7"'
    assert seen["deadline"].isoformat() == "2026-06-15T10:00:00+00:00"  # Copenhagen summer time


def test_a_path_value_outside_its_enum_names_the_field() -> None:
    def handler(kind: TargetKind) -> None:
        raise AssertionError("not reached")

    answer = registered("subscriptions/{kind}", handler, method="DELETE")(request({"kind": "planet"}))

    assert answer.status_code == 422
    assert json.loads(answer.get_body())["errors"][0]["field"] == "kind"


def test_the_operation_is_documented_from_the_signature_and_the_services_errors() -> None:
    @raises(NotFound, Conflict)
    def service(who: Identity | None, hearing_id: str) -> None:
        pass

    def handler(
        who: Identity | None,
        hearing_id: str,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
        mine: Annotated[bool, Query(description="mine only")] = False,
    ) -> HearingView:
        raise AssertionError("not called here")

    registered("hearings/{hearing_id}", handler, method="GET", calls=service)

    [operation] = http.REGISTRY.operations
    assert operation.returns is HearingView
    assert operation.body is None
    assert operation.auth == "optional"
    assert operation.errors == (401, 404, 409, 422)
    limit, mine = operation.query
    assert (limit.name, limit.schema["minimum"], limit.schema["maximum"], limit.schema["default"]) == (
        "limit",
        1,
        100,
        50,
    )
    assert (mine.name, mine.description) == ("mine", "mine only")


def test_a_query_number_out_of_bounds_is_a_problem_naming_it() -> None:
    def handler(limit: Annotated[int, Query(ge=1, le=100)] = 50) -> None:
        raise AssertionError("not reached")

    bad = func.HttpRequest(method="GET", url="http://localhost/api/x", body=b"", params={"limit": "101"})
    answer = registered("things", handler, method="GET")(bad)

    assert answer.status_code == 422
    assert json.loads(answer.get_body())["errors"][0]["field"] == "limit"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/xml", json.dumps({"start": "2026-06-01T09:00", "deadline": "2026-06-15T12:00"}).encode()),
        ("application/xml", b"<schedule><start>2026-06-01T09:00</start></schedule>"),
        ("text/plain", b"start=2026-06-01T09:00"),
        ("application/x-www-form-urlencoded", b"start=2026-06-01T09%3A00&deadline=2026-06-15T12%3A00"),
    ],
)
def test_a_body_in_a_form_the_operation_does_not_read_is_refused_unread(content_type: str, body: bytes) -> None:
    ran: list[str] = []

    def handler(request: ScheduleRequest) -> None:
        ran.append("scheduled")

    sent = func.HttpRequest(
        method="POST", url="http://localhost/api/things", body=body, headers={"content-type": content_type}
    )
    answer = registered("things", handler)(sent)

    assert answer.status_code == 415
    problem = json.loads(answer.get_body())
    assert problem["errors"] == [{"field": "Content-Type", "detail": "send the body as application/json"}]
    assert ran == []
    [operation] = http.REGISTRY.operations
    assert 415 in operation.errors


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json; charset=utf-8",
        "application/merge-patch+json",
        "application/x-www-form-urlencoded",  # what `curl -d '{...}'` says it sends
        "text/plain;charset=UTF-8",  # what fetch() says for a string body
    ],
)
def test_json_is_read_with_or_without_its_content_type(content_type: str | None) -> None:
    ran: list[str] = []

    def handler(request: ScheduleRequest) -> None:
        ran.append("scheduled")

    body = json.dumps({"start": "2026-06-01T09:00", "deadline": "2026-06-15T12:00"}).encode()
    headers = {"content-type": content_type} if content_type else {}
    sent = func.HttpRequest(method="POST", url="http://localhost/api/things", body=body, headers=headers)
    answer = registered("things", handler)(sent)

    assert answer.status_code == 204
    assert ran == ["scheduled"]
