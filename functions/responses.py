"""Responses: intake (the hot path on deadline day), screening and moderation."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Annotated

import azure.functions as func

from functions.http import Answer, Query, http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.domain.response import Receipt
from shared.observability import metrics, names
from shared.observability.spans import consumer
from shared.services import queues, responses
from shared.services.responses import Decision, PublicResponse, ResponsePage, ResponseSubmission, ResponseView

bp = func.Blueprint()
log = logging.getLogger(__name__)
TAG = "Responses"
RESPONSE = "hearings/{hearing_id}/responses/{response_id}"


@http_function(
    bp,
    "POST",
    "hearings/{hearing_id}/responses",
    summary="Submit a response; answers with a receipt",
    tag=TAG,
    status=201,
    calls=responses.submit_response,
)
def submit_response(
    arrived: datetime, who: Identity, hearing_id: str, submission: ResponseSubmission
) -> Answer[Receipt]:
    receipt, created = call(responses.submit_response, who, hearing_id, submission, arrived=arrived)
    metrics.count(names.RECEIPTS_ISSUED)
    if created:
        metrics.count(names.RESPONSES_RECEIVED)
    location = f"/api/hearings/{hearing_id}/responses/{receipt.response_id}"
    return Answer(receipt, 201 if created else 200, {"Location": location})


@http_function(
    bp,
    "GET",
    "hearings/{hearing_id}/responses",
    summary="List responses (public: approved and published)",
    tag=TAG,
    calls=responses.list_responses,
)
def list_responses(
    who: Identity | None,
    hearing_id: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    continuation: Annotated[str | None, Query(description="token from the previous page")] = None,
) -> ResponsePage:
    return call(responses.list_responses, who, hearing_id, limit=limit, continuation=continuation)


@http_function(
    bp, "GET", RESPONSE, summary="Read a response", tag=TAG, returns=ResponseView, calls=responses.get_response
)
def get_response(who: Identity | None, hearing_id: str, response_id: str) -> Answer[ResponseView | PublicResponse]:
    return Answer(call(responses.get_response, who, hearing_id, response_id))


@http_function(
    bp,
    "PUT",
    RESPONSE,
    summary="Edit your own response while the hearing is active",
    tag=TAG,
    calls=responses.revise_response,
)
def revise_response(who: Identity, hearing_id: str, response_id: str, submission: ResponseSubmission) -> Receipt:
    return call(responses.revise_response, who, hearing_id, response_id, submission)


@http_function(
    bp,
    "DELETE",
    RESPONSE,
    summary="Withdraw your own response while the hearing is active",
    tag=TAG,
    calls=responses.withdraw_response,
)
def withdraw_response(who: Identity, hearing_id: str, response_id: str) -> ResponseView:
    return call(responses.withdraw_response, who, hearing_id, response_id)


@http_function(
    bp,
    "POST",
    f"{RESPONSE}/approve",
    summary="Approve (and publish) a response",
    tag=TAG,
    calls=responses.decide_response,
)
def approve_response(who: Identity, hearing_id: str, response_id: str, decision: Decision) -> ResponseView:
    return call(responses.decide_response, who, hearing_id, response_id, approve=True, decision=decision)


@http_function(
    bp,
    "POST",
    f"{RESPONSE}/decline",
    summary="Decline a response",
    tag=TAG,
    calls=responses.decide_response,
)
def decline_response(who: Identity, hearing_id: str, response_id: str) -> ResponseView:
    return call(responses.decide_response, who, hearing_id, response_id, approve=False, decision=Decision())


@bp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
def rescreen_stalled_responses(timer: func.TimerRequest) -> None:
    """Every 5 minutes: announce again responses whose screening message was lost."""
    count = call(responses.rescreen_stalled)
    if count:
        log.warning("announced %d stalled response(s) again", count)


@bp.service_bus_queue_trigger(arg_name="msg", queue_name=queues.RESPONSES_RECEIVED, connection="ServiceBusConnection")
@consumer(queues.RESPONSES_RECEIVED)
def screen_received_response(msg: func.ServiceBusMessage) -> None:
    body = json.loads(msg.get_body())
    call(responses.screen_response, body["hearingId"], body["responseId"])
