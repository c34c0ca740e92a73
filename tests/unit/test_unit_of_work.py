"""A state change, its audit entry and its events are one write: a store that fails at any write of a
request leaves either all of them or none, and the sweep delivers whatever waits in an outbox."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from shared.domain.hearing import HearingStatus, Visibility
from shared.domain.response import ResponseStatus
from shared.ports.documents import Query
from shared.services import queues
from shared.services.hearing_api import Conclusion, HearingChanges, HearingDraft, InviteeList, ScheduleRequest
from shared.services.hearing_files import process_upload
from shared.services.hearings import (
    advance_due_hearings,
    audit_trail,
    cancel_hearing,
    conclude_hearing,
    create_hearing,
    dispatch_pending_events,
    edit_hearing,
    schedule_hearing,
    set_invitees,
)
from shared.services.records import journalise_hearing
from shared.services.repositories import AuditRepository, HearingRepository
from shared.services.responses import (
    Decision,
    ResponseSubmission,
    decide_response,
    rescreen_stalled,
    screen_response,
    submit_response,
    withdraw_response,
)
from shared.services.unit_of_work import UnitOfWork
from tests.fakes import TEMPLATE_ID, UPLOADS, FailingStore, InjectedFailure, Portal, caseworker, citizen

OWNER = caseworker()
ANNA = citizen()
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


@dataclass
class Case:
    """One state change: how to get there, how to make it, and how to tell it happened."""

    action: str
    setup: Callable[[Portal], dict[str, str]]
    act: Callable[[Portal, dict[str, str]], object]
    happened: Callable[[Portal, dict[str, str]], bool]
    event: str | None = None  # the id (or id prefix) of the event it announces


def _hearing_of(portal: Portal, ids: dict[str, str]) -> str:
    if "hearing" in ids:
        return ids["hearing"]
    page = portal.store.query("hearings", Query())
    return str(page.items[0].body["id"]) if page.items else ""


def _responded(portal: Portal, screened: bool = False) -> dict[str, str]:
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Jeg er imod."))
    if screened:
        portal.call(screen_response, hearing_id, receipt.response_id)
    return {"hearing": hearing_id, "response": receipt.response_id}


def _status(portal: Portal, ids: dict[str, str]) -> HearingStatus:
    return portal.stored_hearing(ids["hearing"]).status


def _response_status(portal: Portal, ids: dict[str, str]) -> ResponseStatus:
    return portal.stored_response(ids["hearing"], ids["response"]).status


def _opened(portal: Portal) -> dict[str, str]:
    hearing_id = portal.scheduled(starts_in=timedelta(seconds=1))
    portal.clock.advance(seconds=1)
    return {"hearing": hearing_id}


def _uploaded(portal: Portal) -> dict[str, str]:
    hearing_id = portal.draft()
    name = f"{hearing_id}/doc-1/plan.pdf"
    portal.files.write(UPLOADS, name, PDF)
    return {"hearing": hearing_id, "blob": name}


def _concluded(portal: Portal) -> dict[str, str]:
    hearing_id = portal.concluded()
    portal.call(dispatch_pending_events)
    return {"hearing": hearing_id}


CASES = [
    Case(
        "hearing.created",
        setup=lambda portal: {},
        act=lambda portal, ids: portal.call(
            create_hearing,
            OWNER,
            HearingDraft(template_id=TEMPLATE_ID, title="Ny skole", case_number="2026-0100"),
        ),
        happened=lambda portal, ids: bool(_hearing_of(portal, ids)),
    ),
    Case(
        "hearing.edited",
        setup=lambda portal: {"hearing": portal.scheduled()},
        act=lambda portal, ids: portal.call(edit_hearing, OWNER, ids["hearing"], HearingChanges(summary="Rettet")),
        happened=lambda portal, ids: portal.stored_hearing(ids["hearing"]).summary == "Rettet",
        event=":changed:",
    ),
    Case(
        "hearing.invitees-changed",
        setup=lambda portal: {"hearing": portal.draft(visibility=Visibility.CLOSED)},
        act=lambda portal, ids: portal.call(set_invitees, OWNER, ids["hearing"], InviteeList(invitees=["39162571"])),
        happened=lambda portal, ids: bool(portal.stored_hearing(ids["hearing"]).invitees),
    ),
    Case(
        "hearing.scheduled",
        setup=lambda portal: {"hearing": portal.draft()},
        act=lambda portal, ids: portal.call(
            schedule_hearing,
            OWNER,
            ids["hearing"],
            ScheduleRequest(
                start=portal.clock.now() + timedelta(days=1), deadline=portal.clock.now() + timedelta(days=8)
            ),
        ),
        happened=lambda portal, ids: _status(portal, ids) is HearingStatus.SCHEDULED,
    ),
    Case(
        "hearing.active",
        setup=_opened,
        act=lambda portal, ids: portal.call(advance_due_hearings),
        happened=lambda portal, ids: _status(portal, ids) is HearingStatus.ACTIVE,
        event=":opened",
    ),
    Case(
        "hearing.concluded",
        setup=lambda portal: {"hearing": portal.past_deadline()},
        act=lambda portal, ids: portal.call(conclude_hearing, OWNER, ids["hearing"], Conclusion(conclusion="Ja.")),
        happened=lambda portal, ids: _status(portal, ids) is HearingStatus.CONCLUDED,
        event=":concluded",
    ),
    Case(
        "hearing.cancelled",
        setup=lambda portal: {"hearing": portal.scheduled()},
        act=lambda portal, ids: portal.call(cancel_hearing, OWNER, ids["hearing"]),
        happened=lambda portal, ids: _status(portal, ids) is HearingStatus.CANCELLED,
        event=":cancelled",
    ),
    Case(
        "hearing.document-attached",
        setup=_uploaded,
        act=lambda portal, ids: portal.call(process_upload, ids["blob"], PDF),
        happened=lambda portal, ids: bool(portal.stored_hearing(ids["hearing"]).documents),
    ),
    Case(
        "hearing.journalised",
        setup=_concluded,
        act=lambda portal, ids: portal.call(journalise_hearing, ids["hearing"]),
        happened=lambda portal, ids: portal.stored_hearing(ids["hearing"]).journalised_at is not None,
    ),
    Case(
        "response.withdrawn",
        setup=_responded,
        act=lambda portal, ids: portal.call(withdraw_response, ANNA, ids["hearing"], ids["response"]),
        happened=lambda portal, ids: _response_status(portal, ids) is ResponseStatus.WITHDRAWN,
    ),
    Case(
        "response.approved",
        setup=lambda portal: _responded(portal, screened=True),
        act=lambda portal, ids: portal.call(
            decide_response, OWNER, ids["hearing"], ids["response"], True, Decision(clear_flags=True)
        ),
        happened=lambda portal, ids: _response_status(portal, ids) is ResponseStatus.APPROVED,
    ),
]


def _read_trail(portal: Portal, hearing_id: str) -> list[str]:
    """The trail as its owner reads it."""
    if not hearing_id:
        return []
    return [event.action for event in portal.call(audit_trail, OWNER, hearing_id, limit=500).items]


def _stored_trail(portal: Portal, hearing_id: str) -> list[str]:
    """What the audit container itself holds."""
    events, _ = AuditRepository(portal.store).page(hearing_id or "-", 500, None)
    return [event.action for event in events]


def _events(portal: Portal, hearing_id: str, event: str | None) -> int:
    if event is None or not hearing_id:
        return 0
    return sum(1 for message_id in portal.bus.ids(queues.HEARING_EVENTS) if message_id.startswith(hearing_id + event))


def _outbox_empty(portal: Portal, hearing_id: str, ids: dict[str, str]) -> bool:
    hearing = portal.stored_hearing(hearing_id)
    if hearing.pending_audit or hearing.pending_events or hearing.has_pending_events:
        return False
    if "response" in ids:
        return not portal.stored_response(hearing_id, ids["response"]).pending_audit
    return True


@pytest.mark.parametrize("case", CASES, ids=[case.action for case in CASES])
def test_a_failed_write_leaves_the_change_with_its_trail_or_neither(case: Case) -> None:
    outcomes: set[bool] = set()
    write = 1
    while True:
        portal = Portal.start()
        ids = case.setup(portal)
        failing = FailingStore(portal.store, fail_on=write)
        with contextlib.suppress(InjectedFailure):
            case.act(dataclasses.replace(portal, store=failing), ids)
        if not failing.failed:
            break  # the change makes fewer writes than this: every failure point has been tried

        happened = case.happened(portal, ids)
        hearing_id = _hearing_of(portal, ids)
        outcomes.add(happened)
        read = _read_trail(portal, hearing_id)
        assert read.count(case.action) == (1 if happened else 0), f"write {write} failed; the owner reads {read}"

        # The timer's sweeps deliver what a crash left in the outbox, once.
        portal.call(dispatch_pending_events)
        portal.call(rescreen_stalled)
        portal.call(dispatch_pending_events)
        stored = _stored_trail(portal, hearing_id)
        assert stored.count(case.action) == (1 if happened else 0), f"write {write} failed; the trail holds {stored}"
        assert _events(portal, hearing_id, case.event) == (1 if happened and case.event else 0)
        if hearing_id:
            assert _outbox_empty(portal, hearing_id, ids)
        write += 1

    assert outcomes == {False, True}, "both a failed commit and a failure after it were tried"


def test_without_failures_the_trail_is_written_and_the_outbox_emptied_in_the_request() -> None:
    portal = Portal.start()
    hearing_id = portal.scheduled()
    portal.clock.advance(minutes=1)  # entries of one instant have no order among themselves

    portal.call(cancel_hearing, OWNER, hearing_id)

    assert sorted(_stored_trail(portal, hearing_id)) == ["hearing.cancelled", "hearing.created", "hearing.scheduled"]
    assert portal.bus.ids(queues.HEARING_EVENTS) == [f"{hearing_id}:cancelled"]
    assert _outbox_empty(portal, hearing_id, {})


def test_the_trail_reader_shows_an_entry_waiting_in_the_outbox_once() -> None:
    portal = Portal.start()
    hearing_id = portal.scheduled()
    portal.clock.advance(minutes=1)
    failing = FailingStore(portal.store, fail_on=2)  # the commit lands, the copy to the trail fails

    dataclasses.replace(portal, store=failing).call(cancel_hearing, OWNER, hearing_id)

    assert "hearing.cancelled" not in _stored_trail(portal, hearing_id)
    assert portal.stored_hearing(hearing_id).has_pending_events is True
    read = _read_trail(portal, hearing_id)
    assert sorted(read) == ["hearing.cancelled", "hearing.created", "hearing.scheduled"]
    assert read[-1] == "hearing.cancelled"  # in its place by time


def test_a_unit_of_work_writes_one_aggregate() -> None:
    portal = Portal.start()
    first = HearingRepository(portal.store).require(portal.draft())
    second = HearingRepository(portal.store).require(portal.draft())

    with UnitOfWork(portal.store, portal.bus) as uow:
        uow.save(first)
        with pytest.raises(RuntimeError):
            uow.save(second)


def test_nothing_is_written_without_a_commit() -> None:
    portal = Portal.start()
    hearing_id = portal.draft()
    loaded = HearingRepository(portal.store).require(hearing_id)
    loaded.model.cancel(portal.clock.now())

    with UnitOfWork(portal.store, portal.bus) as uow:
        uow.save(loaded)

    assert portal.stored_hearing(hearing_id).status is HearingStatus.DRAFT


def test_intake_stays_one_write_per_response() -> None:
    portal = Portal.start()
    hearing_id = portal.active()
    counting = FailingStore(portal.store, fail_on=0)  # never fails; counts

    dataclasses.replace(portal, store=counting).call(
        submit_response, ANNA, hearing_id, ResponseSubmission(text="Ja tak.")
    )

    assert counting.writes == 1
    assert len(portal.bus.messages(queues.RESPONSES_RECEIVED)) == 1
