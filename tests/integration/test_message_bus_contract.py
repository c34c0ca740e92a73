"""The MessageBus contract for the local queue (always) and Service Bus (when one is configured),
followed by the delivery guarantees of the local queue that the local host's worker relies on.

Service Bus runs when SERVICEBUS_TEST_CONNECTION_STRING is set; it uses the queue named by
SERVICEBUS_TEST_QUEUE (default ``contract-tests``), which must exist with duplicate detection on.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest

from shared.adapters.local_queue import DeadLetter, Delivery, LocalQueue, LockLost
from shared.ports.messages import MessageBus, OutgoingMessage
from tests.integration.storage_support import poll


@dataclass(frozen=True)
class Received:
    message_id: str
    body: dict[str, Any]
    subject: str
    properties: dict[str, str]


class Harness(Protocol):
    bus: MessageBus
    queue: str

    def drain(self, expected: int) -> list[Received]:
        """Receive and settle what is on the queue: at least ``expected`` messages, then whatever follows."""
        ...


class LocalHarness:
    def __init__(self, path: Path) -> None:
        self.local = LocalQueue(path)
        self.bus: MessageBus = self.local
        self.queue = "contract"

    def drain(self, expected: int) -> list[Received]:
        received: list[Received] = []
        for delivery in self.local.receive(self.queue, max_messages=expected + 10):
            self.local.complete(delivery)
            received.append(_received(delivery))
        return received


class ServiceBusHarness:
    def __init__(self, connection_string: str, queue: str) -> None:
        from azure.servicebus import ServiceBusClient

        from shared.adapters.servicebus_bus import ServiceBusMessageBus

        self.client = ServiceBusClient.from_connection_string(connection_string)
        self.bus: MessageBus = ServiceBusMessageBus.connect(connection_string, None)
        self.queue = queue
        self.drain(0)  # leftovers of an earlier, interrupted run

    def drain(self, expected: int) -> list[Received]:
        received: list[Received] = []
        with self.client.get_queue_receiver(self.queue, max_wait_time=5) as receiver:
            while True:
                batch = receiver.receive_messages(max_message_count=50, max_wait_time=5)
                if not batch:
                    break
                for message in batch:
                    assert message.content_type == "application/json"
                    received.append(
                        Received(
                            message_id=str(message.message_id),
                            body=json.loads(b"".join(message.body)),
                            subject=message.subject or "",
                            properties={_text(k): _text(v) for k, v in (message.application_properties or {}).items()},
                        )
                    )
                    receiver.complete_message(message)
                if len(received) >= expected:
                    break
        return received


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _received(delivery: Delivery) -> Received:
    return Received(delivery.message_id, json.loads(delivery.body), delivery.subject, delivery.properties)


@pytest.fixture(params=["local", pytest.param("servicebus", marks=pytest.mark.azure)])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "local":
        local = LocalHarness(tmp_path / "queue.sqlite")
        yield local
        local.local.close()
        return
    connection_string = os.environ.get("SERVICEBUS_TEST_CONNECTION_STRING")
    if not connection_string:
        pytest.skip("Service Bus contract runs only when SERVICEBUS_TEST_CONNECTION_STRING is set")
    remote = ServiceBusHarness(connection_string, os.environ.get("SERVICEBUS_TEST_QUEUE", "contract-tests"))
    yield remote
    remote.client.close()


def message(message_id: str | None = None, **body: Any) -> OutgoingMessage:
    return OutgoingMessage(message_id=message_id or uuid.uuid4().hex, body=body or {"n": 1})


# -- the port contract ---------------------------------------------------------------------------


def test_a_published_message_arrives_intact(harness: Harness) -> None:
    sent = OutgoingMessage(
        message_id=f"response-accepted:{uuid.uuid4().hex}",
        body={"hearingId": "h1", "responseId": "r1", "text": "Jeg er imod forslaget"},
        subject="response.accepted",
        properties={"hearingId": "h1"},
    )

    harness.bus.publish(harness.queue, sent)

    assert harness.drain(1) == [Received(sent.message_id, sent.body, "response.accepted", {"hearingId": "h1"})]


def test_publishing_the_same_message_id_twice_delivers_it_once(harness: Harness) -> None:
    message_id = uuid.uuid4().hex

    harness.bus.publish(harness.queue, message(message_id, attempt=1))
    harness.bus.publish(harness.queue, message(message_id, attempt=2))

    received = harness.drain(1)
    assert [(item.message_id, item.body) for item in received] == [(message_id, {"attempt": 1})]


def test_messages_are_delivered_in_the_order_published(harness: Harness) -> None:
    sent = [message(n=number) for number in range(5)]
    for outgoing in sent:
        harness.bus.publish(harness.queue, outgoing)

    received = harness.drain(5)
    assert [item.message_id for item in received] == [outgoing.message_id for outgoing in sent]


def test_messages_published_together_arrive_in_order_and_each_once(harness: Harness) -> None:
    earlier = message()
    harness.bus.publish(harness.queue, earlier)
    together = [message(n=number) for number in range(20)]

    harness.bus.publish_many(harness.queue, [*together, together[3], earlier])

    received = harness.drain(21)
    assert [item.message_id for item in received] == [earlier.message_id, *(m.message_id for m in together)]


# -- local queue delivery guarantees -------------------------------------------------------------


@pytest.fixture
def queue_path(tmp_path: Path) -> Path:
    return tmp_path / "queue.sqlite"


def test_a_delivery_carries_what_was_published(queue_path: Path) -> None:
    queue = LocalQueue(queue_path)
    before = datetime.now(UTC)
    queue.publish("mail", OutgoingMessage("m1", {"to": "a@example.org"}, subject="notify", properties={"k": "v"}))

    (delivery,) = queue.receive("mail")

    assert (delivery.queue, delivery.message_id, delivery.subject, delivery.properties) == (
        "mail",
        "m1",
        "notify",
        {"k": "v"},
    )
    assert json.loads(delivery.body) == {"to": "a@example.org"}
    assert delivery.delivery_count == 1
    assert delivery.enqueued_at.tzinfo is not None
    assert before - timedelta(seconds=1) <= delivery.enqueued_at <= datetime.now(UTC) + timedelta(seconds=1)


def test_a_locked_message_is_not_handed_out_twice(queue_path: Path) -> None:
    queue = LocalQueue(queue_path)
    queue.publish("q", message("m1"))

    assert len(queue.receive("q")) == 1
    assert queue.receive("q") == []
    assert queue.depth("q") == 1  # in flight still counts


def test_a_message_whose_lock_expires_is_delivered_again(queue_path: Path) -> None:
    queue = LocalQueue(queue_path, lock_duration=timedelta(milliseconds=200))
    queue.publish("q", message("m1"))
    (first,) = queue.receive("q")

    second = poll(lambda: queue.receive("q"))[0]

    assert (second.message_id, second.delivery_count) == ("m1", 2)
    with pytest.raises(LockLost):
        queue.complete(first)  # the first consumer lost its claim
    queue.complete(second)
    assert queue.depth("q") == 0


def test_a_completed_message_is_gone(queue_path: Path) -> None:
    queue = LocalQueue(queue_path, lock_duration=timedelta(milliseconds=50))
    queue.publish("q", message("m1"))
    queue.publish("q", message("m2"))

    for delivery in queue.receive("q", max_messages=2):
        queue.complete(delivery)

    assert queue.depth("q") == 0
    assert queue.receive("q", max_messages=5) == []


def test_an_abandoned_message_comes_back_after_a_backoff(queue_path: Path) -> None:
    queue = LocalQueue(queue_path, backoff_base=timedelta(milliseconds=500))
    queue.publish("q", message("m1"))
    (first,) = queue.receive("q")

    queue.abandon(first, "records system unavailable")

    assert queue.receive("q") == []  # still backing off
    again = poll(lambda: queue.receive("q"), timeout=10)[0]
    assert (again.message_id, again.delivery_count) == ("m1", 2)


def test_after_the_last_allowed_delivery_a_message_is_dead_lettered_with_its_reason(queue_path: Path) -> None:
    queue = LocalQueue(queue_path, max_delivery_count=3, backoff_base=timedelta(milliseconds=1))
    queue.publish("q", OutgoingMessage("m1", {"hearingId": "h1"}, subject="archive"))

    for attempt in range(1, 4):
        delivery = poll(lambda: queue.receive("q"))[0]
        assert delivery.delivery_count == attempt
        queue.abandon(delivery, f"attempt {attempt} failed")

    (dead,) = queue.dead_letters("q")
    assert (dead.queue, dead.message_id, dead.reason, dead.delivery_count) == ("q", "m1", "attempt 3 failed", 3)
    assert json.loads(dead.body) == {"hearingId": "h1"}
    assert dead.dead_lettered_at.tzinfo is not None
    assert queue.depth("q") == 0
    assert queue.receive("q") == []


def test_a_consumer_dying_on_the_last_delivery_dead_letters_the_message(queue_path: Path) -> None:
    queue = LocalQueue(queue_path, max_delivery_count=1, lock_duration=timedelta(milliseconds=100))
    queue.publish("q", message("m1"))
    queue.receive("q")  # and never settled

    def dead_lettered() -> list[DeadLetter]:
        assert queue.receive("q") == []  # receiving is what notices the expired lock
        return queue.dead_letters("q")

    dead = poll(dead_lettered)

    assert [(letter.message_id, letter.delivery_count) for letter in dead] == [("m1", 1)]
    assert "lock expired" in dead[0].reason


def test_a_replayed_dead_letter_is_delivered_afresh(queue_path: Path) -> None:
    queue = LocalQueue(queue_path, max_delivery_count=1)
    queue.publish("q", OutgoingMessage("m1", {"n": 1}, subject="archive", properties={"k": "v"}))
    queue.abandon(queue.receive("q")[0], "broken")
    (dead,) = queue.dead_letters("q")

    queue.replay("q", dead.id)

    assert queue.dead_letters("q") == []
    (delivery,) = queue.receive("q")
    assert (delivery.message_id, delivery.delivery_count, delivery.subject, delivery.properties) == (
        "m1",
        1,
        "archive",
        {"k": "v"},
    )
    assert json.loads(delivery.body) == {"n": 1}


def test_a_dead_letter_can_be_replayed_by_its_message_id(queue_path: Path) -> None:
    queue = LocalQueue(queue_path, max_delivery_count=1)
    queue.publish("q", message("m1"))
    queue.abandon(queue.receive("q")[0], "broken")

    queue.replay("q", "m1")

    assert [delivery.message_id for delivery in queue.receive("q")] == ["m1"]
    with pytest.raises(KeyError):
        queue.replay("q", "m1")


def test_a_large_batch_arrives_whole_in_order_and_without_the_ids_already_seen(queue_path: Path) -> None:
    queue = LocalQueue(queue_path)
    queue.publish("q", message("m7"))
    batch = [message(f"m{number}") for number in range(450)]  # more than one statement's worth of rows

    queue.publish_many("q", [*batch, batch[0]])

    received: list[str] = []
    while delivered := queue.receive("q", max_messages=100):
        received += [delivery.message_id for delivery in delivered]
        for delivery in delivered:
            queue.complete(delivery)
    assert received == ["m7", *(f"m{number}" for number in range(450) if number != 7)]


def test_duplicate_detection_is_per_queue_and_forgets_after_its_window(queue_path: Path) -> None:
    queue = LocalQueue(queue_path, duplicate_window=timedelta(milliseconds=200))
    queue.publish("a", message("same"))
    queue.publish("a", message("same"))
    queue.publish("b", message("same"))

    assert (queue.depth("a"), queue.depth("b")) == (1, 1)

    def publish_again() -> bool:
        queue.publish("a", message("same"))
        return queue.depth("a") == 2

    poll(publish_again)


def test_a_completed_message_id_is_still_a_duplicate_within_the_window(queue_path: Path) -> None:
    queue = LocalQueue(queue_path)
    queue.publish("q", message("once"))
    queue.complete(queue.receive("q")[0])

    queue.publish("q", message("once"))

    assert queue.depth("q") == 0


def test_receive_hands_out_the_oldest_messages_first(queue_path: Path) -> None:
    queue = LocalQueue(queue_path)
    for number in range(6):
        queue.publish("q", message(f"m{number}"))

    first = [delivery.message_id for delivery in queue.receive("q", max_messages=4)]
    rest = [delivery.message_id for delivery in queue.receive("q", max_messages=4)]

    assert (first, rest) == (["m0", "m1", "m2", "m3"], ["m4", "m5"])


def test_queues_lists_every_queue_published_to(queue_path: Path) -> None:
    queue = LocalQueue(queue_path)
    queue.publish("notifications", message())
    queue.publish("archive", message())

    assert queue.queues() == ["archive", "notifications"]


def test_concurrent_consumers_each_get_different_messages(queue_path: Path) -> None:
    queue = LocalQueue(queue_path)
    published = {f"m{number}" for number in range(200)}
    for message_id in sorted(published):
        queue.publish("q", message(message_id))
    consumed: list[str] = []
    guard = threading.Lock()

    def consume() -> None:
        while deliveries := queue.receive("q", max_messages=3):
            for delivery in deliveries:
                queue.complete(delivery)
                with guard:
                    consumed.append(delivery.message_id)

    workers = [threading.Thread(target=consume) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(consumed) == sorted(published)
    assert queue.depth("q") == 0


def test_an_in_memory_queue_works_for_unit_tests() -> None:
    queue = LocalQueue(":memory:")
    queue.publish("q", message("m1"))

    (delivery,) = queue.receive("q")
    queue.complete(delivery)

    assert queue.depth("q") == 0


def test_a_renewed_lock_keeps_a_slow_message_from_a_second_consumer(tmp_path: Path) -> None:
    queue = LocalQueue(tmp_path / "renew.sqlite", lock_duration=timedelta(seconds=1))
    queue.publish("slow", OutgoingMessage(message_id="m1", body={"n": 1}))
    [delivery] = queue.receive("slow")
    for _ in range(4):  # 4 x 0.4 s: longer than the lock, renewed well before it runs out each time
        time.sleep(0.4)
        queue.renew(delivery)
        assert queue.receive("slow") == []
    queue.complete(delivery)
    assert queue.depth("slow") == 0
