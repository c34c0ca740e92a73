"""Queue triggers fed from the embedded durable queue, as the Service Bus trigger would be in Azure."""

from __future__ import annotations

import json
import logging
import threading
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any, Protocol

import azure.functions.servicebus as servicebus

from local_host.activity import Activity
from local_host.catalog import FunctionSpec
from local_host.invoker import Invoker
from local_host.lock_renewal import LockRenewer

log = logging.getLogger("local_host.queues")

IDLE_WAIT_MIN = 0.02
IDLE_WAIT_MAX = 0.25
ERROR_WAIT = 1.0


class QueueBroker(Protocol):
    """The part of ``shared.adapters.local_queue.LocalQueue`` the host consumes with."""

    def receive(self, queue: str, max_messages: int) -> list[Any]: ...

    def complete(self, delivery: Any) -> None: ...

    def abandon(self, delivery: Any, reason: str) -> None: ...

    def dead_letters(self, queue: str) -> list[Any]: ...

    def replay(self, queue: str, message_id: str) -> Any: ...

    def depth(self, queue: str) -> int: ...

    def queues(self) -> list[str]: ...


def is_queue_broker(bus: object) -> bool:
    return all(callable(getattr(bus, name, None)) for name in ("receive", "complete", "abandon", "depth"))


def to_message(delivery: Any) -> servicebus.ServiceBusMessage:
    """The same object type the Service Bus trigger passes in Azure."""
    properties = dict(getattr(delivery, "properties", None) or {})
    subject = getattr(delivery, "subject", None) or None
    enqueued = getattr(delivery, "enqueued_at", None)
    if isinstance(enqueued, datetime) and enqueued.tzinfo is None:
        enqueued = enqueued.replace(tzinfo=UTC)
    lock_token = getattr(delivery, "lock_token", None)
    return servicebus.ServiceBusMessage(
        body=_as_bytes(getattr(delivery, "body", b"")),
        trigger_metadata=None,
        message_id=str(delivery.message_id),
        delivery_count=int(getattr(delivery, "delivery_count", 1) or 1),
        enqueued_time_utc=enqueued if isinstance(enqueued, datetime) else None,
        application_properties=properties,
        user_properties=dict(properties),
        content_type=properties.get("content_type") or properties.get("Content-Type") or "application/json",
        subject=subject,
        label=subject,
        lock_token=str(lock_token) if lock_token is not None else None,
    )


def message_from_text(text: str, message_id: str) -> servicebus.ServiceBusMessage:
    """A message built from an admin request's input, for running a queue function by hand."""
    return servicebus.ServiceBusMessage(
        body=text.encode(),
        trigger_metadata=None,
        message_id=message_id,
        delivery_count=1,
        enqueued_time_utc=datetime.now(UTC),
        application_properties={},
        user_properties={},
        content_type="application/json",
    )


class QueueWorker:
    """One thread receiving from one queue for one function; completes on success, abandons on failure."""

    def __init__(
        self,
        spec: FunctionSpec,
        broker: QueueBroker,
        invoker: Invoker,
        activity: Activity,
        stop: threading.Event,
        index: int = 0,
        renewer: LockRenewer | None = None,
    ) -> None:
        self.spec = spec
        self.broker = broker
        self.invoker = invoker
        self.activity = activity
        self.stop = stop
        self.renewer = renewer
        self.thread = threading.Thread(target=self._run, name=f"queue:{spec.name}:{index}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)

    def _run(self) -> None:
        wait = IDLE_WAIT_MIN
        while not self.stop.is_set():
            try:
                with self.activity.busy():
                    deliveries = self.broker.receive(self.spec.queue_name, 1)
                    for delivery in deliveries:
                        self.activity.started_work()
                        self._process(delivery)
            except Exception:
                log.exception("queue %s: receiving failed", self.spec.queue_name)
                self.stop.wait(ERROR_WAIT)
                continue
            if deliveries:
                wait = IDLE_WAIT_MIN
            else:
                self.stop.wait(wait)
                wait = min(wait * 2, IDLE_WAIT_MAX)

    def _process(self, delivery: Any) -> None:
        failure: str | None = None
        try:
            with self._lock_held(delivery):
                self.invoker.invoke(self.spec, to_message(delivery), reason=f"New message on {self.spec.queue_name}")
        except Exception as error:
            failure = f"{type(error).__name__}: {error}"
        try:
            if failure is None:
                self.broker.complete(delivery)
            else:
                self.broker.abandon(delivery, failure)
        except Exception as error:
            # Typically the lock expired during a long run; the queue redelivers the message.
            log.warning("queue %s: could not settle message %s: %s", self.spec.queue_name, delivery.message_id, error)

    def _lock_held(self, delivery: Any) -> AbstractContextManager[None]:
        # Without renewal a run longer than the lock lets another worker receive the same message.
        return self.renewer.hold(delivery) if self.renewer is not None else nullcontext()


def _as_bytes(body: object) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
