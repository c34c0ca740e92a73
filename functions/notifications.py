"""Notifications: preferences, one-click unsubscribe, delivery status, and the sending consumer and timers."""

from __future__ import annotations

import json
from typing import Annotated

import azure.functions as func

from functions.http import Query, http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.domain.preferences import PreferencesRequest
from shared.services import digests, notifications, preferences, queues, review_waits
from shared.services.notifications import DeliveryPage
from shared.services.preferences import PreferencesView, UnsubscribeView

bp = func.Blueprint()
TAG = "Notifications"


@http_function(
    bp, "GET", "me/preferences", summary="My notification preferences", tag=TAG, calls=preferences.my_preferences
)
def my_preferences(who: Identity) -> PreferencesView:
    return call(preferences.my_preferences, who)


@http_function(
    bp,
    "PUT",
    "me/preferences",
    summary="Change my notification preferences",
    tag=TAG,
    calls=preferences.set_preferences,
)
def set_preferences(who: Identity, request: PreferencesRequest) -> PreferencesView:
    return call(preferences.set_preferences, who, request)


@http_function(
    bp, "GET", "unsubscribe", summary="What an unsubscribe link stops", tag=TAG, calls=preferences.unsubscribe_preview
)
def unsubscribe_preview(token: Annotated[str, Query(description="the token from the link")]) -> UnsubscribeView:
    return call(preferences.unsubscribe_preview, token)


@http_function(
    bp, "POST", "unsubscribe", summary="Stop following, in one click (RFC 8058)", tag=TAG, calls=preferences.unsubscribe
)
def unsubscribe(token: Annotated[str, Query(description="the token from the link")]) -> UnsubscribeView:
    return call(preferences.unsubscribe, token)


@http_function(
    bp,
    "GET",
    "hearings/{hearing_id}/deliveries",
    summary="Delivery status of the hearing's notifications (owner and admins)",
    tag=TAG,
    calls=notifications.hearing_deliveries,
)
def hearing_deliveries(
    who: Identity,
    hearing_id: str,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    continuation: Annotated[str | None, Query(description="token from the previous page")] = None,
) -> DeliveryPage:
    return call(notifications.hearing_deliveries, who, hearing_id, limit=limit, continuation=continuation)


@bp.service_bus_queue_trigger(arg_name="msg", queue_name=queues.NOTIFICATION_BATCHES, connection="ServiceBusConnection")
def send_notifications(msg: func.ServiceBusMessage) -> None:
    call(notifications.send_batch, json.loads(msg.get_body()))


@bp.timer_trigger(schedule="0 * * * * *", arg_name="timer", run_on_startup=False)
def retry_deliveries(timer: func.TimerRequest) -> None:
    """Every minute: deliveries whose backoff has passed are tried again."""
    call(notifications.retry_deliveries)


@bp.timer_trigger(schedule="0 */15 * * * *", arg_name="timer", run_on_startup=False)
def warn_deadlines(timer: func.TimerRequest) -> None:
    """Every 15 minutes: followers are told when a deadline is near, once per deadline."""
    call(notifications.warn_deadlines)


@bp.timer_trigger(schedule="0 5 * * * *", arg_name="timer", run_on_startup=False)
def send_digests(timer: func.TimerRequest) -> None:
    """Hourly, since NCRONTAB runs in UTC: the digests go out when it is the digest hour in Copenhagen."""
    call(digests.send_digests)


@bp.timer_trigger(schedule="0 20 * * * *", arg_name="timer", run_on_startup=False)
def tell_of_waiting_responses(timer: func.TimerRequest) -> None:
    """Hourly: owners and reviewers are told of responses waiting for review too long, once per new set."""
    call(review_waits.tell_of_waiting_responses)
