"""Telling people what happened, in two steps, so one hearing with 100,000 followers scales out.

1. ``fan_out`` (consumer of hearing-events) pages the followers of what the event is about, keeps
   one entry per person (a person who follows a hearing and its area is told once), drops those who
   may no longer see the hearing, and publishes the recipients in batches to notification-batches.
2. ``send_batch`` (consumer of notification-batches) renders each message once per language, and
   gives every recipient their own delivery record and attempt: a failing recipient is retried
   with backoff by ``retry_deliveries`` and does not hold back the others.

Notification ids are deterministic (event and person), and a delivery record is created before its
first attempt, so a redelivered queue message finds the records it made and sends nothing twice.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html as html_lib
import logging
import math
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from shared.domain.base import PortalModel, format_instant
from shared.domain.delivery import Delivery, DeliveryState
from shared.domain.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound, raises
from shared.domain.hearing import EventKind, Hearing, HearingStatus, Visibility
from shared.domain.identity import Identity
from shared.domain.invitation import InviteeKind
from shared.domain.notice import DeliveryRecord, Recipient, UnsubscribeClaim, unsubscribe_token
from shared.domain.preferences import Frequency, Preferences
from shared.domain.subscription import Subscription, TargetKind, target_key
from shared.ports.clock import Clock
from shared.ports.documents import BATCH_LIMIT, DocumentExists, DocumentStore, Filter, Query
from shared.ports.mail import (
    Attachment,
    DeliveryError,
    Language,
    Mailer,
    Notification,
    RetryLater,
    Undeliverable,
    Unsubscribe,
)
from shared.ports.messages import MessageBus, OutgoingMessage
from shared.ports.signing import ReceiptSigner
from shared.ports.vault import PersonalDataVault
from shared.services import notification_templates as templates
from shared.services import queues
from shared.services.closing_tree_heads import publish_closing_tree_head
from shared.services.guards import managed_hearing
from shared.services.repositories import HearingRepository, ReferenceRepository, SubscriptionRepository
from shared.services.template_overrides import stored_overrides
from shared.services.unit_of_work import UnitOfWork
from shared.services.viewers import viewer_of
from shared.services.web_links import unsubscribe_page, web_base_url
from shared.settings import Settings

log = logging.getLogger(__name__)

DELIVERIES = "deliveries"
# Rendered once per language in a batch; each recipient's own unsubscribe link replaces it.
_UNSUBSCRIBE_SLOT = "https://unsubscribe.invalid/slot"

# What a changed field is called in a message, per language.
_FIELD_NAMES: dict[str, dict[str, str]] = {
    "da": {
        "title": "Titlen er ændret.",
        "summary": "Resuméet er ændret.",
        "body": "Høringsteksten er ændret.",
        "deadline": "Høringsfristen er flyttet.",
        "visibility": "Hvem der kan se høringen, er ændret.",
        "subjectAreaIds": "Emnerne er ændret.",
        "cityAreaIds": "Bydelene er ændret.",
        "kle": "KLE-nummeret er ændret.",
        "reviewers": "Sagsbehandlerne er ændret.",
        "invitees": "De inviterede er ændret.",
        "documents": "Der er nye dokumenter.",
    },
    "en": {
        "title": "The title has changed.",
        "summary": "The summary has changed.",
        "body": "The hearing text has changed.",
        "deadline": "The deadline has moved.",
        "visibility": "Who can see the hearing has changed.",
        "subjectAreaIds": "The subject areas have changed.",
        "cityAreaIds": "The city areas have changed.",
        "kle": "The KLE number has changed.",
        "reviewers": "The caseworkers have changed.",
        "invitees": "The invitees have changed.",
        "documents": "There are new documents.",
    },
}
_SOMETHING_CHANGED = {"da": "Høringen er opdateret.", "en": "The hearing has been updated."}


class Batch(PortalModel):
    """What the event consumer hands the sending consumer: one event, some recipients."""

    hearing_id: str
    event_id: str
    kind: EventKind
    fields: list[str] = Field(default_factory=list)
    recipients: list[Recipient]


# -- step 1: who is told ---------------------------------------------------------------------------


def fan_out(
    hearing_id: str,
    event_id: str,
    kind: EventKind,
    fields: Iterable[str] = (),
    *,
    documents: DocumentStore,
    bus: MessageBus,
    settings: Settings,
    signer: ReceiptSigner,
    clock: Clock,
) -> int:
    """Queue consumer of hearing-events: the recipients of one event, published in batches.

    Returns how many recipients were handed on. Running it again publishes the same batch ids,
    which the queue drops, and a batch that does get through twice finds its delivery records.
    """
    if kind in (EventKind.CLOSED, EventKind.CONCLUDED):  # the receipt log's tree head at the close
        publish_closing_tree_head(hearing_id, documents=documents, signer=signer, clock=clock)
    loaded = HearingRepository(documents).get(hearing_id)
    if loaded is None or kind is EventKind.CLOSED:  # closing is news for the owner's digest only
        return 0
    hearing = loaded.model
    handed = 0
    batch: list[Recipient] = []
    if kind is EventKind.REVIEWER_ADDED:
        recipients = added_reviewers(documents, hearing, fields)
    else:
        recipients = recipients_of(documents, hearing, kind)
    for recipient in recipients:
        batch.append(recipient)
        if len(batch) >= settings.notification_batch_size:
            handed += _publish_batch(bus, hearing_id, event_id, kind, list(fields), batch)
            batch = []
    if batch:
        handed += _publish_batch(bus, hearing_id, event_id, kind, list(fields), batch)
    if kind is EventKind.CANCELLED:
        _end_follows(documents, hearing_id)
    return handed


def recipients_of(documents: DocumentStore, hearing: Hearing, kind: EventKind) -> Iterator[Recipient]:
    """Everyone to tell of ``kind``, once per person, who may still see the hearing."""
    # A cancelled hearing is hidden again, but those who could see it while it was published are told.
    shown = hearing.model_copy(update={"status": HearingStatus.SCHEDULED}) if kind is EventKind.CANCELLED else hearing
    audience = set(shown.access_keys)
    seen: set[str] = set()
    follower_keys: set[str] = set()
    invitees_too = kind is EventKind.OPENED and hearing.visibility is Visibility.CLOSED
    repository = SubscriptionRepository(documents)
    for target in _targets(hearing, kind):
        for subscription in repository.followers(target):
            if subscription.subscriber in seen:
                continue  # one notice per person, however many of their follows the event touches
            if audience.isdisjoint(subscription.viewer_keys):
                continue  # nobody is told about a hearing they may not see (any more)
            if hearing.visibility is not Visibility.EXTERNAL and subscription.target_kind is not TargetKind.HEARING:
                continue  # area followers hear about public hearings only
            seen.add(subscription.subscriber)
            if invitees_too:
                follower_keys.update(subscription.viewer_keys)
            yield _follower(subscription)
    if invitees_too:
        for invitee in hearing.invitees:
            if invitee.match_key in follower_keys:
                continue  # an invitee who also follows the hearing was told above
            recipient = _invitee(invitee)
            if recipient is not None:
                yield recipient


def added_reviewers(documents: DocumentStore, hearing: Hearing, reviewers: Iterable[str]) -> Iterator[Recipient]:
    """The reviewers an event added who are still reviewers, where and in which language they were last
    reached; one the portal has no address for finds the hearing in the portal."""
    for reviewer in reviewers:
        if reviewer not in hearing.reviewers:
            continue  # removed again before the message went out
        recipient = staff_recipient(documents, reviewer)
        if recipient is not None:
            yield recipient


def staff_recipient(documents: DocumentStore, subject: str) -> Recipient | None:
    """An owner or reviewer as a recipient: where and in which language they were last reached, or None
    when the portal has no address for them (they find the same in the portal)."""
    stored = documents.read("subscriptions", (Preferences.partition_of(subject),), "preferences")
    preferences = Preferences.model_validate(stored.body) if stored else None
    if preferences is None or not preferences.address:
        return None
    return Recipient(
        person=subject, channel=preferences.reach_channel, address=preferences.address, language=preferences.language
    )


def _targets(hearing: Hearing, kind: EventKind) -> list[str]:
    targets = [target_key(TargetKind.HEARING, hearing.id)]
    if kind is EventKind.OPENED:  # a new hearing interests those who follow its areas
        targets += [target_key(TargetKind.SUBJECT_AREA, a) for a in hearing.subject_area_ids]
        targets += [target_key(TargetKind.CITY_AREA, a) for a in hearing.city_area_ids]
        if hearing.kle:  # those who follow a KLE group hear about every number in it
            targets += [target_key(TargetKind.KLE, kle) for kle in hearing.kle.lineage]
    return targets


def _follower(subscription: Subscription) -> Recipient:
    return Recipient(
        person=subscription.subscriber,
        channel="email" if subscription.channel == "email" else "digital-post",
        address=subscription.address,
        language=subscription.language,
        subscriber=subscription.subscriber,
        target=subscription.target,
        frequency=subscription.frequency,
    )


def _invitee(invitee: Any) -> Recipient | None:
    """Invitees of a closed hearing: e-mail, or Digital Post by CPR (sealed) or CVR."""
    if invitee.kind is InviteeKind.EMAIL and invitee.sealed:
        channel, address = "email", f"sealed:{invitee.sealed}"  # unsealed when it is sent
    elif invitee.kind is InviteeKind.CPR and invitee.sealed:
        channel, address = "digital-post", f"cpr-sealed:{invitee.sealed}"
    elif invitee.kind is InviteeKind.CVR:
        channel, address = "digital-post", f"cvr:{invitee.label}"
    else:
        return None  # a portal user id: they see the hearing in their list, there is no address
    return Recipient(person=invitee.match_key, channel=channel, address=address)


def _publish_batch(
    bus: MessageBus, hearing_id: str, event_id: str, kind: EventKind, fields: list[str], recipients: list[Recipient]
) -> int:
    # Named by its recipients: the same batch worked out again is dropped by the queue.
    names = hashlib.sha256("\n".join(r.person for r in recipients).encode()).hexdigest()[:24]
    batch = Batch(hearing_id=hearing_id, event_id=event_id, kind=kind, fields=fields, recipients=recipients)
    bus.publish(
        queues.NOTIFICATION_BATCHES,
        OutgoingMessage(message_id=f"{event_id}:{names}", subject=kind.value, body=batch.to_document()),
    )
    return len(recipients)


def _end_follows(documents: DocumentStore, hearing_id: str) -> None:
    """A cancelled hearing has nothing more to tell: its follows end once everyone was told."""
    repository = SubscriptionRepository(documents)
    for subscription in list(repository.followers(target_key(TargetKind.HEARING, hearing_id))):
        repository.remove(subscription)


# -- step 2: telling each of them -----------------------------------------------------------------


def send_batch(
    body: dict[str, Any],
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> int:
    """Queue consumer of notification-batches: one delivery per recipient. Returns how many were sent now."""
    batch = Batch.model_validate(body)
    loaded = HearingRepository(documents).get(batch.hearing_id)
    if loaded is None:
        return 0
    messages = EventMessages(
        loaded.model, batch.kind, batch.fields, batch.event_id, clock.now(), settings, stored_overrides(documents)
    )
    partition = (batch.hearing_id,)
    now_ones: list[Recipient] = []
    for recipient in batch.recipients:
        if recipient.frequency is not Frequency.IMMEDIATELY and recipient.subscriber:
            _collect_for_digest(documents, loaded.model, batch, recipient, messages, clock.now())
        else:
            now_ones.append(recipient)
    sent = 0
    # Records are written a chunk at a time: one transaction makes them, one records their outcomes,
    # instead of two writes per recipient. The price: a crash between a send and its recorded outcome
    # leaves up to one chunk queued, which the retry sweep hands the channel again under the same
    # notification ids (the channels drop ids they took; one that kept no mark would resend up to a
    # chunk). A redelivered message finds its records and sends nothing already recorded.
    for start in range(0, len(now_ones), BATCH_LIMIT):
        records = [
            DeliveryRecord.new(
                batch.hearing_id,
                batch.event_id,
                messages.template_for(recipient),
                recipient,
                clock.now(),
                params={"fields": batch.fields, "kind": batch.kind.value},
            )
            for recipient in now_ones[start : start + BATCH_LIMIT]
        ]
        made = documents.create_many(DELIVERIES, partition, [record.to_document() for record in records])
        outcomes: list[DeliveryRecord] = []
        for record, etag in zip(records, made, strict=True):
            if etag is None:
                continue  # made by an earlier delivery of this batch; the retry sweep owns it now
            outcome, sent_now = _tried(mailer, vault, clock, record, messages.notification(record, settings))
            outcomes.append(outcome)
            sent += sent_now
        documents.upsert_many(DELIVERIES, partition, [outcome.to_document() for outcome in outcomes])
    return sent


def send_notification(
    hearing_id: str,
    about: str,
    recipient: Recipient,
    message: templates.Rendered,
    attachments: tuple[Attachment, ...] = (),
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> DeliveryRecord:
    """Send one rendered message to one person with delivery tracking (meetings, moderation, intake).

    ``about`` names the message (e.g. ``"<meeting id>:invitation:3"``): the same ``about`` to the same
    person is one notification, sent once. Failures are retried with backoff by ``retry_deliveries``.
    """
    now = clock.now()
    record = DeliveryRecord.new(hearing_id, about, "rendered", recipient, now)
    record = record.model_copy(
        update={
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
            "attachments": [
                {"filename": a.filename, "contentType": a.content_type, "data": base64.b64encode(a.data).decode()}
                for a in attachments
            ],
        }
    )
    try:
        documents.create(DELIVERIES, (hearing_id,), record.to_document())
    except DocumentExists:
        stored = documents.read(DELIVERIES, (hearing_id,), record.id)
        return DeliveryRecord.model_validate(stored.body) if stored else record
    _attempt(documents, mailer, vault, clock, record, _stored_notification(record, settings))
    stored = documents.read(DELIVERIES, (hearing_id,), record.id)
    return DeliveryRecord.model_validate(stored.body) if stored else record


def retry_deliveries(
    *, documents: DocumentStore, mailer: Mailer, vault: PersonalDataVault, clock: Clock, settings: Settings
) -> int:
    """Timer: deliveries whose next attempt is due are tried again. Returns how many were sent."""
    now = clock.now()
    query = Query(
        filters=(Filter("state", "=", DeliveryState.QUEUED.value), Filter("nextAttemptAt", "<=", format_instant(now))),
        order_by="nextAttemptAt",
        limit=200,
    )
    hearings: dict[str, Hearing | None] = {}
    sent = 0
    for item in documents.query(DELIVERIES, query).items:
        record = DeliveryRecord.model_validate(item.body)
        if record.subject is not None:
            notification = _stored_notification(record, settings)
        else:
            if record.hearing_id not in hearings:
                found = HearingRepository(documents).get(record.hearing_id)
                hearings[record.hearing_id] = found.model if found else None
            hearing = hearings[record.hearing_id]
            if hearing is None:
                failed = record.moved_on(
                    record.delivery.attempt_failed("the hearing is gone", now, permanent=True), now
                )
                documents.upsert(DELIVERIES, (record.hearing_id,), failed.to_document())
                continue
            kind = EventKind(record.params.get("kind", EventKind.CHANGED.value))
            fields = list(record.params.get("fields", []))
            messages = EventMessages(hearing, kind, fields, record.about, now, settings, stored_overrides(documents))
            notification = messages.notification(record, settings)
        sent += _attempt(documents, mailer, vault, clock, record, notification)
    return sent


def _attempt(
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    record: DeliveryRecord,
    notification: Notification,
) -> int:
    """One attempt; its outcome is written to the record."""
    outcome, sent_now = _tried(mailer, vault, clock, record, notification)
    documents.upsert(DELIVERIES, (record.hearing_id,), outcome.to_document())
    return sent_now


def _tried(
    mailer: Mailer, vault: PersonalDataVault, clock: Clock, record: DeliveryRecord, notification: Notification
) -> tuple[DeliveryRecord, int]:
    """One attempt: the record with its outcome (for the caller to write) and how many were sent.
    Reasons name codes, never the address."""
    now = clock.now()
    delivery: Delivery
    sent_now = 0
    try:
        sent_now = int(mailer.send(_unsealed(notification, vault)))
        delivery = record.delivery.sent()
    except RetryLater as error:
        delivery = record.delivery.deferred(timedelta(seconds=error.after), now, str(error))
    except Undeliverable as error:
        delivery = record.delivery.attempt_failed(str(error), now, permanent=True)
    except DeliveryError as error:
        delivery = record.delivery.attempt_failed(str(error), now)
    except Exception as error:  # a channel's bug must not stop the batch; the type says enough
        log.warning("notification %s failed with %s", record.id, type(error).__name__)
        delivery = record.delivery.attempt_failed(f"the channel failed ({type(error).__name__})", now)
    return record.moved_on(delivery, now), sent_now


def _unsealed(notification: Notification, vault: PersonalDataVault) -> Notification:
    # An invitee's e-mail address is kept sealed until the moment it is sent.
    if notification.recipient.startswith("sealed:"):
        from dataclasses import replace

        return replace(notification, recipient=vault.unseal(notification.recipient.removeprefix("sealed:")))
    return notification


def _stored_notification(record: DeliveryRecord, settings: Settings) -> Notification:
    recipient = record.recipient
    return Notification(
        notification_id=record.id,
        channel=recipient.channel,
        recipient=recipient.address,
        subject=record.subject or "",
        text=record.text or "",
        html=record.html or "",
        language=recipient.language,
        unsubscribe=_unsubscribe(recipient, settings),
        attachments=tuple(
            Attachment(a["filename"], a["contentType"], base64.b64decode(a["data"])) for a in record.attachments
        ),
    )


# -- rendering ----------------------------------------------------------------------------------


class EventMessages:
    """The messages of one event, rendered once per language and template."""

    def __init__(
        self,
        hearing: Hearing,
        kind: EventKind,
        fields: list[str],
        event_id: str,
        now: datetime,
        settings: Settings,
        overrides: templates.Overrides,  # the templates admins stored
    ) -> None:
        self.hearing, self.kind, self.fields, self.event_id, self.now = hearing, kind, fields, event_id, now
        self._web = web_base_url(settings)
        self._rendered: dict[tuple[str, str, bool], templates.Rendered] = {}
        self.overrides = overrides

    def template_for(self, recipient: Recipient) -> str:
        if self.kind is EventKind.OPENED and recipient.subscriber is None:
            return templates.InviteeOpened.template
        return _TEMPLATE_OF[self.kind]

    def rendered(self, template: str, language: Language, follower: bool) -> templates.Rendered:
        key = (template, language, follower)
        found = self._rendered.get(key)
        if found is None:
            context = self.context(template, language, _UNSUBSCRIBE_SLOT if follower else None)
            found = self._rendered[key] = templates.render(
                context, language=language, web_base_url=self._web, overrides=self.overrides
            )
        return found

    def context(self, template: str, language: Language, unsubscribe_url: str | None) -> templates.MessageContext:
        hearing = self.hearing
        ref = templates.HearingRef(id=hearing.id, title=hearing.title)
        base: dict[str, Any] = {"hearing": ref, "unsubscribe_url": unsubscribe_url}
        model = templates.TEMPLATES[template]
        if template in (templates.NewHearing.template, templates.InviteeOpened.template):
            base |= {"summary": hearing.summary, "deadline": hearing.deadline}
        elif template == templates.ChangedHearing.template:
            names = _FIELD_NAMES[language]
            base["changes"] = [names[f] for f in self.fields if f in names] or [_SOMETHING_CHANGED[language]]
        elif template == templates.DeadlineSoon.template:
            left = (hearing.deadline - self.now) if hearing.deadline else timedelta()
            base |= {"deadline": hearing.deadline, "days": max(0, math.ceil(left / timedelta(days=1)))}
        elif template == templates.Concluded.template:
            base["conclusion"] = hearing.conclusion or ""
        own = hearing.notification_text.in_language(language) if hearing.notification_text else None
        if own is not None and template in OWN_WORDS_IN:
            base |= {"subject_name": own.subject, "introduction": own.introduction}
        context = model.model_validate(base)
        assert isinstance(context, templates.MessageContext)
        return context

    def notification(self, record: DeliveryRecord, settings: Settings) -> Notification:
        recipient = record.recipient
        follower = recipient.subscriber is not None
        rendered = self.rendered(record.template, recipient.language, follower)
        unsubscribe = _unsubscribe(recipient, settings)
        text, html = rendered.text, rendered.html
        if unsubscribe is not None and unsubscribe.url:
            text = text.replace(_UNSUBSCRIBE_SLOT, unsubscribe.url)
            html = html.replace(_UNSUBSCRIBE_SLOT, html_lib.escape(unsubscribe.url))
        return Notification(
            notification_id=record.id,
            channel=recipient.channel,
            recipient=recipient.address,
            subject=rendered.subject,
            text=text,
            html=html,
            language=recipient.language,
            unsubscribe=unsubscribe,
        )


_TEMPLATE_OF = {
    EventKind.OPENED: templates.NewHearing.template,
    EventKind.CHANGED: templates.ChangedHearing.template,
    EventKind.DEADLINE_SOON: templates.DeadlineSoon.template,
    EventKind.CONCLUDED: templates.Concluded.template,
    EventKind.CANCELLED: templates.Cancelled.template,
    EventKind.REVIEWER_ADDED: templates.ReviewerAdded.template,
}


# The notices about the hearing itself, where the owner's subject and introduction appear.
OWN_WORDS_IN = frozenset(
    {template for kind, template in _TEMPLATE_OF.items() if kind is not EventKind.REVIEWER_ADDED}
    | {templates.InviteeOpened.template}
)


def _unsubscribe(recipient: Recipient, settings: Settings) -> Unsubscribe | None:
    if recipient.subscriber is None:
        return None  # invitees and respondents are told what concerns them; there is nothing to stop
    claim = UnsubscribeClaim(subscriber=recipient.subscriber, target=recipient.target or "*")
    token = unsubscribe_token(unsubscribe_key(settings), claim)
    return Unsubscribe(url=unsubscribe_page(web_base_url(settings), token))


def unsubscribe_key(settings: Settings) -> bytes:
    """The unsubscribe links' HMAC key: its own setting, or derived from the personal data key (HKDF)."""
    if settings.unsubscribe_key is not None:
        return settings.unsubscribe_key.get_secret_value().encode()
    return _derived_key(settings.personal_data_key or "development only: no personal data key is set")


