"""Public meetings as the people around a hearing meet them: the owner plans, people sign up and are told."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from icalendar import Calendar
from openpyxl import load_workbook

from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.domain.meeting import AttendeeStatus
from shared.services import meetings
from shared.services.hearings import audit_trail
from shared.services.meetings import MeetingChanges, MeetingRequest
from shared.services.repositories import MeetingRepository
from tests.fakes import InjectedFailure, Portal, caseworker, citizen, company_user, employee

OWNER = caseworker()
ANNA = citizen("mitid:anna", "Anna Jensen")
BO = citizen("mitid:bo", "Bo Nielsen")
KARIN = company_user()
ERIK = employee("entra:erik")


def request(portal: Portal, **changes: object) -> MeetingRequest:
    starts = portal.clock.now() + timedelta(days=10)
    values: dict[str, object] = {
        "title": "Borgermøde om cykelstien",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "location": "Amager Bibliotek, Hollandsvej 2",
        "capacity": 2,
        "accessibility": "Trinfri adgang",
        **changes,
    }
    return MeetingRequest.model_validate(values)


def planned(portal: Portal, **changes: object) -> tuple[str, str]:
    hearing_id = portal.active(OWNER)
    view = portal.call(meetings.plan_meeting, OWNER, hearing_id, request(portal, **changes))
    return hearing_id, view.id


def calendar_of(attachment_data: bytes) -> tuple[str, int]:
    calendar = Calendar.from_ical(attachment_data)
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), int(str(event["SEQUENCE"]))


def test_everyone_who_sees_the_hearing_sees_its_meetings_with_free_places_but_no_names() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)
    portal.call(meetings.sign_up, ANNA, hearing_id, meeting_id)

    [seen] = portal.call(meetings.list_meetings, None, hearing_id).items

    assert (seen.id, seen.capacity, seen.attending, seen.free_places, seen.waiting) == (meeting_id, 2, 1, 1, 0)
    assert "Anna" not in seen.model_dump_json()
    assert portal.call(meetings.get_meeting, ANNA, hearing_id, meeting_id).my_status is AttendeeStatus.ATTENDING


def test_a_drafts_meetings_are_hidden_like_the_draft() -> None:
    portal = Portal.start()
    hearing_id = portal.draft(OWNER)
    view = portal.call(meetings.plan_meeting, OWNER, hearing_id, request(portal))

    with pytest.raises(NotFound):
        portal.call(meetings.get_meeting, ANNA, hearing_id, view.id)
    with pytest.raises(NotFound):
        portal.call(meetings.sign_up, ANNA, hearing_id, view.id)


def test_only_the_owner_plans_a_meeting() -> None:
    portal = Portal.start()
    hearing_id = portal.active(OWNER)

    with pytest.raises(Forbidden):
        portal.call(meetings.plan_meeting, ERIK, hearing_id, request(portal))
    assert portal.call(meetings.list_meetings, None, hearing_id).items == []


def test_signing_up_sends_an_invitation_with_the_calendar_event_once() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)

    first = portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)
    again = portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)

    assert first.status is again.status is AttendeeStatus.ATTENDING
    [invitation] = portal.mailer.to("erik@kommune.example")
    assert invitation.subject == "Invitation: Borgermøde om cykelstien"
    [ics] = invitation.attachments
    assert ics.content_type.startswith("text/calendar; method=REQUEST")
    assert calendar_of(ics.data) == ("REQUEST", 0)


def test_a_citizen_without_an_e_mail_address_is_invited_by_digital_post_and_no_cpr_number_is_stored_plain() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)

    portal.call(meetings.sign_up, ANNA, hearing_id, meeting_id)

    [invitation] = portal.mailer.sent
    assert invitation.channel == "digital-post"
    assert invitation.recipient.startswith("cpr-sealed:")
    assert portal.vault.unseal(invitation.recipient.removeprefix("cpr-sealed:")) == "0101901234"
    stored = portal.store.read("meetings", (hearing_id,), meeting_id)
    assert stored is not None and "0101901234" not in str(stored.body)


def test_a_full_meeting_takes_a_waiting_list_that_moves_up_when_someone_cancels() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal, capacity=1)
    portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)

    waiting = portal.call(meetings.sign_up, KARIN, hearing_id, meeting_id)
    assert (waiting.status, waiting.waiting_position) == (AttendeeStatus.WAITING, 1)
    assert portal.mailer.to("cvr:39162571") == []

    portal.call(meetings.withdraw_sign_up, ERIK, hearing_id, meeting_id)

    [moved_up] = portal.mailer.to("cvr:39162571")
    assert moved_up.subject.startswith("Invitation:")
    assert portal.call(meetings.get_meeting, KARIN, hearing_id, meeting_id).my_status is AttendeeStatus.ATTENDING


def test_a_change_of_time_tells_the_attendees_with_a_new_sequence_and_a_cancellation_with_method_cancel() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)
    portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)
    later = portal.clock.now() + timedelta(days=11)

    portal.call(
        meetings.change_meeting,
        OWNER,
        hearing_id,
        meeting_id,
        MeetingChanges.model_validate(
            {"startsAt": later.isoformat(), "endsAt": (later + timedelta(hours=2)).isoformat()}
        ),
    )
    portal.call(meetings.cancel_meeting, OWNER, hearing_id, meeting_id)

    _invitation, changed, cancelled = portal.mailer.to("erik@kommune.example")
    assert changed.subject.startswith("Ændret:") and "Nyt tidspunkt" in changed.text
    assert calendar_of(changed.attachments[0].data) == ("REQUEST", 1)
    assert cancelled.subject.startswith("Aflyst:")
    assert calendar_of(cancelled.attachments[0].data) == ("CANCEL", 2)
    with pytest.raises(Conflict):
        portal.call(meetings.sign_up, BO, hearing_id, meeting_id)


def test_lowering_the_capacity_below_the_attendees_needs_a_choice_named_in_the_problem() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)
    for who in (ANNA, BO):
        portal.call(meetings.sign_up, who, hearing_id, meeting_id)

    with pytest.raises(Conflict) as refused:
        portal.call(meetings.change_meeting, OWNER, hearing_id, meeting_id, MeetingChanges(capacity=1))
    assert refused.value.problems[0].field == "capacityShortfall"

    choice = MeetingChanges.model_validate({"capacity": 1, "capacityShortfall": "move-latest-to-waiting-list"})
    view = portal.call(meetings.change_meeting, OWNER, hearing_id, meeting_id, choice)
    assert (view.attending, view.waiting) == (1, 1)
    moved = portal.call(meetings.get_meeting, BO, hearing_id, meeting_id)
    assert (moved.my_status, moved.my_waiting_position) == (AttendeeStatus.WAITING, 1)


def test_a_change_that_leaves_no_place_is_refused_by_field() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)

    with pytest.raises(InvalidInput) as refused:
        portal.call(
            meetings.change_meeting, OWNER, hearing_id, meeting_id, MeetingChanges.model_validate({"location": None})
        )
    assert refused.value.problems[0].field == "location"


def test_the_attendee_list_and_its_exports_are_for_the_owner_and_every_read_is_audited() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal, capacity=1)
    portal.call(meetings.sign_up, KARIN, hearing_id, meeting_id)
    portal.call(meetings.sign_up, citizen("mitid:eve", "=HYPERLINK(1)"), hearing_id, meeting_id)

    with pytest.raises(Forbidden):
        portal.call(meetings.meeting_attendees, ANNA, hearing_id, meeting_id)
    listed = portal.call(meetings.meeting_attendees, OWNER, hearing_id, meeting_id)
    xlsx = portal.call(meetings.export_attendees, OWNER, hearing_id, meeting_id, "xlsx")
    text = portal.call(meetings.export_attendees, OWNER, hearing_id, meeting_id, "csv").data.decode("utf-8-sig")

    assert [a.name for a in listed.attending] == ["Karin Holm"]
    assert [a.name for a in listed.waiting_list] == ["=HYPERLINK(1)"]
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[1][:4] == [1, "Tilmeldt", "Karin Holm", "Holm & Co ApS"]
    assert rows[2][2] == "=HYPERLINK(1)" and sheet.cell(3, 3).data_type == "s"  # text, never a formula
    csv_rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert csv_rows[2][1:3] == ["Venteliste", "'=HYPERLINK(1)"]
    reads = [e for e in portal.call(audit_trail, OWNER, hearing_id).items if e.action == "personal-data.read"]
    assert sorted(e.details.get("export", "list") for e in reads) == ["csv", "list", "xlsx"]


def test_every_change_is_on_the_hearings_audit_trail() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)
    for step in (meetings.sign_up, meetings.withdraw_sign_up):
        portal.clock.advance(minutes=1)
        portal.call(step, ANNA, hearing_id, meeting_id)
    portal.clock.advance(minutes=1)
    portal.call(meetings.cancel_meeting, OWNER, hearing_id, meeting_id)

    actions = [e.action for e in portal.call(audit_trail, OWNER, hearing_id).items if e.action.startswith("meeting.")]

    assert actions == ["meeting.planned", "meeting.signed-up", "meeting.sign-up-cancelled", "meeting.cancelled"]


def test_the_calendar_file_is_for_anyone_who_sees_the_hearing_and_keeps_an_online_link_for_attendees() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal, location=None, onlineUrl="https://moede.kommune.example/abc")

    public = portal.call(meetings.meeting_calendar, None, hearing_id, meeting_id)
    portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)
    attending = portal.call(meetings.meeting_calendar, ERIK, hearing_id, meeting_id)

    assert b"moede.kommune.example/abc" not in public.data
    assert b"moede.kommune.example/abc" in attending.data
    assert portal.call(meetings.get_meeting, None, hearing_id, meeting_id).online_url is None


def test_the_timer_reminds_attendees_the_day_before_once() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)
    portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)
    starts = MeetingRepository(portal.store).require(hearing_id, meeting_id).model.starts_at

    portal.clock.set(starts - timedelta(days=3))
    assert portal.call(meetings.send_meeting_reminders) == 0
    portal.clock.set(starts - timedelta(hours=24, minutes=55))
    assert portal.call(meetings.send_meeting_reminders) == 1
    portal.clock.advance(hours=1)
    assert portal.call(meetings.send_meeting_reminders) == 0

    reminders = [n for n in portal.mailer.to("erik@kommune.example") if n.subject.startswith("Påmindelse:")]
    assert len(reminders) == 1


def test_an_invitation_the_mailer_did_not_take_is_sent_by_the_timer_and_the_sign_up_stands() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)
    original = portal.mailer.send
    portal.mailer.send = lambda notification: (_ for _ in ()).throw(InjectedFailure("mail is down"))  # type: ignore[method-assign]

    signed = portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)
    assert signed.status is AttendeeStatus.ATTENDING
    assert MeetingRepository(portal.store).require(hearing_id, meeting_id).model.notices

    portal.mailer.send = original  # type: ignore[method-assign]
    portal.call(meetings.send_meeting_reminders)
    portal.call(meetings.send_meeting_reminders)

    assert len(portal.mailer.to("erik@kommune.example")) == 1
    assert not MeetingRepository(portal.store).require(hearing_id, meeting_id).model.notices


def test_a_concluded_hearing_takes_no_new_meetings() -> None:
    portal = Portal.start()
    hearing_id = portal.concluded(OWNER)

    with pytest.raises(Conflict) as refused:
        portal.call(meetings.plan_meeting, OWNER, hearing_id, request(portal))
    assert refused.value.problems[0].field == "hearingId"
