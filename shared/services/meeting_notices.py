"""Telling attendees about their meeting: the messages a meeting's outbox holds, rendered and sent.

Every message leaves through ``send``: the one place to hand them to delivery tracking instead of
the mailer. A message's id comes from its notice, so sending the outbox again sends nothing twice.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from shared.domain.hearing import Hearing
from shared.domain.meeting import AttendeeStatus, Change, Meeting, Notice, NoticeKind
from shared.domain.text import without_controls
from shared.ports.documents import DocumentStore
from shared.ports.mail import Attachment, Mailer, Notification, Undeliverable
from shared.ports.vault import PersonalDataVault
from shared.services.meeting_calendar import MeetingEvent, Method, meeting_attachment
from shared.services.notification_templates import (
    HearingRef,
    MeetingCancelled,
    MeetingChanged,
    MeetingDetails,
    MeetingInvitation,
    MeetingReminder,
    MessageContext,
    Overrides,
    render,
    when,
)
from shared.services.repositories import Loaded, MeetingRepository
from shared.services.template_overrides import stored_overrides
from shared.services.web_links import web_base_url
from shared.settings import Settings

log = logging.getLogger(__name__)

_NOTIFICATION_NAMESPACE = uuid.UUID("5c1f2a7e-93d4-4b0a-8e61-2f7d9b3c4a18")


def send(notification: Notification, *, mailer: Mailer) -> bool:
    """Every meeting message leaves here: the one place to hand them to delivery tracking instead."""
    return mailer.send(notification)


def deliver(
    loaded: Loaded[Meeting],
    hearing: Hearing,
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    settings: Settings,
    now: datetime,
) -> int:
    """Send the notices waiting in the meeting's outbox, then empty it. A failure leaves them for the
    timer; every notice keeps its id, so what was sent before is not sent again."""
    meeting = loaded.model
    if not meeting.notices:
        return 0
    sent = 0
    try:
        # The admins' templates for meeting notices, as every other message takes them.
        overrides = stored_overrides(documents)
        for notice in meeting.notices:
            notification = _notification(
                meeting, hearing, notice, vault=vault, settings=settings, now=now, overrides=overrides
            )
            if notification is None:
                continue
            try:
                sent += send(notification, mailer=mailer)
            except Undeliverable:
                log.warning("meeting %s: notice %s cannot be delivered; dropped", meeting.id, notice.id)
        meeting.take_notices()
        MeetingRepository(documents).save(loaded)
    except Exception:
        # The change is stored and acknowledged; the timer sends what is left.
        log.warning("meeting %s: notices left for the timer", meeting.id, exc_info=True)
    return sent


def _notification(
    meeting: Meeting,
    hearing: Hearing,
    notice: Notice,
    *,
    vault: PersonalDataVault,
    settings: Settings,
    now: datetime,
    overrides: Overrides,
) -> Notification | None:
    person = meeting.person(notice.subject)
    if person is None:
        return None  # cancelled their sign-up since
    attending = meeting.status_of(person.subject) is AttendeeStatus.ATTENDING
    if notice.kind in (NoticeKind.INVITATION, NoticeKind.REMINDER, NoticeKind.CHANGED) and not attending:
        return None  # moved to the waiting list since
    # On one line: a title or place stored before line breaks were refused must not break the mail's subject.
    details = MeetingDetails(
        title=without_controls(meeting.title, multiline=False),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=without_controls(meeting.location or meeting.online_url or "", multiline=False),
    )
    ref = HearingRef(id=hearing.id, title=hearing.title)
    context: MessageContext
    method: Method | None = "REQUEST"
    if notice.kind is NoticeKind.INVITATION:
        context = MeetingInvitation(hearing=ref, meeting=details)
    elif notice.kind is NoticeKind.REMINDER:
        context = MeetingReminder(hearing=ref, meeting=details)
    elif notice.kind is NoticeKind.CHANGED:
        context = MeetingChanged(
            hearing=ref, meeting=details, changes=[_change_text(c, meeting) for c in notice.changes]
        )
    elif notice.kind is NoticeKind.WAITING:
        # No longer attending: the calendar entry goes, the place on the waiting list stays.
        position = meeting.waiting_position(person.subject) or 1
        text = f"Der er nu færre pladser. Du er flyttet til ventelisten som nummer {position}."
        context, method = MeetingChanged(hearing=ref, meeting=details, changes=[text]), "CANCEL"
    else:
        context = MeetingCancelled(hearing=ref, meeting=details)
        method = "CANCEL" if attending else None  # the waiting list never had the event
    rendered = render(context, language="da", web_base_url=web_base_url(settings), overrides=overrides)
    attachments: tuple[Attachment, ...] = ()
    if method is not None:
        event = calendar_event(meeting, settings, with_link=True)
        attachments = (meeting_attachment(event, method, now=now, domain=calendar_domain(settings)),)
    return Notification(
        notification_id=str(uuid.uuid5(_NOTIFICATION_NAMESPACE, notice.id)),
        channel=person.channel,
        recipient=vault.unseal(person.address) if person.channel == "email" else person.address,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=attachments,
    )


def _change_text(change: Change, meeting: Meeting) -> str:
    if change is Change.TITLE:
        return f"Ny titel: {without_controls(meeting.title, multiline=False)}"
    if change is Change.TIME:
        return f"Nyt tidspunkt: {when(meeting.starts_at, 'da')} til {when(meeting.ends_at, 'da')}"
    if change is Change.PLACE:
        return f"Nyt sted: {without_controls(meeting.location or meeting.online_url or '', multiline=False)}"
    if change is Change.ACCESSIBILITY:
        return f"Tilgængelighed: {meeting.accessibility or 'ingen oplysninger'}"
    return "Beskrivelsen af mødet er opdateret."


def calendar_event(meeting: Meeting, settings: Settings, *, with_link: bool) -> MeetingEvent:
    online = meeting.online_url if with_link else None
    description = "\n\n".join(p for p in (meeting.description, meeting.accessibility) if p)
    return MeetingEvent(
        meeting_id=meeting.id,
        hearing_id=meeting.hearing_id,
        title=meeting.title,
        description=description,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location or (None if online else "Online"),
        online_url=online,
        sequence=meeting.sequence,
        organizer_email=settings.mail_sender,
    )


def calendar_domain(settings: Settings) -> str:
    return urlsplit(settings.public_base_url).hostname or "hoeringsportal"
