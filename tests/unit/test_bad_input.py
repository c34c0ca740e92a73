"""Odd input answers a problem naming the field, never a server error."""

from __future__ import annotations

import uuid

import azure.functions as func
import pytest
from pydantic import ValidationError

from functions.http import parse_body, query_int
from shared.domain.errors import InvalidInput
from shared.services.hearing_api import HearingDraft, ScheduleRequest
from shared.services.hearings import list_hearings
from shared.services.moderation import BulkDecision
from shared.services.notifications import hearing_deliveries
from shared.services.responses import list_responses
from tests.fakes import Portal, caseworker


def request(body: bytes = b"", **params: str) -> func.HttpRequest:
    return func.HttpRequest("POST", "http://localhost/api/x", params=params, body=body)


def test_a_made_up_continuation_token_is_refused_by_name() -> None:
    portal = Portal.start()
    hearing_id = portal.active()
    with pytest.raises(InvalidInput) as refused:
        portal.call(list_hearings, None, continuation="not-a-token")
    assert refused.value.problems[0].field == "continuation"
    with pytest.raises(InvalidInput):
        portal.call(list_responses, None, hearing_id, continuation="eyJ4IjoxfQ==")


@pytest.mark.parametrize("token", ["abc", "eyJ4IjoxfQ==", "\u0000"])
def test_the_owner_paging_deliveries_with_a_made_up_token_is_told_which_field(token: str) -> None:
    portal = Portal.start()
    hearing_id = portal.active()
    with pytest.raises(InvalidInput) as refused:
        portal.call(hearing_deliveries, caseworker(), hearing_id, continuation=token)
    assert refused.value.problems[0].field == "continuation"


@pytest.mark.parametrize("instant", ["0001-01-01T00:30", "9999-12-31T23:59-02:00"])
def test_an_instant_at_the_edge_of_the_calendar_is_out_of_range(instant: str) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        ScheduleRequest.model_validate({"start": instant, "deadline": "2030-01-01T12:00"})


def test_a_deeply_nested_body_is_not_json_we_read() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_body(request(b"[" * 100_000 + b"]" * 100_000), HearingDraft)
    assert refused.value.problems[0].field == "body"


@pytest.mark.parametrize("value", ["\u00b2", "-1", "1.5", "\uff15"])
def test_a_limit_that_is_not_a_plain_number_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        query_int(request(limit=value), "limit", 50, 1, 100)
    assert refused.value.problems[0].field == "limit"


def test_a_bulk_decision_names_the_id_that_is_no_response_id() -> None:
    with pytest.raises(ValidationError) as refused:
        BulkDecision.model_validate({"ids": [str(uuid.uuid4()), "x" * 100_000], "decision": "approve"})
    assert [".".join(map(str, error["loc"])) for error in refused.value.errors()] == ["ids.1"]
