"""The rules of a public meeting: places, the waiting list, changes, cancellation and the reminder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.errors import Conflict, InvalidInput
from shared.domain.identity import IdentityKind
from shared.domain.meeting import Attendee, AttendeeStatus, Change, Meeting, MeetingPlan, NoticeKind

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def plan(**changes: object) -> MeetingPlan:
    values: dict[str, object] = {
        "title": "Borgermøde om cykelstien",
        "starts_at": "2026-12-03T19:00",  # Copenhagen wall clock
        "ends_at": "2026-12-03T21:00",
        "location": "Amager Bibliotek, Hollandsvej 2",
        "capacity": 2,
        **changes,
    }
    return MeetingPlan.model_validate(values)


def meeting(**changes: object) -> Meeting:
    return Meeting.plan("h-1", plan(**changes), "entra:henriette", NOW)


def person(name: str) -> Attendee:
    return Attendee(
        subject=f"mitid:{name}",
        name=name.title(),
        kind=IdentityKind.CITIZEN,
        channel="digital-post",
        address=f"cpr-sealed:{name}",
        signed_up_at=NOW,
    )


def told(m: Meeting, kind: NoticeKind) -> list[str]:
    return [notice.subject for notice in m.notices if notice.kind is kind]


def test_the_times_are_copenhagen_wall_clock_times() -> None:
    assert meeting().starts_at == datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def test_a_wall_clock_time_that_happens_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="happens twice"):
        plan(starts_at="2026-10-25T02:30", ends_at="2026-10-25T04:00")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2026-12-03T18:00"}, "endsAt"),
        ({"location": None}, "location"),
        ({"location": None, "online_url": "http://møde.example/abc"}, "onlineUrl"),
        ({"starts_at": "2026-11-01T19:00", "ends_at": "2026-11-01T21:00"}, "startsAt"),
    ],
)
def test_a_meeting_needs_a_time_to_come_that_ends_after_it_starts_and_a_place(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        meeting(**changes)
    assert refused.value.problems[0].field == field


def test_places_go_first_come_first_served_and_then_to_the_waiting_list() -> None:
    m = meeting()

    statuses = [m.sign_up(person(name), NOW)[0] for name in ("anna", "bo", "carl", "dina")]

    assert statuses == [
        AttendeeStatus.ATTENDING,
        AttendeeStatus.ATTENDING,
        AttendeeStatus.WAITING,
        AttendeeStatus.WAITING,
    ]
    assert m.free_places == 0
    assert told(m, NoticeKind.INVITATION) == ["mitid:anna", "mitid:bo"]


def test_signing_up_twice_keeps_the_first_sign_up_and_tells_nobody_again() -> None:
    m = meeting()
    m.sign_up(person("anna"), NOW)

    status, changed = m.sign_up(person("anna"), NOW + timedelta(hours=1))

    assert (status, changed) == (AttendeeStatus.ATTENDING, False)
    assert len(m.attendees) == 1
    assert len(m.notices) == 1


def test_a_cancelled_sign_up_moves_the_first_on_the_waiting_list_up_who_is_told() -> None:
    m = meeting()
    for name in ("anna", "bo", "carl", "dina"):
        m.sign_up(person(name), NOW)
    m.take_notices()

    assert m.withdraw("mitid:anna", NOW)

    assert [a.subject for a in m.attendees] == ["mitid:bo", "mitid:carl"]
    assert [a.subject for a in m.waiting_list] == ["mitid:dina"]
    assert told(m, NoticeKind.INVITATION) == ["mitid:carl"]
    assert not m.withdraw("mitid:anna", NOW)  # nothing left to cancel


def test_nobody_signs_up_for_a_cancelled_or_a_past_meeting() -> None:
    cancelled = meeting()
    cancelled.cancel(NOW)
    with pytest.raises(Conflict):
        cancelled.sign_up(person("anna"), NOW)

    with pytest.raises(Conflict):
        meeting().sign_up(person("anna"), datetime(2026, 12, 3, 18, 0, tzinfo=UTC))


def test_the_capacity_drops_below_the_attendees_only_by_an_explicit_choice() -> None:
    m = meeting(capacity=3)
    for name in ("anna", "bo", "carl", "dina"):
        m.sign_up(person(name), NOW)
    m.take_notices()

    with pytest.raises(Conflict) as refused:
        m.change(plan(capacity=1), NOW)
    assert refused.value.problems[0].field == "capacityShortfall"
    assert m.capacity == 3

    m.change(plan(capacity=1), NOW, "move-latest-to-waiting-list")

    assert [a.subject for a in m.attendees] == ["mitid:anna"]
    assert [a.subject for a in m.waiting_list] == ["mitid:bo", "mitid:carl", "mitid:dina"]
    assert told(m, NoticeKind.WAITING) == ["mitid:bo", "mitid:carl"]


def test_keeping_the_attendees_takes_nobody_new_until_there_is_room() -> None:
    m = meeting(capacity=2)
    for name in ("anna", "bo"):
        m.sign_up(person(name), NOW)

    m.change(plan(capacity=1), NOW, "keep-attendees")
    assert len(m.attendees) == 2
    assert m.sign_up(person("carl"), NOW)[0] is AttendeeStatus.WAITING

    m.withdraw("mitid:anna", NOW)
    assert [a.subject for a in m.attendees] == ["mitid:bo"]  # still full at one place
    m.withdraw("mitid:bo", NOW)
    assert [a.subject for a in m.attendees] == ["mitid:carl"]


def test_more_places_move_the_waiting_list_up() -> None:
    m = meeting(capacity=1)
    for name in ("anna", "bo", "carl"):
        m.sign_up(person(name), NOW)

    m.change(plan(capacity=2), NOW)

    assert [a.subject for a in m.attendees] == ["mitid:anna", "mitid:bo"]


def test_a_new_time_raises_the_sequence_and_tells_the_attendees_what_changed() -> None:
    m = meeting()
    m.sign_up(person("anna"), NOW)
    m.take_notices()

    changes = m.change(plan(starts_at="2026-12-04T19:00", ends_at="2026-12-04T21:00"), NOW)

    assert changes == [Change.TIME]
    assert m.sequence == 1
    [notice] = m.notices
    assert (notice.kind, notice.subject, notice.changes) == (NoticeKind.CHANGED, "mitid:anna", [Change.TIME])


def test_new_accessibility_notes_tell_the_attendees_without_a_new_calendar_sequence() -> None:
    m = meeting()
    m.sign_up(person("anna"), NOW)
    m.take_notices()

    m.change(plan(accessibility="Trinfri adgang og teleslynge"), NOW)

    assert m.sequence == 0
    assert told(m, NoticeKind.CHANGED) == ["mitid:anna"]


def test_cancelling_tells_everyone_signed_up_once() -> None:
    m = meeting(capacity=1)
    for name in ("anna", "bo"):
        m.sign_up(person(name), NOW)
    m.take_notices()

    assert m.cancel(NOW)
    assert not m.cancel(NOW)

    assert m.cancelled and m.sequence == 1
    assert told(m, NoticeKind.CANCELLED) == ["mitid:anna", "mitid:bo"]
    with pytest.raises(Conflict):
        m.change(plan(title="Nyt navn"), NOW)


def test_the_reminder_goes_out_once_the_day_before_and_again_after_a_move() -> None:
    m = meeting()
    m.sign_up(person("anna"), NOW)
    day_before = m.starts_at - timedelta(hours=24, minutes=30)

    assert m.remind(day_before - timedelta(hours=2)) == 0  # too early
    assert m.remind(day_before) == 1
    assert m.remind(day_before + timedelta(hours=1)) == 0  # once

    m.change(plan(starts_at="2026-12-04T19:00", ends_at="2026-12-04T21:00"), day_before)
    assert m.remind(day_before + timedelta(days=1)) == 1


def test_notices_keep_their_ids_and_a_second_sign_up_after_cancelling_is_a_new_message() -> None:
    m = meeting()
    m.sign_up(person("anna"), NOW)
    m.withdraw("mitid:anna", NOW)
    m.sign_up(person("anna"), NOW)

    ids = [notice.id for notice in m.notices]
    assert len(ids) == len(set(ids)) == 2
