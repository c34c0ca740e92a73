"""Messages the answer does not wait for: handed on in batches after the caller moved on, none lost
while the process runs, and a lost one (the process ended first) announced again by the sweep."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from shared.adapters.deferred_bus import BatchingDeferredBus
from shared.domain.response import Receipt, ResponseStatus
from shared.ports.messages import OutgoingMessage
from shared.services import queues
from shared.services.responses import ResponseSubmission, rescreen_stalled, revise_response, submit_response
from tests.fakes import FakeBus, Portal, citizen

ANNA = citizen("mitid:anna", "Anna Jensen")


class GatedBus(FakeBus):
    """Holds every hand-off until the test opens the gate, and counts the hand-offs."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.handoffs: list[int] = []

    def publish_many(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        self.gate.wait(10)
        self.handoffs.append(len(messages))
        super().publish_many(queue, messages)


class LostBus:
    """A process that ends before it hands anything on."""

    def __init__(self) -> None:
        self.held: list[OutgoingMessage] = []

    def publish_soon(self, queue: str, message: OutgoingMessage) -> None:
        self.held.append(message)


def message(number: int) -> OutgoingMessage:
    return OutgoingMessage(message_id=f"m{number}", body={"n": number})


def test_messages_arrive_in_order_in_fewer_hand_offs_than_messages() -> None:
    bus = GatedBus()
    deferred = BatchingDeferredBus(bus, linger=0)
    deferred.publish_soon("work", message(0))
    for number in range(1, 50):  # these gather while the first hand-off waits at the gate
        deferred.publish_soon("work", message(number))
    assert deferred.pending() == 50
    bus.gate.set()

    assert deferred.flush(timeout=10)
    assert [m.body["n"] for m in bus.queues["work"]] == list(range(50))
    assert len(bus.handoffs) < 50
    assert deferred.pending() == 0
    deferred.close()


def test_each_queue_gets_its_own_messages() -> None:
    bus = FakeBus()
    deferred = BatchingDeferredBus(bus)
    deferred.publish_soon("a", message(1))
    deferred.publish_soon("b", message(2))
    deferred.publish_soon("a", message(3))

    assert deferred.flush(timeout=10)
    assert [m.message_id for m in bus.queues["a"]] == ["m1", "m3"]
    assert [m.message_id for m in bus.queues["b"]] == ["m2"]
    deferred.close()


def test_a_broker_failure_is_logged_and_later_messages_still_go(caplog: pytest.LogCaptureFixture) -> None:
    bus = FakeBus()
    deferred = BatchingDeferredBus(bus)
    bus.fail_next()
    deferred.publish_soon("work", message(1))
    assert deferred.flush(timeout=10)
    deferred.publish_soon("work", message(2))
    assert deferred.flush(timeout=10)

    assert [m.message_id for m in bus.queues["work"]] == ["m2"]
    assert "the sweep will announce them again" in caplog.text
    deferred.close()


def test_close_hands_on_what_waits_and_later_messages_go_at_once() -> None:
    bus = GatedBus()
    deferred = BatchingDeferredBus(bus)
    for number in range(5):
        deferred.publish_soon("work", message(number))
    bus.gate.set()
    deferred.close()
    assert len(bus.queues["work"]) == 5

    deferred.publish_soon("work", message(99))
    assert bus.queues["work"][-1].message_id == "m99"  # no thread left to wait for


def test_the_receipt_does_not_wait_for_the_announcement() -> None:
    portal = Portal.start()
    bus = GatedBus()
    portal.bus = bus
    portal.deferred_bus = deferred = BatchingDeferredBus(bus)
    hearing_id = portal.active()

    receipt, created = portal.call(
        submit_response, ANNA, hearing_id, ResponseSubmission(text="Svar mens køen er langsom", accepted_terms="1")
    )

    assert created and bus.queues[queues.RESPONSES_RECEIVED] == []  # answered; the message is still held
    assert portal.stored_response(hearing_id, receipt.response_id).status is ResponseStatus.SUBMITTED
    bus.gate.set()
    assert deferred.flush(timeout=10)
    assert [m.body["responseId"] for m in bus.queues[queues.RESPONSES_RECEIVED]] == [receipt.response_id]
    deferred.close()


def answered_by_a_process_that_ends(text: str) -> tuple[Portal, LostBus, str, Receipt]:
    """Anna's response, answered by a process whose held messages are lost."""
    portal = Portal.start()
    portal.deferred_bus = lost = LostBus()
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text=text, accepted_terms="1"))
    return portal, lost, hearing_id, receipt


def test_an_announcement_lost_with_its_process_is_made_again_by_the_sweep() -> None:
    portal, lost, _, receipt = answered_by_a_process_that_ends("Svar lige før et nedbrud")
    assert len(lost.held) == 1 and portal.bus.ids(queues.RESPONSES_RECEIVED) == []

    portal.clock.advance(minutes=6)
    assert portal.call(rescreen_stalled) == 1
    assert [m.body["responseId"] for m in portal.bus.queues[queues.RESPONSES_RECEIVED]] == [receipt.response_id]


def test_an_edit_is_announced_after_its_answer_too() -> None:
    portal, lost, hearing_id, receipt = answered_by_a_process_that_ends("Første udgave")

    edited = portal.call(
        revise_response,
        ANNA,
        hearing_id,
        receipt.response_id,
        ResponseSubmission(text="Anden udgave", accepted_terms="1"),
    )

    assert [m.body["responseId"] for m in lost.held] == [receipt.response_id, receipt.response_id]
    assert edited.digest != receipt.digest and portal.bus.ids(queues.RESPONSES_RECEIVED) == []
