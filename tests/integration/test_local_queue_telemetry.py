"""The local queue carries the trace to its consumer and tells the gauges how deep and how old it is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local_host.queue_worker import to_message
from shared.adapters.local_queue import LocalQueue
from shared.observability import setup, spans
from shared.ports.messages import OutgoingMessage


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[LocalQueue]:
    queue = LocalQueue(tmp_path / "queue.sqlite")
    yield queue
    queue.close()


def test_a_message_published_inside_a_span_hands_its_trace_to_the_trigger(queue: LocalQueue) -> None:
    setup.configure_for_tests()
    try:
        with spans.http_span("submit_response", "POST", "hearings/{hearing_id}/responses", {}, "h-1") as span:
            queue.publish("responses-received", OutgoingMessage("m-1", {"hearingId": "h-1"}, properties={"a": "b"}))
            span.answered(201)
        (delivery,) = queue.receive("responses-received")
        message = to_message(delivery)  # what the local host's worker passes to the Service Bus trigger
        telemetry = setup.current()
        assert telemetry is not None and telemetry.recent is not None
        (intake,) = telemetry.recent.spans()
        trace_id, span_id = f"{intake.context.trace_id:032x}", f"{intake.context.span_id:016x}"
        assert message.application_properties["traceparent"].startswith(f"00-{trace_id}-{span_id}-")
        assert message.application_properties["a"] == "b"
    finally:
        setup.reset()


def test_depth_and_oldest_age_follow_what_is_on_the_queue(queue: LocalQueue) -> None:
    assert queue.depth("hearing-events") == 0
    assert queue.oldest_age("hearing-events") is None
    queue.publish("hearing-events", OutgoingMessage("e-1", {"hearingId": "h-1"}))
    queue.publish("hearing-events", OutgoingMessage("e-2", {"hearingId": "h-1"}))
    assert queue.depth("hearing-events") == 2
    age = queue.oldest_age("hearing-events")
    assert age is not None and age >= 0
    for delivery in queue.receive("hearing-events", 2):
        queue.complete(delivery)
    assert queue.depth("hearing-events") == 0
    assert queue.oldest_age("hearing-events") is None
