"""draft -> scheduled -> active -> awaiting conclusion -> concluded, plus cancelled, at exact instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.errors import Conflict, InvalidInput
from shared.domain.hearing import EventKind, Hearing, HearingDocument, HearingEdit, HearingStatus

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
START = datetime(2026, 5, 5, 7, 0, tzinfo=UTC)  # 09:00 in Copenhagen
DEADLINE = datetime(2026, 5, 19, 21, 59, 59, tzinfo=UTC)  # 23:59:59 in Copenhagen
TICK = timedelta(microseconds=1)


def draft(title: str = "Lokalplan for Nordhavn") -> Hearing:
    return Hearing(
        id="h-1",
        template_id="standard",
        title=title,
        case_number="2026-0042",
        owner="entra:henriette",
        owner_name="Henriette",
        created_at=NOW,
        updated_at=NOW,
    )


def scheduled() -> Hearing:
    hearing = draft()
    hearing.schedule(START, DEADLINE, NOW)
    return hearing


def event_kinds(hearing: Hearing) -> list[EventKind]:
    return [event.kind for event in hearing.pending_events]


def document(document_id: str = "doc-1") -> HearingDocument:
    return HearingDocument(
        id=document_id,
        filename="lokalplan.pdf",
        content_type="application/pdf",
        size=1234,
        sha256="0" * 64,
        blob_name=f"h-1/{document_id}/lokalplan.pdf",
        uploaded_at=NOW,
    )


# -- scheduling rules -------------------------------------------------------------------------------


def test_scheduling_a_draft_publishes_it_without_telling_anyone_yet() -> None:
    hearing = scheduled()

    assert hearing.status is HearingStatus.SCHEDULED
    assert (hearing.start, hearing.deadline) == (START, DEADLINE)
    assert hearing.pending_events == []


@pytest.mark.parametrize("deadline", [START, START - TICK], ids=["equal", "before"])
def test_the_deadline_must_come_after_the_start(deadline: datetime) -> None:
    hearing = draft()

    with pytest.raises(InvalidInput) as refused:
        hearing.schedule(START, deadline, NOW)

    assert refused.value.problems[0].field == "deadline"
    assert hearing.status is HearingStatus.DRAFT


def test_the_deadline_must_be_in_the_future() -> None:
    with pytest.raises(InvalidInput) as refused:
        draft().schedule(NOW - timedelta(days=2), NOW, NOW)

    assert refused.value.problems[0].field == "deadline"
    assert "future" in refused.value.detail


def test_a_start_in_the_past_opens_at_once() -> None:
    hearing = draft()
    hearing.schedule(NOW - timedelta(hours=1), DEADLINE, NOW)

    assert hearing.status_at(NOW) is HearingStatus.ACTIVE


def test_a_hearing_needs_a_title_before_it_is_scheduled() -> None:
    hearing = draft(title="   ")

    with pytest.raises(InvalidInput) as refused:
        hearing.schedule(START, DEADLINE, NOW)

    assert refused.value.problems[0].field == "title"
    assert hearing.status is HearingStatus.DRAFT


def test_a_scheduled_hearing_can_be_rescheduled_before_it_starts() -> None:
    hearing = scheduled()
    hearing.schedule(START + timedelta(days=1), DEADLINE + timedelta(days=1), NOW)

    assert hearing.start == START + timedelta(days=1)
    assert hearing.status is HearingStatus.SCHEDULED


# -- the clock decides, exactly ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (START - TICK, HearingStatus.SCHEDULED),
        (START, HearingStatus.ACTIVE),
        (START + TICK, HearingStatus.ACTIVE),
        (DEADLINE - TICK, HearingStatus.ACTIVE),
        (DEADLINE, HearingStatus.AWAITING_CONCLUSION),
        (DEADLINE + TICK, HearingStatus.AWAITING_CONCLUSION),
    ],
    ids=["before-start", "at-start", "after-start", "before-deadline", "at-deadline", "after-deadline"],
)
def test_status_at_is_exact_at_start_and_deadline(now: datetime, expected: HearingStatus) -> None:
    hearing = scheduled()  # the timer has not run: the stored status is still "scheduled"

    assert hearing.status_at(now) is expected
    assert hearing.accepts_responses_at(now) is (expected is HearingStatus.ACTIVE)


def test_a_draft_never_opens_by_itself() -> None:
    hearing = draft()

    assert hearing.status_at(DEADLINE + timedelta(days=30)) is HearingStatus.DRAFT


# -- the timer persists what the clock says ----------------------------------------------------------


def test_advance_records_opened_and_closed_once_each() -> None:
    hearing = scheduled()
    steps = [START - TICK, START, START + timedelta(minutes=1), DEADLINE, DEADLINE + timedelta(days=1)]

    seen = [(hearing.advance(now), hearing.status) for now in steps]

    assert seen == [
        (False, HearingStatus.SCHEDULED),
        (True, HearingStatus.ACTIVE),
        (False, HearingStatus.ACTIVE),
        (True, HearingStatus.AWAITING_CONCLUSION),
        (False, HearingStatus.AWAITING_CONCLUSION),
    ]

    assert event_kinds(hearing) == [EventKind.OPENED, EventKind.CLOSED]
    assert hearing.has_pending_events is True


def test_event_ids_name_the_change_not_the_moment_it_was_noticed() -> None:
    # Two timer runs (or two instances) noticing the same opening and closing at different
    # moments produce the same ids, so duplicate detection on the queue keeps one of each.
    prompt, late = scheduled(), scheduled()
    prompt.advance(START)
    prompt.advance(DEADLINE)
    late.advance(DEADLINE + timedelta(minutes=3))

    ids = [event.event_id for event in prompt.pending_events]
    assert ids == [event.event_id for event in late.pending_events]
    assert ids[0] == "h-1:opened"
    assert ids[1].startswith("h-1:closed")


def test_a_timer_that_missed_the_whole_hearing_records_both_opened_and_closed() -> None:
    hearing = scheduled()

    assert hearing.advance(DEADLINE + timedelta(hours=1)) is True

    assert hearing.status is HearingStatus.AWAITING_CONCLUSION
    assert event_kinds(hearing) == [EventKind.OPENED, EventKind.CLOSED]


def test_taking_the_events_empties_the_outbox() -> None:
    hearing = scheduled()
    hearing.advance(START)

    taken = hearing.take_pending_events()

    assert [event.kind for event in taken] == [EventKind.OPENED]
    assert hearing.pending_events == []
    assert hearing.has_pending_events is False


def test_moving_the_deadline_later_reopens_an_awaiting_conclusion_hearing() -> None:
    hearing = scheduled()
    hearing.advance(DEADLINE)
    later = DEADLINE + timedelta(days=7)
    now = DEADLINE + timedelta(hours=2)

    hearing.schedule(START, later, now)

    assert hearing.status is HearingStatus.ACTIVE
    assert hearing.status_at(now) is HearingStatus.ACTIVE
    assert hearing.deadline == later
    assert EventKind.CHANGED in event_kinds(hearing)


def test_once_started_only_the_deadline_may_move() -> None:
    hearing = scheduled()
    hearing.advance(START)

    with pytest.raises(Conflict) as refused:
        hearing.schedule(START + timedelta(days=1), DEADLINE + timedelta(days=1), START + timedelta(hours=1))

    assert refused.value.problems[0].field == "start"
    assert hearing.deadline == DEADLINE


def test_moving_the_deadline_before_the_timer_opened_the_hearing_still_announces_the_opening() -> None:
    # The start has passed but the timer has not persisted it yet; the owner extends the deadline.
    hearing = scheduled()
    now = START + timedelta(seconds=5)

    hearing.schedule(START, DEADLINE + timedelta(days=7), now)
    hearing.advance(now + timedelta(seconds=10))

    assert EventKind.OPENED in event_kinds(hearing), "followers are never told the hearing opened"


def test_a_hearing_that_closes_again_after_being_reopened_announces_the_second_closing() -> None:
    hearing = scheduled()
    hearing.advance(DEADLINE)
    first_closing = [event.event_id for event in hearing.take_pending_events() if event.kind is EventKind.CLOSED]
    later = DEADLINE + timedelta(days=7)
    hearing.schedule(START, later, DEADLINE + timedelta(hours=1))
    hearing.take_pending_events()

    hearing.advance(later)

    second_closing = [event.event_id for event in hearing.pending_events if event.kind is EventKind.CLOSED]
    assert second_closing, "the second closing records no event"
    # A different id, or duplicate detection on the queue and the mailer drop it as the first closing.
    assert second_closing != first_closing


# -- conclude and cancel ---------------------------------------------------------------------------


def test_conclude_only_after_the_deadline() -> None:
    hearing = scheduled()
    hearing.advance(START)

    with pytest.raises(Conflict) as refused:
        hearing.conclude("Planen vedtages.", DEADLINE - TICK)
    assert refused.value.problems[0].field == "status"

    hearing.conclude("Planen vedtages.", DEADLINE)

    assert hearing.status is HearingStatus.CONCLUDED
    assert (hearing.conclusion, hearing.concluded_at) == ("Planen vedtages.", DEADLINE)


def test_concluding_before_the_timer_closed_records_the_closing_too() -> None:
    hearing = scheduled()

    hearing.conclude("Planen vedtages.", DEADLINE + timedelta(minutes=1))

    assert event_kinds(hearing) == [EventKind.OPENED, EventKind.CLOSED, EventKind.CONCLUDED]


def test_a_conclusion_needs_a_text() -> None:
    hearing = scheduled()

    with pytest.raises(InvalidInput) as refused:
        hearing.conclude("  ", DEADLINE)

    assert refused.value.problems[0].field == "conclusion"
    assert hearing.status is HearingStatus.SCHEDULED


@pytest.mark.parametrize("kind", ["draft", "scheduled"])
def test_cancel_from_draft_or_scheduled(kind: str) -> None:
    hearing = draft() if kind == "draft" else scheduled()

    hearing.cancel(NOW)

    assert hearing.status is HearingStatus.CANCELLED
    # Only a published hearing had followers to tell.
    assert event_kinds(hearing) == ([] if kind == "draft" else [EventKind.CANCELLED])


@pytest.mark.parametrize("now", [START, DEADLINE], ids=["active", "awaiting-conclusion"])
def test_cancel_is_refused_once_the_hearing_has_started(now: datetime) -> None:
    hearing = scheduled()  # the timer has not run; the clock decides

    with pytest.raises(Conflict):
        hearing.cancel(now)

    assert hearing.status is HearingStatus.SCHEDULED


def test_a_concluded_hearing_is_read_only() -> None:
    hearing = scheduled()
    hearing.conclude("Planen vedtages.", DEADLINE)

    with pytest.raises(Conflict):
        hearing.edit(HearingEdit(title="Ny titel"), DEADLINE)
    with pytest.raises(Conflict):
        hearing.attach(document(), DEADLINE)
    with pytest.raises(Conflict):
        hearing.schedule(START, DEADLINE + timedelta(days=7), DEADLINE)
    with pytest.raises(Conflict):
        hearing.cancel(DEADLINE)

    assert hearing.title == "Lokalplan for Nordhavn"
    assert hearing.documents == []


def test_a_cancelled_hearing_cannot_be_edited_or_scheduled() -> None:
    hearing = draft()
    hearing.cancel(NOW)

    with pytest.raises(Conflict):
        hearing.edit(HearingEdit(title="Ny titel"), NOW)
    with pytest.raises(Conflict):
        hearing.schedule(START, DEADLINE, NOW)


# -- editing and documents --------------------------------------------------------------------------


def test_editing_a_draft_tells_nobody_but_editing_a_published_hearing_does() -> None:
    hearing = draft()
    hearing.edit(HearingEdit(summary="Første udkast"), NOW)
    assert hearing.pending_events == []

    hearing.schedule(START, DEADLINE, NOW)
    hearing.edit(HearingEdit(summary="Rettet resumé"), NOW + timedelta(minutes=1))

    assert hearing.summary == "Rettet resumé"
    assert event_kinds(hearing) == [EventKind.CHANGED]
    assert hearing.updated_at == NOW + timedelta(minutes=1)


def test_attaching_the_same_document_twice_keeps_one() -> None:
    hearing = draft()

    assert hearing.attach(document(), NOW) is True
    assert hearing.attach(document(), NOW + timedelta(seconds=1)) is False
    assert hearing.attach(document("doc-2"), NOW) is True

    assert [d.id for d in hearing.documents] == ["doc-1", "doc-2"]


def test_only_a_concluded_hearing_is_journalised() -> None:
    hearing = scheduled()
    with pytest.raises(Conflict):
        hearing.mark_journalised("case/h-1/manifest.json", NOW)

    hearing.conclude("Planen vedtages.", DEADLINE)
    hearing.mark_journalised("case/h-1/manifest.json", DEADLINE + timedelta(days=1))

    assert hearing.records_reference == "case/h-1/manifest.json"
    assert hearing.journalised_at == DEADLINE + timedelta(days=1)


def test_a_hearing_survives_the_round_trip_through_its_document() -> None:
    hearing = scheduled()
    hearing.advance(START)

    stored = hearing.to_document()
    again = Hearing.model_validate(stored)

    assert stored["deadline"] == "2026-05-19T21:59:59.000000Z"
    assert stored["hasPendingEvents"] is True
    assert again == hearing
