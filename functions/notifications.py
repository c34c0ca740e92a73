"""Notifications: preferences, one-click unsubscribe, delivery status, and the sending consumer and timers."""

from __future__ import annotations

import json
from typing import Annotated

import azure.functions as func

from functions.http import Query, http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.domain.notification_text import NotificationTexts
from shared.domain.preferences import PreferencesRequest
from shared.domain.reference import NotificationTemplateText
from shared.services import (
    digests,
    notification_template_admin,
    notification_texts,
    notifications,
    preferences,
    queues,
    review_waits,
)
from shared.services.notification_template_admin import NotificationTemplatePreview, NotificationTemplateView
from shared.services.notification_templates import Rendered
from shared.services.notification_texts import NotificationTextPreview, NotificationTextView
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


@http_function(
    bp,
    "PUT",
    "hearings/{hearing_id}/notification-text",
    summary="The owner's subject and introduction for the hearing's notices, in Danish and English",
    tag=TAG,
    calls=notification_texts.set_notification_text,
)
def set_notification_text(who: Identity, hearing_id: str, request: NotificationTexts) -> NotificationTextView:
    return call(notification_texts.set_notification_text, who, hearing_id, request)


@http_function(
    bp,
    "POST",
    "hearings/{hearing_id}/notification-text/preview",
    summary="One of the hearing's notices with the proposed or stored subject and introduction",
    tag=TAG,
    calls=notification_texts.preview_notification_text,
)
def preview_notification_text(who: Identity, hearing_id: str, request: NotificationTextPreview) -> Rendered:
    return call(notification_texts.preview_notification_text, who, hearing_id, request)


_TEMPLATE_ROUTE = "management/notification-templates/{kind}/{language}"


@http_function(
    bp,
    "GET",
    _TEMPLATE_ROUTE,
    summary="A notification template in use, the admin's or the built-in one (admins)",
    tag=TAG,
    calls=notification_template_admin.get_notification_template,
)
def get_notification_template(who: Identity, kind: str, language: str) -> NotificationTemplateView:
    return call(notification_template_admin.get_notification_template, who, kind, language)


@http_function(
    bp,
    "PUT",
    _TEMPLATE_ROUTE,
    summary="Replace a notification template: jinja2 in a sandbox, checked against sample data (admins)",
    tag=TAG,
    calls=notification_template_admin.put_notification_template,
)
def put_notification_template(
    who: Identity, kind: str, language: str, request: NotificationTemplateText
) -> NotificationTemplateView:
    return call(notification_template_admin.put_notification_template, who, kind, language, request)


@http_function(
    bp,
    "DELETE",
    _TEMPLATE_ROUTE,
    summary="Return a notification template to the built-in one (admins)",
    tag=TAG,
    calls=notification_template_admin.delete_notification_template,
)
def delete_notification_template(who: Identity, kind: str, language: str) -> NotificationTemplateView:
    return call(notification_template_admin.delete_notification_template, who, kind, language)


@http_function(
    bp,
    "POST",
    _TEMPLATE_ROUTE + "/preview",
    summary="A proposed notification template rendered against sample data (admins)",
    tag=TAG,
    calls=notification_template_admin.preview_notification_template,
)
def preview_notification_template(
    who: Identity, kind: str, language: str, request: NotificationTemplatePreview
) -> Rendered:
    return call(notification_template_admin.preview_notification_template, who, kind, language, request)


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
