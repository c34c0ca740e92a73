"""The receipt log's tree heads when a hearing closes and when it is concluded, checked with the verifier."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.domain.hearing import EventKind
from shared.domain.identity import Identity
from shared.domain.receipts import receipt_payload_of
from shared.services import notifications, queues
from shared.services.hearing_api import Conclusion, ScheduleRequest
from shared.services.hearings import advance_due_hearings, conclude_hearing, schedule_hearing
from shared.services.receipt_log import log_size
from shared.services.response_receipts import receipt_keys, response_receipt, tree_head_consistency, tree_heads
from shared.services.responses import Decision, ResponseSubmission, decide_response, screen_response, submit_response
from tests.fakes import Portal, caseworker, citizen
from tools.verify_receipt import verify_consistency, verify_receipt

OWNER = caseworker()
PEOPLE = [citizen(f"mitid:person-{n}", f"Person {n}") for n in range(5)]


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


class HearingEvents:
    """The hearing-events consumer: hands each message published since the last call to ``fan_out``."""

    def __init__(self, portal: Portal) -> None:
        self.portal, self.done = portal, 0

    def __call__(self) -> list[EventKind]:
        bodies = self.portal.bus.bodies(queues.HEARING_EVENTS)[self.done :]
        self.done += len(bodies)
        for body in bodies:
            fields: Any = body.get("fields") or []
            kind = EventKind(str(body["kind"]))
            self.portal.call(notifications.fan_out, str(body["hearingId"]), str(body["eventId"]), kind, fields)
        return [EventKind(str(body["kind"])) for body in bodies]


def submitted(portal: Portal, hearing_id: str, who: Identity, *, screened: bool) -> str:
    receipt, _ = portal.call(submit_response, who, hearing_id, ResponseSubmission(text=f"Svar fra {who.subject}"))
    if screened:  # otherwise its message is still queued for the screening consumer
        portal.call(screen_response, hearing_id, receipt.response_id)
    return receipt.response_id


def to_deadline(portal: Portal, hearing_id: str) -> None:
    deadline = portal.stored_hearing(hearing_id).deadline
    assert deadline is not None
    portal.clock.set(deadline)


def decide_all(portal: Portal, hearing_id: str, response_ids: list[str]) -> None:
    for response_id in response_ids:
        portal.call(screen_response, hearing_id, response_id)  # the queued messages are consumed at last
        portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision(clear_flags=True))


def test_the_head_at_the_close_covers_responses_whose_screening_is_still_queued(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    events = HearingEvents(portal)
    events()
    early = [submitted(portal, hearing_id, who, screened=True) for who in PEOPLE[:2]]
    # A respondent fetches a receipt file now: a tree head of two entries is published for it.
    kept = portal.call(response_receipt, PEOPLE[0], hearing_id, early[0])
    late = [submitted(portal, hearing_id, who, screened=False) for who in PEOPLE[2:]]
    to_deadline(portal, hearing_id)

    portal.call(advance_due_hearings)
    assert events() == [EventKind.CLOSED]

    closing = portal.call(tree_heads, None, hearing_id).items[0]
    assert (closing.tree_size, closing.final) == (5, False)
    assert {portal.stored_response(hearing_id, r).number for r in early + late} == {1, 2, 3, 4, 5}
    keys = portal.call(receipt_keys).to_document()
    last = portal.call(response_receipt, PEOPLE[4], hearing_id, late[-1])
    assert last.tree_head == closing.tree_head  # proved against the head published at the close
    verdict = verify_receipt(last.receipt, last.inclusion_proof.to_document(), last.tree_head, keys)
    assert verdict.ok, (verdict.signature.detail, verdict.inclusion.detail)

    decide_all(portal, hearing_id, early + late)
    portal.call(conclude_hearing, OWNER, hearing_id, Conclusion(conclusion="Planen vedtages."))
    assert events() == [EventKind.CONCLUDED]

    final = portal.call(tree_heads, None, hearing_id).items[0]
    assert (final.tree_size, final.final) == (5, True)
    assert receipt_payload_of(last.receipt).response_id == late[-1]
    proof = portal.call(tree_head_consistency, None, hearing_id, 2, final.tree_size)
    check = verify_consistency(kept.tree_head, final.tree_head, proof.to_document(), keys)
    assert check.ok, check.detail
    again = portal.call(response_receipt, PEOPLE[0], hearing_id, early[0])
    assert again.tree_head == final.tree_head  # after the conclusion every receipt file proves against the final head
    assert verify_receipt(again.receipt, again.inclusion_proof.to_document(), again.tree_head, keys).ok


def test_a_late_timer_still_closes_the_log_when_the_conclusion_records_the_close(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    events = HearingEvents(portal)
    events()
    responses = [submitted(portal, hearing_id, who, screened=False) for who in PEOPLE[:3]]
    to_deadline(portal, hearing_id)
    portal.clock.advance(minutes=5)  # the timer never ran
    decide_all(portal, hearing_id, responses)

    portal.call(conclude_hearing, OWNER, hearing_id, Conclusion(conclusion="Planen vedtages."))

    assert events() == [EventKind.CLOSED, EventKind.CONCLUDED]
    # Both events find the hearing concluded: one head, the final one, over all three.
    heads = portal.call(tree_heads, None, hearing_id).items
    assert [(head.tree_size, head.final) for head in heads] == [(3, True)]
    file = portal.call(response_receipt, PEOPLE[2], hearing_id, responses[2])
    keys = portal.call(receipt_keys).to_document()
    assert file.tree_head == heads[0].tree_head
    assert verify_receipt(file.receipt, file.inclusion_proof.to_document(), file.tree_head, keys).ok


def test_a_hearing_reopened_before_its_close_was_handled_publishes_no_head(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    events = HearingEvents(portal)
    events()
    submitted(portal, hearing_id, PEOPLE[0], screened=True)
    to_deadline(portal, hearing_id)
    portal.call(advance_due_hearings)
    hearing = portal.stored_hearing(hearing_id)
    assert hearing.start is not None and hearing.deadline is not None
    later = ScheduleRequest(start=hearing.start, deadline=hearing.deadline + timedelta(days=7))
    portal.call(schedule_hearing, OWNER, hearing_id, later)

    events()  # the closing is handled after the deadline moved: the hearing is open again

    assert portal.call(tree_heads, None, hearing_id).items == []
    assert log_size(hearing_id, documents=portal.store) == 1
