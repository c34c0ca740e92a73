"""Moderators: a hearing's owner and reviewers are told when responses wait for review longer than
``PORTAL_REVIEW_WAIT_HOURS``.

An hourly timer finds the responses past the limit. They are told once per set of newly overdue
responses: the same waiting responses are not announced again every hour, and a response that passes
the limit later is. Which responses were announced is kept per hearing beside the deadline warnings;
the message is named by the new responses, so a run that stops between sending and keeping the mark
sends nothing twice when it runs again.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from shared.domain.base import format_instant
from shared.domain.hearing import Hearing, HearingStatus
from shared.domain.response import ResponseStatus
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Filter
from shared.ports.mail import Mailer
from shared.ports.vault import PersonalDataVault
from shared.services import notification_templates as templates
from shared.services.notifications import send_notification, staff_recipient
from shared.services.repositories import HearingRepository, ResponseRepository
from shared.services.template_overrides import stored_overrides
from shared.services.web_links import web_base_url
from shared.settings import Settings

_TOLD = ("review-waits",)  # partition in the subscriptions container: per hearing, the responses announced
_MODERATED = (HearingStatus.ACTIVE, HearingStatus.AWAITING_CONCLUSION)


def tell_of_waiting_responses(
    *, documents: DocumentStore, mailer: Mailer, vault: PersonalDataVault, clock: Clock, settings: Settings
) -> int:
    """Hourly timer: returns how many messages were sent."""
    if settings.review_wait_hours == 0:
        return 0
    now = clock.now()
    limit = now - timedelta(hours=settings.review_wait_hours)
    sent = 0
    for status in _MODERATED:
        for loaded in list(HearingRepository(documents).each(Filter("status", "=", status.value))):
            sent += _tell(
                loaded.model,
                limit,
                now,
                documents=documents,
                mailer=mailer,
                vault=vault,
                clock=clock,
                settings=settings,
            )
    return sent


def overdue_responses(documents: DocumentStore, hearing_id: str, limit: datetime) -> list[str]:
    """The ids of the hearing's responses waiting for review since before ``limit``: since their
    current version arrived, as an edited response waits anew."""
    waiting = ResponseRepository(documents).each(
        hearing_id,
        Filter("status", "=", ResponseStatus.AWAITING_REVIEW.value),
        Filter("receivedAt", "<=", format_instant(limit)),
    )
    return sorted(response.id for response in waiting if (response.version_at or response.received_at) <= limit)


def _tell(
    hearing: Hearing,
    limit: datetime,
    now: datetime,
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> int:
    overdue = overdue_responses(documents, hearing.id, limit)
    stored = documents.read("subscriptions", _TOLD, hearing.id)
    told = set(stored.body.get("responses", [])) if stored else set()
    new = [response_id for response_id in overdue if response_id not in told]
    if not new:
        if told and told != set(overdue):  # reviewed since: forget them, so a marker stays small
            _keep(documents, hearing.id, overdue, now)
        return 0
    about = "review-waiting:" + hashlib.sha256("\n".join(new).encode()).hexdigest()[:24]
    context = templates.ReviewWaiting(
        hearing=templates.HearingRef(id=hearing.id, title=hearing.title),
        waiting=len(overdue),
        hours=settings.review_wait_hours,
    )
    sent = 0
    overrides = stored_overrides(documents)
    for person in dict.fromkeys([hearing.owner, *hearing.reviewers]):
        recipient = staff_recipient(documents, person)
        if recipient is None:
            continue
        rendered = templates.render(
            context, language=recipient.language, web_base_url=web_base_url(settings), overrides=overrides
        )
        record = send_notification(
            hearing.id,
            about,
            recipient,
            rendered,
            documents=documents,
            mailer=mailer,
            vault=vault,
            clock=clock,
            settings=settings,
        )
        sent += int(record.delivery.attempts == 1 and record.delivery.state == "sent" and record.created_at == now)
    _keep(documents, hearing.id, overdue, now)  # after sending: a crash before it resends under the same names
    return sent


def _keep(documents: DocumentStore, hearing_id: str, responses: list[str], now: datetime) -> None:
    body = {"id": hearing_id, "target": _TOLD[0], "responses": responses, "at": format_instant(now)}
    documents.upsert("subscriptions", _TOLD, body)
