"""Spans and metrics as an operator sees them: the right names and outcomes, and nothing personal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from shared.observability import metrics, names, setup, spans
from shared.observability.counted_mailer import CountedMailer
from shared.observability.scrubbing import REDACTED, scrub
from shared.ports.mail import Notification

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


@pytest.fixture
def reader() -> Iterator[InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    setup.configure_for_tests(reader, queues=("responses-received",), statistics=FakeQueue())
    yield reader
    setup.reset()


class FakeQueue:
    def depth(self, queue: str) -> int | None:
        return 3

    def oldest_age(self, queue: str) -> float | None:
        return 12.5


@dataclass
class FakeMessage:
    body: dict[str, Any]
    application_properties: dict[str, Any] = field(default_factory=dict)
    delivery_count: int = 1

    def get_body(self) -> bytes:
        return json.dumps(self.body).encode()


def recorded() -> list[Any]:
    telemetry = setup.current()
    assert telemetry is not None and telemetry.recent is not None
    return telemetry.recent.spans()


def metric_points(reader: InMemoryMetricReader) -> dict[str, list[tuple[dict[str, Any], Any]]]:
    data = reader.get_metrics_data()
    points: dict[str, list[tuple[dict[str, Any], Any]]] = {}
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                points[metric.name] = [
                    (dict(p.attributes or {}), getattr(p, "value", None)) for p in metric.data.data_points
                ]
    return points


def test_scrub_blanks_cpr_numbers_e_mail_addresses_and_tokens() -> None:
    text = "Anna 010190-1234 anna@example.dk Bearer abc.def eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"
    scrubbed = scrub(text)
    assert scrubbed == f"Anna {REDACTED} {REDACTED} {REDACTED} {REDACTED}"
    assert scrub("hearings/{hearing_id}/responses") == "hearings/{hearing_id}/responses"


def test_a_cpr_number_in_a_route_value_never_reaches_the_exporter(reader: InMemoryMetricReader) -> None:
    with spans.http_span("submit_response", "POST", "hearings/{hearing_id}/responses", {}, "010190-1234") as span:
        span.answered(404)
    (exported,) = recorded()
    assert exported.attributes[names.HEARING_ID] == REDACTED
    assert exported.attributes[names.HTTP_STATUS] == 404
    assert exported.attributes[names.OUTCOME] == "failure"


def test_the_http_span_continues_the_callers_trace_and_says_what_failed_without_the_message(
    reader: InMemoryMetricReader,
) -> None:
    headers = {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "authorization": "Bearer secret"}
    with spans.http_span("get_hearing", "GET", "hearings/{hearing_id}", headers, "h-1") as span:
        span.answered(500, RuntimeError("anna@example.dk broke it"))
    (exported,) = recorded()
    assert f"{exported.context.trace_id:032x}" == TRACE_ID
    assert f"{exported.parent.span_id:016x}" == PARENT_ID
    assert exported.attributes[names.ERROR_TYPE] == "RuntimeError"
    assert exported.status.description == "RuntimeError"
    assert "secret" not in json.dumps(dict(exported.attributes))


def test_a_consumer_continues_the_trace_the_publisher_put_in_the_message(reader: InMemoryMetricReader) -> None:
    with spans.http_span("submit_response", "POST", "hearings/{hearing_id}/responses", {}, "h-1") as span:
        properties = spans.with_trace_context({"kind": "x"})
        span.answered(201)
    assert properties["kind"] == "x" and properties["traceparent"].startswith("00-")

    handled: list[str] = []

    @spans.consumer("responses-received")
    def screen_received_response(msg: FakeMessage) -> None:
        handled.append(msg.body["responseId"])

    screen_received_response(FakeMessage({"hearingId": "h-1", "responseId": "r-1"}, properties))
    intake, consumer = recorded()
    assert handled == ["r-1"]
    assert consumer.context.trace_id == intake.context.trace_id
    assert consumer.parent.span_id == intake.context.span_id
    assert consumer.attributes[names.FAAS_NAME] == "screen_received_response"
    assert consumer.attributes[names.HEARING_ID] == "h-1"
    assert consumer.attributes[names.OUTCOME] == "success"


def test_a_failing_consumer_is_marked_failed_and_its_error_still_reaches_the_queue(
    reader: InMemoryMetricReader,
) -> None:
    @spans.consumer("records-journalise")
    def journalise_hearing(msg: FakeMessage) -> None:
        raise ValueError("case 2026-1 for 010190-1234 refused")

    with pytest.raises(ValueError, match="refused"):
        journalise_hearing(FakeMessage({"hearingId": "h-2"}))
    (exported,) = recorded()
    assert exported.attributes[names.OUTCOME] == "failure"
    assert exported.attributes[names.ERROR_TYPE] == "ValueError"
    assert not exported.events  # no exception event: its message may quote personal data


def test_counters_and_queue_gauges_reach_the_metric_reader(reader: InMemoryMetricReader) -> None:
    metrics.count(names.RECEIPTS_ISSUED)
    metrics.count(names.RECEIPTS_ISSUED)
    metrics.count(names.JOURNALISING_FAILURES)
    points = metric_points(reader)
    assert points[names.RECEIPTS_ISSUED] == [({}, 2)]
    assert points[names.JOURNALISING_FAILURES] == [({}, 1)]
    assert points[names.QUEUE_DEPTH] == [({names.MESSAGING_DESTINATION: "responses-received"}, 3)]
    assert points[names.QUEUE_OLDEST_AGE] == [({names.MESSAGING_DESTINATION: "responses-received"}, 12.5)]


class FlakyMailer:
    def __init__(self) -> None:
        self.delivered: set[str] = set()

    def send(self, notification: Notification) -> bool:
        if notification.recipient == "down":
            raise ConnectionError("mail server down")
        fresh = notification.notification_id not in self.delivered
        self.delivered.add(notification.notification_id)
        return fresh


def notification(notification_id: str, recipient: str = "someone") -> Notification:
    return Notification(notification_id, "email", recipient, "Emne", "Tekst", "<p>Tekst</p>")


def test_notifications_are_counted_once_when_sent_and_when_they_fail(reader: InMemoryMetricReader) -> None:
    mailer = CountedMailer(FlakyMailer())
    assert mailer.send(notification("n-1"))
    assert not mailer.send(notification("n-1"))  # a redelivery sends nothing and counts nothing
    with pytest.raises(ConnectionError):
        mailer.send(notification("n-2", "down"))
    points = metric_points(reader)
    assert points[names.NOTIFICATIONS_SENT] == [({names.CHANNEL: "email"}, 1)]
    assert points[names.NOTIFICATIONS_FAILED] == [({names.CHANNEL: "email"}, 1)]


def test_without_configuration_nothing_is_recorded_and_messages_carry_no_trace() -> None:
    setup.reset()
    assert spans.with_trace_context({"kind": "x"}) == {"kind": "x"}
    with spans.http_span("f", "GET", "r", {}, None) as span:
        span.answered(200)
    metrics.count(names.RECEIPTS_ISSUED)  # a no-op, not an error
    assert setup.current() is None
