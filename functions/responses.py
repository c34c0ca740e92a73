"""Responses: intake (the hot path on deadline day), screening and moderation."""

from __future__ import annotations

import json
import logging

import azure.functions as func

from functions.http import caller, http_function, no_content, ok, parse_body, query_int, route_param
from functions.wiring import response_deps
from shared.domain.response import Receipt
from shared.services import queues, responses
from shared.services.responses import Decision, ResponsePage, ResponseSubmission, ResponseView

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
    body=ResponseSubmission,
    returns=Receipt,
    status=201,
    auth="required",
    errors=(401, 403, 404, 409, 422, 429),
)
def submit_response(req: func.HttpRequest) -> func.HttpResponse:
    deps = response_deps()
    arrived = deps.clock.now()  # before sign-in, which may have to fetch signing keys
    hearing_id = route_param(req, "hearing_id")
    receipt, created = responses.submit_response(
        deps, caller(req), hearing_id, parse_body(req, ResponseSubmission), arrived=arrived
    )
    location = f"/api/hearings/{hearing_id}/responses/{receipt.response_id}"
    return ok(receipt, 201 if created else 200, {"Location": location})


@http_function(
    bp,
    "GET",
    "hearings/{hearing_id}/responses",
    summary="List responses (public: approved and published)",
    tag=TAG,
    returns=ResponsePage,
    errors=(404,),
    query=(("limit", "1-100, default 50"), ("continuation", "token from the previous page")),
)
def list_responses(req: func.HttpRequest) -> func.HttpResponse:
    page = responses.list_responses(
        response_deps(),
        caller(req),
        route_param(req, "hearing_id"),
        limit=query_int(req, "limit", 50, 1, 100),
        continuation=req.params.get("continuation"),
    )
    return ok(page)


@http_function(bp, "GET", RESPONSE, summary="Read a response", tag=TAG, returns=ResponseView, errors=(404,))
def get_response(req: func.HttpRequest) -> func.HttpResponse:
    view = responses.get_response(
        response_deps(), caller(req), route_param(req, "hearing_id"), route_param(req, "response_id")
    )
    return ok(view)


@http_function(
    bp,
    "PUT",
    RESPONSE,
    summary="Edit your own response while the hearing is active",
    tag=TAG,
    body=ResponseSubmission,
    returns=Receipt,
    auth="required",
    errors=(401, 404, 409, 412, 422),
)
def revise_response(req: func.HttpRequest) -> func.HttpResponse:
    receipt = responses.revise_response(
        response_deps(),
        caller(req),
        route_param(req, "hearing_id"),
        route_param(req, "response_id"),
        parse_body(req, ResponseSubmission),
    )
    return ok(receipt)


@http_function(
    bp,
    "DELETE",
    RESPONSE,
    summary="Withdraw your own response while the hearing is active",
    tag=TAG,
    returns=ResponseView,
    auth="required",
    errors=(401, 404, 409),
)
def withdraw_response(req: func.HttpRequest) -> func.HttpResponse:
    view = responses.withdraw_response(
        response_deps(), caller(req), route_param(req, "hearing_id"), route_param(req, "response_id")
    )
    return ok(view)


@http_function(
    bp,
    "POST",
    f"{RESPONSE}/approve",
    summary="Approve (and publish) a response",
    tag=TAG,
    body=Decision,
    returns=ResponseView,
    auth="required",
    errors=(401, 403, 404, 409, 422),
)
def approve_response(req: func.HttpRequest) -> func.HttpResponse:
    view = responses.decide_response(
        response_deps(),
        caller(req),
        route_param(req, "hearing_id"),
        route_param(req, "response_id"),
        approve=True,
        decision=parse_body(req, Decision),
    )
    return ok(view)


@http_function(
    bp,
    "POST",
    f"{RESPONSE}/decline",
    summary="Decline a response",
    tag=TAG,
    returns=ResponseView,
    auth="required",
    errors=(401, 403, 404, 409),
)
def decline_response(req: func.HttpRequest) -> func.HttpResponse:
    view = responses.decide_response(
        response_deps(),
        caller(req),
        route_param(req, "hearing_id"),
        route_param(req, "response_id"),
        approve=False,
        decision=Decision(),
    )
    return ok(view)


@bp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
def rescreen_stalled_responses(timer: func.TimerRequest) -> None:
    """Every 5 minutes: announce again responses whose screening message was lost."""
    count = responses.rescreen_stalled(response_deps())
    if count:
        log.warning("announced %d stalled response(s) again", count)


@bp.service_bus_queue_trigger(arg_name="msg", queue_name=queues.RESPONSES_RECEIVED, connection="ServiceBusConnection")
def screen_received_response(msg: func.ServiceBusMessage) -> None:
    body = json.loads(msg.get_body())
    responses.screen_response(response_deps(), body["hearingId"], body["responseId"])


__all__ = ["bp", "no_content"]
