"""Messages handed on by a thread of its own, in batches, after the caller has moved on.

The intake stores a response durably before it answers, but the message that starts its screening
is not part of the receipt: a sweep (``rescreen_stalled``) announces any stored response left
unscreened. So the answer need not wait for the broker. Messages wait here in memory, and one
thread sends whatever has gathered per queue with ``publish_many``: one durable commit on the local
queue, one batch send on Service Bus, instead of one each. A process that ends before the hand-off
loses what it still held; the sweep announces those responses again. ``close`` hands on what is
left when the process stops in good order.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import threading
from collections import defaultdict

from shared.observability.spans import with_trace_context
from shared.ports.messages import MessageBus, OutgoingMessage

log = logging.getLogger(__name__)

# Enough for a burst of concurrent intakes in one hand-off; Service Bus splits by size itself.
MAX_BATCH = 500
# How long the thread lets messages gather once the first has come. On deadline day that is dozens of
# messages in one durable commit (or one Service Bus batch) instead of a handful: at 5 ms the local
# queue's commits cost the intake process about a tenth of its CPU per response (bench/intake.py). The
# screening these messages start takes far longer than the wait, and nobody's answer waits for it.
LINGER_SECONDS = 0.05


class BatchingDeferredBus:
    def __init__(self, bus: MessageBus, max_batch: int = MAX_BATCH, linger: float = LINGER_SECONDS) -> None:
        self._bus = bus
        self._max_batch = max_batch
        self._linger = linger
        self._waiting: list[tuple[str, OutgoingMessage]] = []
        self._changed = threading.Condition()
        self._handing_on = 0  # messages taken from the list but not yet through the broker
        self._closed = False
        self._thread: threading.Thread | None = None

    def publish_soon(self, queue: str, message: OutgoingMessage) -> None:
        # The trace is read here: the hand-off runs on this object's thread, outside the caller's context.
        message = dataclasses.replace(message, properties=with_trace_context(message.properties))
        with self._changed:
            if not self._closed:
                self._waiting.append((queue, message))
                self._start()
                if len(self._waiting) == 1 or len(self._waiting) >= self._max_batch:
                    self._changed.notify_all()  # the thread waits for the first, or lingers for a full batch
                return
        # The process is stopping: hand on at once rather than keep what nobody will send.
        self._bus.publish(queue, message)

    def pending(self) -> int:
        """Messages accepted and not yet handed to the broker (or given up on)."""
        with self._changed:
            return len(self._waiting) + self._handing_on

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything accepted so far has been handed on; False when the timeout passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._waiting and not self._handing_on, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Hand on what is waiting, then stop the thread; later messages are published at once."""
        self.flush(timeout)
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="deferred-bus", daemon=True)
            self._thread.start()
            atexit.register(self.close)  # an interpreter that ends in good order hands on what is left

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting or self._closed)
                if not self._waiting:
                    return
                if not self._closed:
                    self._changed.wait_for(lambda: len(self._waiting) >= self._max_batch or self._closed, self._linger)
                batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
                self._handing_on = len(batch)
            try:
                self._hand_on(batch)
            finally:
                with self._changed:
                    self._handing_on = 0
                    self._changed.notify_all()

    def _hand_on(self, batch: list[tuple[str, OutgoingMessage]]) -> None:
        by_queue: dict[str, list[OutgoingMessage]] = defaultdict(list)
        for queue, message in batch:
            by_queue[queue].append(message)
        for queue, messages in by_queue.items():
            try:
                self._bus.publish_many(queue, messages)
            except Exception:
                # Not retried here: the broker may be down for a while, and memory is no place to wait.
                # Each message names a stored fact a sweep finds again.
                log.warning(
                    "handing on %d messages to %s failed; the sweep will announce them again",
                    len(messages),
                    queue,
                    exc_info=True,
                )
