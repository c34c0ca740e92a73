"""Subscriptions: follow and unfollow, and the consumer that tells followers what happened."""

from __future__ import annotations

import json

import azure.functions as func
from pydantic import RootModel

from functions.http import caller, http_function, no_content, ok, parse_body, route_param
from functions.wiring import subscription_deps
from shared.domain.errors import InvalidInput
from shared.domain.hearing import EventKind
from shared.domain.subscription import TargetKind
from shared.services import queues, subscriptions
from shared.services.subscriptions import FollowRequest, SubscriptionView

bp = func.Blueprint()
TAG = "Subscriptions"


class SubscriptionList(RootModel[list[SubscriptionView]]):
    pass


@http_function(
    bp,
    "POST",
    "subscriptions",
    summary="Follow a hearing, subject area, city area or KLE number",
    tag=TAG,
    body=FollowRequest,
    returns=SubscriptionView,
    status=201,
    auth="required",
    errors=(401, 404, 422),
)
def follow(req: func.HttpRequest) -> func.HttpResponse:
    return ok(subscriptions.follow(subscription_deps(), caller(req), parse_body(req, FollowRequest)), 201)


@http_function(
    bp,
    "GET",
    "subscriptions",
    summary="What I follow",
    tag=TAG,
    returns=SubscriptionList,
    auth="required",
    errors=(401,),
)
def my_subscriptions(req: func.HttpRequest) -> func.HttpResponse:
    return ok(SubscriptionList(subscriptions.my_subscriptions(subscription_deps(), caller(req))))


@http_function(
    bp,
    "DELETE",
    "subscriptions/{kind}/{target_id}",
    summary="Stop following",
    tag=TAG,
    status=204,
    auth="required",
    errors=(401, 404, 422),
)
def unfollow(req: func.HttpRequest) -> func.HttpResponse:
    try:
        kind = TargetKind(route_param(req, "kind"))
    except ValueError:
        raise InvalidInput(f"must be one of {', '.join(k.value for k in TargetKind)}", field="kind") from None
    subscriptions.unfollow(subscription_deps(), caller(req), kind, route_param(req, "target_id"))
    return no_content()


@bp.service_bus_queue_trigger(arg_name="msg", queue_name=queues.HEARING_EVENTS, connection="ServiceBusConnection")
def notify_followers(msg: func.ServiceBusMessage) -> None:
    body = json.loads(msg.get_body())
    subscriptions.notify_followers(subscription_deps(), body["hearingId"], body["eventId"], EventKind(body["kind"]))
