"""Digests: followers who asked for a daily or weekly digest, and the owners' daily digest.

What a digest follower would have been told is kept as an item beside their follows (partition
``digest:<subject>``). A timer runs every hour and sends at ``PORTAL_DIGEST_HOUR`` Copenhagen time
(NCRONTAB runs in UTC, which moves against Copenhagen twice a year); the digest's notification id
names the person and the day, so a second run in the same hour, or a redelivery, sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from shared.domain.base import COPENHAGEN, PortalModel, format_instant
from shared.domain.hearing import Hearing, HearingStatus, JournalisingState
from shared.domain.notice import Recipient
from shared.domain.preferences import Frequency, Preferences
from shared.domain.response import ResponseStatus
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Filter, Query
from shared.ports.mail import Mailer
from shared.ports.vault import PersonalDataVault
from shared.services import notification_templates as templates
from shared.services.repositories import HearingRepository, ResponseRepository
from shared.services.template_overrides import stored_overrides
from shared.services.web_links import web_base_url
from shared.settings import Settings

SUBSCRIPTIONS = "subscriptions"
DIGESTS = "digests"  # the delivery records' partition for digests, which span hearings
_ITEM = "digest-item"


class DigestEntry(PortalModel):
    id: str
    target: str  # "digest:<subject>"
    kind: str = _ITEM
    recipient: Recipient
    hearing_id: str
    hearing_title: str
    summary: str
    happened_at: datetime


def collect(
    documents: DocumentStore, recipient: Recipient, hearing: Hearing, event_id: str, summary: str, now: datetime
) -> None:
    """Keep one event for a follower's next digest (the event id keeps a redelivery to one item)."""
    entry = DigestEntry(
        id=event_id,
        target=f"digest:{recipient.person}",
        recipient=recipient,
        hearing_id=hearing.id,
        hearing_title=hearing.title,
        summary=summary,
        happened_at=now,
    )
    documents.upsert(SUBSCRIPTIONS, (entry.target,), entry.to_document())


def digest_due(now: datetime, settings: Settings) -> bool:
    return now.astimezone(COPENHAGEN).hour == settings.digest_hour


def send_digests(
    *, documents: DocumentStore, mailer: Mailer, vault: PersonalDataVault, clock: Clock, settings: Settings
) -> int:
    """Hourly timer: at the digest hour, followers' digests (weekly ones on Mondays) and owners' digests."""
    now = clock.now()
    if not digest_due(now, settings):
        return 0
    return send_follower_digests(
        now, documents=documents, mailer=mailer, vault=vault, clock=clock, settings=settings
    ) + send_owner_digests(now, documents=documents, mailer=mailer, vault=vault, clock=clock, settings=settings)


