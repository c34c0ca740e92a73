"""Delivery status per recipient: sent, queued again after a bounded backoff, or failed for good."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from shared.domain.delivery import (
    FIRST_RETRY,
    LONGEST_WAIT,
    MAX_ATTEMPTS,
    Delivery,
    DeliveryChannel,
    DeliveryState,
    RecipientKind,
    backoff,
)

NOW = datetime(2026, 12, 12, 11, 0, tzinfo=UTC)


def queued() -> Delivery:
    return Delivery(notification_id="n-1", recipient_kind=RecipientKind.CPR, channel=DeliveryChannel.DIGITAL_POST)


def test_the_wait_doubles_stays_positive_and_is_bounded() -> None:
    lowest = [backoff(n, draw=lambda: 0.0) for n in range(1, 12)]
    highest = [backoff(n, draw=lambda: 0.999999) for n in range(1, 12)]

    assert lowest[0] == FIRST_RETRY / 2 and lowest[1] == FIRST_RETRY
    assert all(later >= earlier for earlier, later in itertools.pairwise(lowest))
    assert all(timedelta() < low <= high <= LONGEST_WAIT for low, high in zip(lowest, highest, strict=True))
    assert backoff(1000, draw=lambda: 0.5) <= LONGEST_WAIT


def test_a_failed_attempt_is_queued_again_with_its_reason() -> None:
    failed = queued().attempt_failed("SMTP 451 try later", NOW, draw=lambda: 0.0)

    assert failed.state is DeliveryState.QUEUED
    assert failed.attempts == 1
    assert failed.last_error == "SMTP 451 try later"
    assert failed.next_attempt_at == NOW + FIRST_RETRY / 2


def test_attempts_run_out_and_a_permanent_failure_stops_at_once() -> None:
    delivery = queued()
    for _ in range(MAX_ATTEMPTS):
        delivery = delivery.attempt_failed("503", NOW)
    bad_recipient = queued().attempt_failed("no such CPR number", NOW, permanent=True)

    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (DeliveryState.FAILED, MAX_ATTEMPTS, None)
    assert (bad_recipient.state, bad_recipient.attempts) == (DeliveryState.FAILED, 1)


def test_retry_after_defers_without_spending_an_attempt_and_sent_is_final() -> None:
    deferred = queued().deferred(timedelta(seconds=120), NOW, "Graph 429")
    sent = deferred.sent()

    assert (deferred.state, deferred.attempts, deferred.next_attempt_at) == (
        DeliveryState.QUEUED,
        0,
        NOW + timedelta(seconds=120),
    )
    assert queued().deferred(timedelta(days=3), NOW, "x").next_attempt_at == NOW + LONGEST_WAIT
    assert (sent.state, sent.attempts, sent.next_attempt_at) == (DeliveryState.SENT, 1, None)
    assert Delivery.model_validate(sent.to_document()) == sent
