"""Subscriptions: follow and unfollow, and the consumer that tells followers what happened."""

from __future__ import annotations

import json

import azure.functions as func
from pydantic import RootModel

from functions.http import http_function
from shared.bootstrap import call
from shared.domain.hearing import EventKind
from shared.domain.identity import Identity
from shared.domain.subscription import TargetKind
from shared.observability.spans import consumer
from shared.services import notifications, queues, subscriptions
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
    status=201,
    calls=subscriptions.follow,
)
def follow(who: Identity, request: FollowRequest) -> SubscriptionView:
    return call(subscriptions.follow, who, request)


@http_function(bp, "GET", "subscriptions", summary="What I follow", tag=TAG, calls=subscriptions.my_subscriptions)
def my_subscriptions(who: Identity) -> SubscriptionList:
    return SubscriptionList(call(subscriptions.my_subscriptions, who))


@http_function(
    bp,
    "DELETE",
    "subscriptions/{kind}/{target_id}",
    summary="Stop following",
    tag=TAG,
    status=204,
    calls=subscriptions.unfollow,
)
def unfollow(who: Identity, kind: TargetKind, target_id: str) -> None:
    call(subscriptions.unfollow, who, kind, target_id)


@bp.service_bus_queue_trigger(arg_name="msg", queue_name=queues.HEARING_EVENTS, connection="ServiceBusConnection")
@consumer(queues.HEARING_EVENTS)
def notify_followers(msg: func.ServiceBusMessage) -> None:
    body = json.loads(msg.get_body())
    fields = body.get("fields") or []
    call(notifications.fan_out, body["hearingId"], body["eventId"], EventKind(body["kind"]), fields)
