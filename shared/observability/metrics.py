"""Counters the portal reports (``names.COUNTERS``) and the queue gauges, through one Meter per process.

``count`` is a no-op until ``install`` gives it a meter, so services and entry points may call it
whether or not this process exports anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from shared.observability import names

if TYPE_CHECKING:
    from opentelemetry.metrics import CallbackOptions, Counter, Meter, Observation

log = logging.getLogger(__name__)

_counters: dict[str, Counter] = {}


@runtime_checkable
class QueueStatistics(Protocol):
    """What the queue gauges read; ``None`` when the broker cannot tell cheaply."""

    def depth(self, queue: str) -> int | None: ...

    def oldest_age(self, queue: str) -> float | None: ...


def install(meter: Meter | None, queues: Sequence[str] = (), statistics: QueueStatistics | None = None) -> None:
    """Start (a meter) or stop (None) reporting; with ``statistics``, gauge the depth and age of ``queues``."""
    _counters.clear()
    if meter is None:
        return
    for name, description in names.COUNTERS.items():
        _counters[name] = meter.create_counter(name, unit="1", description=description)
    if statistics is not None and queues:
        gauges = _QueueGauges(statistics, tuple(queues))
        meter.create_observable_gauge(
            names.QUEUE_DEPTH, [gauges.depths], unit="1", description="messages waiting or in flight, per queue"
        )
        meter.create_observable_gauge(
            names.QUEUE_OLDEST_AGE,
            [gauges.ages],
            unit="s",
            description="seconds since the oldest waiting message was enqueued, per queue",
        )


def count(name: str, amount: int = 1, channel: str | None = None) -> None:
    """Add ``amount`` to the counter ``name`` (one of ``names.COUNTERS``)."""
    counter = _counters.get(name)
    if counter is not None:
        counter.add(amount, {names.CHANNEL: channel} if channel else None)


class _QueueGauges:
    """Reads the broker when the metric reader collects (once per export interval), never on a request."""

    def __init__(self, statistics: QueueStatistics, queues: tuple[str, ...]) -> None:
        self.statistics = statistics
        self.queues = queues

    def depths(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._observe(self.statistics.depth)

    def ages(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._observe(self.statistics.oldest_age)

    def _observe(self, read: Callable[[str], float | None]) -> list[Observation]:
        from opentelemetry.metrics import Observation

        observations = []
        for queue in self.queues:
            try:
                value = read(queue)
            except Exception as error:  # a broker hiccup must not stop the other metrics
                log.warning("reading queue %s for its gauges failed: %s", queue, type(error).__name__)
                continue
            if value is not None:
                observations.append(Observation(value, {names.MESSAGING_DESTINATION: queue}))
        return observations
