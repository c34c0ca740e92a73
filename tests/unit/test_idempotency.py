"""Idempotency-Key on mutating requests: a retry gets the first answer, never a second effect."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Annotated, Any

import azure.functions as func
import pytest

from functions import http
from functions.http import Answer, Query, http_function
from shared import bootstrap
from shared.domain.identity import Identity
from shared.services.hearing_api import ScheduleRequest
from shared.services.responses import ResponseSubmission
from tests.fakes import Portal, citizen


@pytest.fixture
def portal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    monkeypatch.setattr(http.REGISTRY, "operations", [])
    portal = Portal.start()
    bootstrap.override(portal.dependencies())
    yield portal
    bootstrap.override(None)


def registered(handler: Any, method: str = "POST") -> http.Handler:
    bp = func.Blueprint()
    http_function(bp, method, "things", summary="Test", tag="test", status=201)(handler)
    app = func.FunctionApp()
    app.register_functions(bp)
    [function] = app.get_functions()
    user_function: http.Handler = function.get_user_function()
    return user_function


def request(body: Mapping[str, object], key: str | None, method: str = "POST") -> func.HttpRequest:
    headers = {"idempotency-key": key} if key is not None else {}
    return func.HttpRequest(
        method=method, url="http://localhost/api/things", body=json.dumps(body).encode(), headers=headers
    )


class Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def next(self) -> int:
        with self.lock:
            self.calls += 1
            return self.calls


def test_a_retry_with_the_same_key_gets_the_first_answer_and_has_no_second_effect(portal: Portal) -> None:
    made = Counter()

    def handler(who: Identity | None, submission: ResponseSubmission) -> Answer[ResponseSubmission]:
        number = made.next()
        return Answer(submission, 201, {"Location": f"/api/things/{number}"})

    handle = registered(handler)
    first = handle(request({"text": "Svar"}, "k-1"))
    again = handle(request({"text": "Svar"}, "k-1"))

    assert made.calls == 1
    assert (again.status_code, again.get_body(), again.headers["Location"]) == (
        first.status_code,
        first.get_body(),
        first.headers["Location"],
    )
    assert again.mimetype == "application/json"
    # Without a key, or with another key, the request is performed again.
    handle(request({"text": "Svar"}, None))
    handle(request({"text": "Svar"}, "k-2"))
    assert made.calls == 3


def test_the_same_key_with_another_body_is_refused_naming_the_header(portal: Portal) -> None:
    made = Counter()

    def handler(submission: ResponseSubmission) -> ResponseSubmission:
        made.next()
        return submission

    handle = registered(handler)
    handle(request({"text": "Første"}, "k-1"))
    other = handle(request({"text": "Anden"}, "k-1"))

    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert json.loads(other.get_body())["errors"][0]["field"] == "Idempotency-Key"
    assert made.calls == 1


def test_the_same_key_with_another_query_is_another_request_not_a_retry(portal: Portal) -> None:
    # One-click unsubscribe carries its token in the query and no body: two links are two requests.
    made = Counter()

    def handler(token: Annotated[str, Query()]) -> func.HttpResponse:
        return func.HttpResponse(json.dumps({"n": made.next(), "token": token}), status_code=200)

    handle = registered(handler)

    def click(token: str) -> func.HttpResponse:
        return handle(
            func.HttpRequest(
                method="POST",
                url=f"http://localhost/api/things?token={token}",
                params={"token": token},
                body=b"",
                headers={"idempotency-key": "k-1"},
            )
        )

    first, again, other = click("anna"), click("anna"), click("bo")

    assert again.get_body() == first.get_body()
    assert other.status_code == 422, "not the answer another token got"
    assert json.loads(other.get_body())["errors"][0]["field"] == "Idempotency-Key"
    assert made.calls == 1


def test_two_concurrent_requests_with_one_key_make_one_effect(portal: Portal) -> None:
    made = Counter()
    inside, release = threading.Event(), threading.Event()

    def handler(submission: ResponseSubmission) -> ResponseSubmission:
        made.next()
        inside.set()
        release.wait(10)
        return submission

    handle = registered(handler)
    answers: list[func.HttpResponse] = []
    first = threading.Thread(target=lambda: answers.append(handle(request({"text": "Svar"}, "k-1"))))
    first.start()
    assert inside.wait(10)
    during = handle(request({"text": "Svar"}, "k-1"))
    release.set()
    first.join(10)
    after = handle(request({"text": "Svar"}, "k-1"))

    assert during.status_code == 409  # "in progress": retry later
    assert json.loads(during.get_body())["errors"][0]["field"] == "Idempotency-Key"
    assert made.calls == 1
    assert after.status_code == answers[0].status_code == 201
    assert after.get_body() == answers[0].get_body()


def test_keys_are_kept_per_caller(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    made = Counter()
    callers = iter([citizen("mitid:anna"), citizen("mitid:bo"), citizen("mitid:anna")])
    monkeypatch.setattr(http, "caller", lambda req: next(callers))

    def handler(who: Identity, submission: ResponseSubmission) -> func.HttpResponse:
        return func.HttpResponse(json.dumps({"n": made.next(), "who": who.subject}), status_code=201)

    handle = registered(handler)
    anna = handle(request({"text": "Svar"}, "k-1"))
    bo = handle(request({"text": "Svar"}, "k-1"))
    anna_again = handle(request({"text": "Svar"}, "k-1"))

    assert made.calls == 2  # Bo's key is his own, even with the same name as Anna's
    assert anna_again.get_body() == anna.get_body() != bo.get_body()


def test_an_answer_is_kept_for_a_day_then_the_key_may_be_used_again(portal: Portal) -> None:
    made = Counter()

    def handler(request: ScheduleRequest) -> func.HttpResponse:
        return func.HttpResponse(str(made.next()), status_code=200)

    handle = registered(handler, method="PUT")
    body = {"start": "2026-06-01T09:00", "deadline": "2026-06-15T12:00"}
    handle(request(body, "k-1", "PUT"))
    portal.clock.advance(timedelta(hours=23))
    handle(request(body, "k-1", "PUT"))
    assert made.calls == 1
    portal.clock.advance(timedelta(hours=2))
    handle(request(body, "k-1", "PUT"))
    assert made.calls == 2


def test_a_server_error_gives_the_key_back_so_a_retry_is_performed(portal: Portal) -> None:
    made = Counter()

    def handler(submission: ResponseSubmission) -> ResponseSubmission:
        if made.next() == 1:
            raise RuntimeError("the store did not answer")
        return submission

    handle = registered(handler)
    assert handle(request({"text": "Svar"}, "k-1")).status_code == 500
    assert handle(request({"text": "Svar"}, "k-1")).status_code == 201
    assert made.calls == 2


def test_a_malformed_key_is_refused(portal: Portal) -> None:
    handle = registered(lambda submission=None: submission)
    answer = handle(request({"text": "Svar"}, "x" * 300))
    assert answer.status_code == 422
    assert json.loads(answer.get_body())["errors"][0]["field"] == "Idempotency-Key"