@functools.lru_cache(maxsize=4)  # derived once per process, not once per recipient
def _derived_key(secret: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    # A separate key for a separate purpose: a leaked link key says nothing about the sealing key.
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"hearing-portal unsubscribe links")
    return hkdf.derive(secret.encode())


# -- delivery status for the owner -------------------------------------------------------------


class DeliveryView(PortalModel):
    id: str
    recipient: str  # masked
    channel: str
    template: str
    state: DeliveryState
    attempts: int
    reason: str | None = None
    next_attempt_at: datetime | None = None
    updated_at: datetime


class DeliveryPage(PortalModel):
    items: list[DeliveryView]
    continuation: str | None = None


@raises(NotAuthenticated, Forbidden, NotFound, InvalidInput)
def hearing_deliveries(
    who: Identity | None,
    hearing_id: str,
    limit: int = 100,
    continuation: str | None = None,
    *,
    documents: DocumentStore,
    vault: PersonalDataVault,
) -> DeliveryPage:
    """The owner (and admins) see each recipient's delivery: queued, sent, failed with a reason."""
    managed_hearing(documents, viewer_of(who, vault), hearing_id)
    try:
        page = documents.query(
            DELIVERIES, Query(partition=(hearing_id,), order_by="id", limit=limit, continuation=continuation)
        )
    except ValueError as error:
        raise InvalidInput("not a continuation token from a previous page", field="continuation") from error
    items = []
    for item in page.items:
        record = DeliveryRecord.model_validate(item.body)
        items.append(
            DeliveryView(
                id=record.id,
                recipient=record.shown_recipient,
                channel=record.recipient.channel,
                template=record.template,
                state=record.delivery.state,
                attempts=record.delivery.attempts,
                reason=record.delivery.last_error,
                next_attempt_at=record.delivery.next_attempt_at,
                updated_at=record.updated_at,
            )
        )
    return DeliveryPage(items=items, continuation=page.continuation)


