"""Hearings over HTTP: what an API caller sends to cancel a hearing, and the problems it gets back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import azure.functions as func
import pytest

from functions import hearings as handlers
from functions.http import REGISTRY
from functions.openapi import build_document
from shared import bootstrap
from shared.domain.hearing import HearingStatus
from shared.services.hearing_api import MAX_CANCEL_REASON
from shared.services.hearings import audit_trail
from tests.fakes import NamedTokens, Portal, caseworker

OWNER = caseworker()


@pytest.fixture
def portal() -> Iterator[Portal]:
    portal = Portal.start()
    deps = portal.dependencies()
    deps.tokens = NamedTokens({"owner": OWNER})
    bootstrap.override(deps)
    try:
        yield portal
    finally:
        bootstrap.override(None)


def cancel(hearing_id: str, body: bytes) -> func.HttpResponse:
    request = func.HttpRequest(
        method="POST",
        url=f"http://localhost:7071/api/hearings/{hearing_id}/cancel",
        headers={"content-type": "application/json", "authorization": "Bearer owner"},
        route_params={"hearing_id": hearing_id},
        body=body,
    )
    handler: Any = handlers.cancel_hearing
    user_function: Any = handler.build(func.AuthLevel.ANONYMOUS).get_user_function()
    answer: func.HttpResponse = user_function(request)
    return answer


def cancellations(portal: Portal, hearing_id: str) -> list[dict[str, Any]]:
    trail = portal.call(audit_trail, OWNER, hearing_id)
    return [entry.details for entry in trail.items if entry.action == "hearing.cancelled"]


def test_the_reason_sent_with_a_cancellation_is_kept_on_the_audit_trail(portal: Portal) -> None:
    hearing_id = portal.scheduled(OWNER)

    answer = cancel(hearing_id, json.dumps({"reason": "  Lokalplanen er trukket tilbage. "}).encode())

    assert answer.status_code == 200
    assert json.loads(answer.get_body())["status"] == HearingStatus.CANCELLED.value
    assert cancellations(portal, hearing_id) == [{"reason": "Lokalplanen er trukket tilbage."}]


@pytest.mark.parametrize("body", [b"", b"{}", b'{"reason": null}'])
def test_a_cancellation_without_a_reason_still_cancels(portal: Portal, body: bytes) -> None:
    hearing_id = portal.draft(OWNER)

    answer = cancel(hearing_id, body)

    assert answer.status_code == 200
    assert portal.stored_hearing(hearing_id).status is HearingStatus.CANCELLED
    assert cancellations(portal, hearing_id) == [{}]


@pytest.mark.parametrize("reason", [42, ["Trukket tilbage"], "x" * (MAX_CANCEL_REASON + 1)])
def test_a_reason_that_is_not_text_or_too_long_is_a_problem_naming_it(portal: Portal, reason: object) -> None:
    hearing_id = portal.scheduled(OWNER)

    answer = cancel(hearing_id, json.dumps({"reason": reason}).encode())

    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert [error["field"] for error in json.loads(answer.get_body())["errors"]] == ["reason"]
    assert portal.stored_hearing(hearing_id).status is HearingStatus.SCHEDULED
    assert cancellations(portal, hearing_id) == []


def test_the_api_document_shows_the_optional_reason() -> None:
    document = build_document(REGISTRY.operations)
    body = document["paths"]["/hearings/{hearing_id}/cancel"]["post"]["requestBody"]
    schema = document["components"]["schemas"][body["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1]]
    assert body["required"] is False
    assert schema["properties"]["reason"]["anyOf"][0]["maxLength"] == MAX_CANCEL_REASON
    assert "required" not in schema
