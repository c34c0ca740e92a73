"""Honest with bad input: every error is an application/problem+json answer naming the field at fault."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
import pytest

from functions import http
from functions.openapi import build_document
from functions.problems import problem_type
from shared import bootstrap
from shared.adapters.aes_vault import AesGcmVault
from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.domain.errors import Conflict, HearingNotOpen, InvalidInput, NotAuthenticated, NotFound, PortalError
from shared.domain.identity import Identity
from shared.ports.identity import InvalidToken
from shared.services.hearing_api import HearingDraft, HearingView, ScheduleRequest
from shared.services.responses import ResponseSubmission
from shared.settings import Settings
from tests.fakes import FakeBus, FakeLimiter, FakeMailer, FixedClock, InMemoryFiles, InMemoryRecords

RECEIPT_SIGNER = LocalReceiptSigner.generate()


def request(
    body: bytes = b"", headers: dict[str, str] | None = None, params: dict[str, str] | None = None
) -> func.HttpRequest:
    return func.HttpRequest(
        method="POST", url="http://localhost:7071/api/test", body=body, headers=headers or {}, params=params or {}
    )


def refusal(body: bytes, model: type[Any]) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        http.parse_body(request(body), model)
    return refused.value


def fields(error: PortalError) -> list[str]:
    return [problem.field for problem in error.problems]


# -- parsing bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{not json", b'{"text": "Hej"', b"\xff\xfe\xfa", b"'text'"])
def test_a_body_that_is_not_json_names_the_body(body: bytes) -> None:
    error = refusal(body, ResponseSubmission)

    assert fields(error) == ["body"]
    assert problem_type(error).status == 422


def test_a_json_value_that_is_not_an_object_names_the_body() -> None:
    assert fields(refusal(b'["Hej"]', ResponseSubmission)) == ["body"]


def test_a_missing_field_is_named_in_camel_case() -> None:
    error = refusal(json.dumps({"title": "Lokalplan", "caseNumber": "2026-0042"}).encode(), HearingDraft)

    assert fields(error) == ["templateId"]
    assert "templateId" in error.detail


def test_an_impossible_deadline_names_the_deadline_with_a_readable_message() -> None:
    body = {"start": "2026-10-20T09:00", "deadline": "2026-10-25T02:30"}

    error = refusal(json.dumps(body).encode(), ScheduleRequest)

    assert fields(error) == ["deadline"]
    [problem] = error.problems
    assert problem.message.startswith("happens twice in Europe/Copenhagen")


def test_a_missing_deadline_is_named() -> None:
    assert fields(refusal(b'{"start": "2026-06-01T09:00"}', ScheduleRequest)) == ["deadline"]


def test_an_unknown_field_is_refused_by_name() -> None:
    body = {"templateId": "standard", "title": "Lokalplan", "caseNumber": "2026-1", "titel": "Stavefejl"}

    error = refusal(json.dumps(body).encode(), HearingDraft)

    assert fields(error) == ["titel"]


def test_a_bad_list_item_is_named_with_its_position() -> None:
    body = {"templateId": "standard", "title": "Lokalplan", "caseNumber": "2026-1", "subjectAreaIds": ["a", 7]}

    assert fields(refusal(json.dumps(body).encode(), HearingDraft)) == ["subjectAreaIds.1"]


def test_every_bad_field_is_named_at_once() -> None:
    error = refusal(b'{"text": "", "publishName": "maybe"}', ResponseSubmission)

    assert sorted(fields(error)) == ["publishName", "text"]


def test_a_good_body_parses_with_camel_case_names() -> None:
    submission = http.parse_body(request(b'{"text": "  Ja tak.  ", "publishName": true}'), ResponseSubmission)

    assert (submission.text, submission.publish_name) == ("Ja tak.", True)


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "501", "1.5"])
def test_a_bad_query_number_names_the_parameter(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        http.query_int(request(params={"limit": raw}), "limit", 50, 1, 500)

    assert fields(refused.value) == ["limit"]


def test_a_missing_query_number_takes_the_default() -> None:
    assert http.query_int(request(), "limit", 50, 1, 500) == 50
    assert http.query_int(request(params={"limit": "7"}), "limit", 50, 1, 500) == 7


# -- the wrapper every HTTP function gets ------------------------------------------------------------


@pytest.fixture
def wrap(monkeypatch: pytest.MonkeyPatch) -> Callable[[http.Handler], http.Handler]:
    """Register a handler the way the blueprints do, without touching the real registry."""
    monkeypatch.setattr(http.REGISTRY, "operations", [])

    def registered(handler: http.Handler) -> http.Handler:
        bp = func.Blueprint()
        http.http_function(bp, "POST", "test", summary="Test", tag="test")(handler)
        app = func.FunctionApp()
        app.register_functions(bp)
        [function] = app.get_functions()
        user_function: http.Handler = function.get_user_function()
        return user_function

    return registered


def problem_of(response: func.HttpResponse) -> dict[str, Any]:
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = json.loads(response.get_body())
    return body


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (NotFound("no such hearing", field="hearingId"), 404, "not-found"),
        (HearingNotOpen("the hearing is awaiting_conclusion", field="hearingId"), 409, "hearing-not-open"),
        (Conflict("you have already responded", field="text"), 409, "conflict"),
        (InvalidInput("no such template", field="templateId"), 422, "invalid-input"),
    ],
)
def test_a_portal_error_becomes_a_problem_answer_naming_the_field(
    wrap: Callable[[http.Handler], http.Handler], error: PortalError, status: int, slug: str
) -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        raise error

    response = wrap(handler)(request())

    assert response.status_code == status
    body = problem_of(response)
    assert body == {
        "type": f"/problems/{slug}",
        "title": problem_type(error).title,
        "status": status,
        "detail": error.detail,
        "errors": [{"field": error.problems[0].field, "detail": error.detail}],
    }


def test_a_parse_error_inside_a_handler_becomes_a_422_listing_the_fields(
    wrap: Callable[[http.Handler], http.Handler],
) -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        http.parse_body(req, ScheduleRequest)
        return http.no_content()

    response = wrap(handler)(request(b'{"start": "2026-03-29T02:30", "deadlin": "x"}'))

    assert response.status_code == 422
    body = problem_of(response)
    assert sorted(error["field"] for error in body["errors"]) == ["deadlin", "deadline", "start"]


def test_a_sign_in_problem_carries_the_bearer_challenge(wrap: Callable[[http.Handler], http.Handler]) -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        raise NotAuthenticated("sign in to respond")

    response = wrap(handler)(request())

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "errors" not in problem_of(response)


def test_an_unexpected_error_is_a_500_that_says_nothing_about_it(
    wrap: Callable[[http.Handler], http.Handler], caplog: pytest.LogCaptureFixture
) -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError("database password is hunter2 at db.internal")

    response = wrap(handler)(request())

    assert response.status_code == 500
    body = problem_of(response)
    assert body["status"] == 500
    assert body["title"] and body["detail"]
    assert "hunter2" not in response.get_body().decode()
    assert "db.internal" not in response.get_body().decode()
    assert "RuntimeError" not in response.get_body().decode()
    assert any(record.exc_info for record in caplog.records)  # operators still get the traceback


def test_a_successful_answer_passes_through(wrap: Callable[[http.Handler], http.Handler]) -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return http.ok({"høring": "åben"}, 201)

    response = wrap(handler)(request())

    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert json.loads(response.get_body()) == {"høring": "åben"}


# -- sign-in on every request --------------------------------------------------------------------------


class _Tokens:
    def validate(self, token: str) -> Identity:
        raise InvalidToken("the token has expired")


@pytest.fixture
def refusing_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    files = InMemoryFiles()
    deps = bootstrap.Dependencies(
        settings=Settings(),
        documents=None,  # type: ignore[arg-type]  # not reached when signing in
        bus=FakeBus(),
        files=files,
        tokens=_Tokens(),
        mailer=FakeMailer(),
        records=InMemoryRecords(),
        clock=FixedClock(datetime(2026, 5, 4, tzinfo=UTC)),
        vault=AesGcmVault(bytes(32)),
        limiter=FakeLimiter(),
        signer=RECEIPT_SIGNER,
    )
    monkeypatch.setattr(bootstrap, "_current", deps)


def test_no_authorization_header_is_an_anonymous_caller() -> None:
    assert http.caller(request()) is None


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "token-without-scheme"])
def test_a_malformed_authorization_header_is_refused_naming_it(header: str) -> None:
    with pytest.raises(NotAuthenticated) as refused:
        http.caller(request(headers={"Authorization": header}))

    assert fields(refused.value) == ["Authorization"]


def test_a_refused_token_is_a_401_not_an_anonymous_caller(
    refusing_tokens: None, wrap: Callable[[http.Handler], http.Handler]
) -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        http.caller(req)
        return http.no_content()

    response = wrap(handler)(request(headers={"Authorization": "Bearer eyJhbGciOi.forged.token"}))

    assert response.status_code == 401
    body = problem_of(response)
    assert body["errors"][0]["field"] == "Authorization"
    assert "expired" in body["detail"]


# -- the OpenAPI document tells clients about these answers ---------------------------------------------


def test_the_openapi_document_describes_problem_answers() -> None:
    operation = http.Operation(
        function_name="get_hearing",
        method="GET",
        route="hearings/{hearing_id}",
        summary="Read a hearing",
        tag="hearings",
        body=None,
        returns=HearingView,
        status=200,
        auth="required",
        errors=(404,),
    )

    document = build_document([operation])

    answers = document["paths"]["/hearings/{hearing_id}"]["get"]["responses"]
    assert set(answers) == {"200", "401", "404", "500"}
    for status in ("401", "404", "500"):
        assert answers[status]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status"}
    assert problem["properties"]["errors"]["items"]["required"] == ["field", "detail"]
    view = document["components"]["schemas"]["HearingView"]
    assert "deadlineLocal" in view["properties"]