def _collect_for_digest(
    documents: DocumentStore,
    hearing: Hearing,
    batch: Batch,
    recipient: Recipient,
    messages: EventMessages,
    now: datetime,
) -> None:
    from shared.services.digests import collect

    rendered = messages.rendered(messages.template_for(recipient), recipient.language, follower=False)
    collect(documents, recipient, hearing, batch.event_id, rendered.subject, now)


# -- deadline near ------------------------------------------------------------------------------

_WARNINGS = ("deadline-warnings",)  # partition in the subscriptions container: one marker per deadline


def warn_deadlines(*, documents: DocumentStore, bus: MessageBus, clock: Clock, settings: Settings) -> int:
    """Timer: record "deadline in N days" for active hearings whose deadline is that close, once per
    deadline (the marker and the event are named by it, so a moved deadline warns again). N is the
    hearing type's ``deadline_warning_days``; a hearing whose type is gone uses the setting."""
    days_of = {template.id: template.deadline_warning_days for template in ReferenceRepository(documents).templates()}
    longest = max([settings.deadline_warning_days, *days_of.values()])
    if longest == 0:
        return 0
    now = clock.now()
    warned = 0
    candidates = HearingRepository(documents).each(
        Filter("status", "in", [HearingStatus.SCHEDULED.value, HearingStatus.ACTIVE.value]),
        Filter("deadline", "<=", format_instant(now + timedelta(days=longest))),
    )
    for loaded in list(candidates):
        hearing = loaded.model
        days = days_of.get(hearing.template_id, settings.deadline_warning_days)
        if hearing.deadline is None or hearing.deadline <= now or days == 0:
            continue
        if hearing.deadline > now + timedelta(days=days):
            continue  # its type warns later than the longest warning of all types
        marker = f"{hearing.id}:{format_instant(hearing.deadline)}"
        if documents.read("subscriptions", _WARNINGS, marker) is not None:
            continue
        with UnitOfWork(documents, bus) as uow:
            current = uow.hearings.require(hearing.id)
            if current.model.warn_deadline(now) is None:
                continue
            uow.save(current)
            uow.commit()
        # After the event: a crash in between records the same event id again, which the queue drops.
        documents.upsert("subscriptions", _WARNINGS, {"id": marker, "target": _WARNINGS[0], "at": format_instant(now)})
        warned += 1
    return warned
