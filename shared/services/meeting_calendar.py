"""A public meeting (borgermøde) as an iCalendar invitation or cancellation (RFC 5545, iTIP RFC 5546).

The UID is stable per meeting and SEQUENCE grows with every change, so a calendar program updates
the event it already has instead of adding another. Times are Copenhagen wall-clock times with
their VTIMEZONE, so the meeting stays at 19.00 whatever the recipient's own time zone does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from shared.domain.base import COPENHAGEN, Instant, PortalModel
from shared.domain.text import without_controls
from shared.ports.mail import Attachment

Method = Literal["REQUEST", "CANCEL"]
PRODUCT_ID = "-//Hearing portal//Public meetings//DA"


class MeetingEvent(PortalModel):
    """What a calendar needs of a meeting. ``sequence`` counts the changes made since it was announced."""

    meeting_id: str = Field(min_length=1)
    hearing_id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    starts_at: Instant
    ends_at: Instant
    location: str | None = None
    online_url: str | None = None
    sequence: int = Field(default=0, ge=0)
    organizer_email: str | None = None
    organizer_name: str | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> MeetingEvent:
        if self.ends_at <= self.starts_at:
            raise ValueError("a meeting ends after it starts")
        if not self.location and not self.online_url:
            raise ValueError("a meeting has a location or an online URL")
        return self


def meeting_uid(meeting_id: str, domain: str) -> str:
    return f"meeting-{meeting_id}@{domain}"


def meeting_ics(meeting: MeetingEvent, method: Method, *, now: datetime, domain: str) -> bytes:
    """The invitation (``REQUEST``: new or changed) or the cancellation (``CANCEL``) as ``.ics`` bytes."""
    from icalendar import Calendar, Event, vCalAddress, vText  # loaded when an invitation is made

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", meeting_uid(meeting.meeting_id, domain))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", meeting.starts_at.astimezone(COPENHAGEN))
    event.add("dtend", meeting.ends_at.astimezone(COPENHAGEN))
    # A text stored before control characters were refused is written out without them: a CR or LF in a
    # property would end it early, and icalendar refuses one in a URI.
    title, location = without_controls(meeting.title, multiline=False), _one_line(meeting.location)
    online_url = _one_line(meeting.online_url)
    event.add("summary", title)
    description = "\n\n".join(part for part in (without_controls(meeting.description), online_url) if part)
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    elif online_url:
        event.add("location", online_url)
    if online_url and online_url == meeting.online_url and " " not in online_url:
        event.add("url", online_url)
    if meeting.organizer_email:
        organizer = vCalAddress(f"mailto:{meeting.organizer_email}")
        if meeting.organizer_name:
            organizer.params["cn"] = vText(meeting.organizer_name)
        event.add("organizer", organizer)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    calendar.add_missing_timezones()  # the VTIMEZONE of Europe/Copenhagen that DTSTART and DTEND name
    return bytes(calendar.to_ical())


def _one_line(text: str | None) -> str | None:
    return without_controls(text, multiline=False).strip() or None if text else None


def meeting_attachment(meeting: MeetingEvent, method: Method, *, now: datetime, domain: str) -> Attachment:
    """The ``.ics`` as a notification attachment, with the iTIP method a mail program acts on."""
    return Attachment(
        filename="borgermoede.ics",
        content_type=f"text/calendar; method={method}; charset=utf-8",
        data=meeting_ics(meeting, method, now=now, domain=domain),
    )
