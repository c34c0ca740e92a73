"""Meeting invitations as iCalendar: parsed back, they name the meeting, its Copenhagen times and its changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from pydantic import ValidationError

from shared.services.meeting_calendar import MeetingEvent, meeting_attachment, meeting_ics

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DOMAIN = "hoeringer.kommune.example"


def meeting(**changes: object) -> MeetingEvent:
    values: dict[str, object] = {
        "meeting_id": "m-1",
        "hearing_id": "h-1",
        "title": "Borgermøde om Lokalplan for Ørestad",
        "description": "Kom og hør om planen.",
        "starts_at": "2026-12-03T19:00",  # Copenhagen wall clock, winter time
        "ends_at": "2026-12-03T21:00",
        "location": "Ørestad Bibliotek, Arne Jacobsens Allé 21",
        "organizer_email": "hoeringer@kommune.example",
        "organizer_name": "Københavns Kommune",
    }
    return MeetingEvent.model_validate({**values, **changes})


def parsed(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_an_invitation_names_the_meeting_in_copenhagen_time_with_its_time_zone() -> None:
    calendar, event = parsed(meeting_ics(meeting(), "REQUEST", now=NOW, domain=DOMAIN))

    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == "meeting-m-1@hoeringer.kommune.example"  # type: ignore[index]
    start, end = event["DTSTART"], event["DTEND"]  # type: ignore[index]
    assert start.params["TZID"] == "Europe/Copenhagen"
    assert start.dt == datetime(2026, 12, 3, 19, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert end.dt.astimezone(UTC) == datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    assert str(event["LOCATION"]) == "Ørestad Bibliotek, Arne Jacobsens Allé 21"  # type: ignore[index]
    assert str(event["SUMMARY"]) == "Borgermøde om Lokalplan for Ørestad"  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 0  # type: ignore[index]
    assert str(event["ORGANIZER"]) == "mailto:hoeringer@kommune.example"  # type: ignore[index]
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Europe/Copenhagen"
    assert {component.name for component in timezone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_a_change_keeps_the_uid_and_raises_the_sequence_and_a_cancellation_says_so() -> None:
    _, first = parsed(meeting_ics(meeting(), "REQUEST", now=NOW, domain=DOMAIN))
    _, moved = parsed(
        meeting_ics(
            meeting(starts_at="2026-12-04T19:00", ends_at="2026-12-04T21:00", sequence=1),
            "REQUEST",
            now=NOW,
            domain=DOMAIN,
        )
    )
    calendar, cancelled = parsed(meeting_ics(meeting(sequence=2), "CANCEL", now=NOW, domain=DOMAIN))

    assert str(first["UID"]) == str(moved["UID"]) == str(cancelled["UID"])  # type: ignore[index]
    assert [int(e["SEQUENCE"]) for e in (first, moved, cancelled)] == [0, 1, 2]  # type: ignore[index]
    assert moved["DTSTART"].dt.day == 4  # type: ignore[index]
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancelled["STATUS"]) == "CANCELLED"  # type: ignore[index]


def test_a_summer_meeting_keeps_its_wall_clock_time() -> None:
    _, event = parsed(
        meeting_ics(
            meeting(starts_at="2027-06-10T19:00", ends_at="2027-06-10T20:30"), "REQUEST", now=NOW, domain=DOMAIN
        )
    )

    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2027, 6, 10, 17, 0, tzinfo=UTC)  # type: ignore[index]
    assert event["DTSTART"].dt.hour == 19  # type: ignore[index]


def test_an_online_meeting_carries_its_url() -> None:
    online = meeting(location=None, online_url="https://meet.kommune.example/m-1")

    _, event = parsed(meeting_ics(online, "REQUEST", now=NOW, domain=DOMAIN))
    attachment = meeting_attachment(online, "REQUEST", now=NOW, domain=DOMAIN)

    assert str(event["URL"]) == "https://meet.kommune.example/m-1"  # type: ignore[index]
    assert "https://meet.kommune.example/m-1" in str(event["DESCRIPTION"])  # type: ignore[index]
    assert attachment.content_type == "text/calendar; method=REQUEST; charset=utf-8"
    assert attachment.filename.endswith(".ics")


def test_a_meeting_ends_after_it_starts_and_happens_somewhere() -> None:
    with pytest.raises(ValidationError, match="ends after it starts"):
        meeting(ends_at="2026-12-03T18:00")
    with pytest.raises(ValidationError, match="location or an online URL"):
        meeting(location=None)
