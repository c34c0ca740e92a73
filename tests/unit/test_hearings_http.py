"""Hearings over HTTP: what an API caller sends to edit or cancel a hearing, and the problems it gets back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import azure.functions as func
import pytest

from functions import hearings as handlers
from functions.http import MAX_BODY_BYTES, REGISTRY
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


def edit(hearing_id: str, changes: dict[str, Any], if_match: str | None) -> func.HttpResponse:
    headers = {"content-type": "application/json", "authorization": "Bearer owner"}
    if if_match is not None:
        headers["if-match"] = if_match
    request = func.HttpRequest(
        method="PATCH",
        url=f"http://localhost:7071/api/hearings/{hearing_id}",
        headers=headers,
        route_params={"hearing_id": hearing_id},
        body=json.dumps(changes).encode(),
    )
    handler: Any = handlers.edit_hearing
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


@pytest.mark.parametrize("if_match", [None, "", "  "])
def test_an_edit_that_names_no_version_is_refused_and_changes_nothing(portal: Portal, if_match: str | None) -> None:
    hearing_id = portal.draft(OWNER, summary="Kollegaens resumé")

    answer = edit(hearing_id, {"summary": "Mit resumé"}, if_match)

    assert answer.status_code == 428
    assert answer.mimetype == "application/problem+json"
    problem = json.loads(answer.get_body())
    assert problem["type"] == "/problems/precondition-required"
    assert [error["field"] for error in problem["errors"]] == ["If-Match"]
    assert portal.stored_hearing(hearing_id).summary == "Kollegaens resumé"


def test_an_edit_based_on_the_version_read_is_kept_and_answers_the_next_version(portal: Portal) -> None:
    hearing_id = portal.draft(OWNER)
    first = edit(hearing_id, {"summary": "Første"}, "*")
    etag = first.headers["ETag"]

    second = edit(hearing_id, {"summary": "Anden"}, etag)
    stale = edit(hearing_id, {"summary": "Tredje, fra en gammel visning"}, etag)

    assert (first.status_code, second.status_code, stale.status_code) == (200, 200, 412)
    assert second.headers["ETag"] != etag
    assert portal.stored_hearing(hearing_id).summary == "Anden"


def test_the_api_document_shows_that_an_edit_needs_if_match() -> None:
    operation = build_document(REGISTRY.operations)["paths"]["/hearings/{hearing_id}"]["patch"]
    assert "428" in operation["responses"]
    headers = {parameter["name"]: parameter for parameter in operation["parameters"] if parameter["in"] == "header"}
    assert headers["If-Match"]["required"] is True
    assert headers["Idempotency-Key"]["required"] is False


def test_a_body_larger_than_any_operation_takes_is_refused_unread_and_changes_nothing(portal: Portal) -> None:
    hearing_id = portal.draft(OWNER, summary="Som før")

    answer = edit(hearing_id, {"summary": "Ny", "padding": "x" * MAX_BODY_BYTES}, "*")

    assert answer.status_code == 413
    problem = json.loads(answer.get_body())
    assert problem["type"] == "/problems/payload-too-large"
    assert [error["field"] for error in problem["errors"]] == ["body"]
    assert portal.stored_hearing(hearing_id).summary == "Som før"