def send_follower_digests(
    now: datetime,
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> int:
    from shared.services.notifications import send_notification

    day = now.astimezone(COPENHAGEN).date()
    entries: dict[str, list[DigestEntry]] = defaultdict(list)
    page = documents.query(SUBSCRIPTIONS, Query(filters=(Filter("kind", "=", _ITEM),), limit=5000))
    for item in page.items:
        entry = DigestEntry.model_validate(item.body)
        entries[entry.recipient.person].append(entry)
    sent = 0
    for person, items in entries.items():
        recipient = items[0].recipient
        weekly = recipient.frequency is Frequency.WEEKLY
        if weekly and day.weekday() != 0:
            continue
        digest = templates.Digest(
            period="weekly" if weekly else "daily",
            items=[
                templates.DigestItem(
                    hearing=templates.HearingRef(id=e.hearing_id, title=e.hearing_title),
                    happened_at=e.happened_at,
                    summary=e.summary,
                )
                for e in items
            ],
        )
        rendered = templates.render(
            digest, language=recipient.language, web_base_url=_web(settings), overrides=stored_overrides(documents)
        )
        record = send_notification(
            DIGESTS,
            f"digest:{person}:{day.isoformat()}",
            recipient,
            rendered,
            documents=documents,
            mailer=mailer,
            vault=vault,
            clock=clock,
            settings=settings,
        )
        sent += int(record.delivery.attempts == 1 and record.delivery.state == "sent")
        for entry in items:  # the digest record keeps the message; the items are told
            documents.delete(SUBSCRIPTIONS, (entry.target,), entry.id)
    return sent


def send_owner_digests(
    now: datetime,
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> int:
    """Owners: new responses in the last day, responses waiting for review, deadlines within the
    warning window; sent only when there is something to say, and only to owners with an address."""
    from shared.services.notifications import send_notification

    day = now.astimezone(COPENHAGEN).date()
    since = now - timedelta(days=1)
    soon = now + timedelta(days=max(1, settings.deadline_warning_days))
    by_owner: dict[str, list[templates.DigestItem]] = defaultdict(list)
    responses = ResponseRepository(documents)
    for status in (HearingStatus.ACTIVE, HearingStatus.AWAITING_CONCLUSION):
        for loaded in HearingRepository(documents).each(Filter("status", "=", status.value)):
            hearing = loaded.model
            ref = templates.HearingRef(id=hearing.id, title=hearing.title)
            new = sum(1 for _ in responses.each(hearing.id, Filter("receivedAt", ">=", format_instant(since))))
            waiting = sum(
                1 for _ in responses.each(hearing.id, Filter("status", "=", ResponseStatus.AWAITING_REVIEW.value))
            )
            lines = []
            if new:
                lines.append(f"{new} nye høringssvar")
            if waiting:
                lines.append(f"{waiting} høringssvar venter på gennemsyn")
            if hearing.deadline and now < hearing.deadline <= soon:
                lines.append("Høringsfristen er nær")
            for line in lines:
                by_owner[hearing.owner].append(templates.DigestItem(hearing=ref, happened_at=now, summary=line))
    # Journalising that keeps failing is the owner's to know about (the sweep retries it meanwhile), and so
    # is one stopped by a conflict in the records system, which waits for a person.
    not_journalised = (Filter("status", "=", HearingStatus.CONCLUDED.value), Filter("journalisedAt", "=", None))
    for loaded in HearingRepository(documents).each(*not_journalised):
        hearing, state = loaded.model, loaded.model.journalising
        if state is not None and state.state is JournalisingState.FAILING:
            line = f"Journaliseringen fejler ({state.attempts} forsøg); den prøves igen automatisk"
        elif state is not None and state.state is JournalisingState.CONFLICT:
            line = (
                "Journaliseringen er standset: sagen i journalsystemet har allerede en anden udgave af et af "
                "høringens dokumenter. Journalisten skal sammenligne dem, før du prøver igen"
            )
        else:
            continue
        ref = templates.HearingRef(id=hearing.id, title=hearing.title)
        by_owner[hearing.owner].append(templates.DigestItem(hearing=ref, happened_at=now, summary=line))
    sent = 0
    for owner, items in by_owner.items():
        stored = documents.read(SUBSCRIPTIONS, (Preferences.partition_of(owner),), "preferences")
        preferences = Preferences.model_validate(stored.body) if stored else None
        if preferences is None or not preferences.address:
            continue  # an owner the portal has no address for reads the same in the portal
        recipient = Recipient(
            person=owner, channel=preferences.reach_channel, address=preferences.address, language=preferences.language
        )
        rendered = templates.render(
            templates.Digest(period="daily", items=items),
            language=recipient.language,
            web_base_url=_web(settings),
            overrides=stored_overrides(documents),
        )
        record = send_notification(
            DIGESTS,
            f"owner-digest:{owner}:{day.isoformat()}",
            recipient,
            rendered,
            documents=documents,
            mailer=mailer,
            vault=vault,
            clock=clock,
            settings=settings,
        )
        sent += int(record.delivery.state == "sent")
    return sent


def _web(settings: Settings) -> str:
    return web_base_url(settings)
