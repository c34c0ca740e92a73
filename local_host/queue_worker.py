"""Queue triggers fed from the embedded durable queue, as the Service Bus trigger would be in Azure."""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime

import azure.functions.servicebus as servicebus

from local_host.activity import Activity
from local_host.catalog import FunctionSpec
from local_host.invoker import Invoker
from local_host.lock_renewal import LockRenewer
from shared.adapters.local_queue import Delivery, LocalQueue

log = logging.getLogger("local_host.queues")

IDLE_WAIT_MIN = 0.02
IDLE_WAIT_MAX = 0.25
ERROR_WAIT = 1.0


def to_message(delivery: Delivery) -> servicebus.ServiceBusMessage:
    """The same object type the Service Bus trigger passes in Azure."""
    properties = dict(delivery.properties)
    subject = delivery.subject or None
    enqueued = delivery.enqueued_at if delivery.enqueued_at.tzinfo else delivery.enqueued_at.replace(tzinfo=UTC)
    return servicebus.ServiceBusMessage(
        body=delivery.body,
        trigger_metadata=None,
        message_id=delivery.message_id,
        delivery_count=delivery.delivery_count,
        enqueued_time_utc=enqueued,
        application_properties=properties,
        user_properties=dict(properties),
        content_type=properties.get("content_type") or properties.get("Content-Type") or "application/json",
        subject=subject,
        label=subject,
        lock_token=delivery.lock_token,
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
        broker: LocalQueue,
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

    def _process(self, delivery: Delivery) -> None:
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

    def _lock_held(self, delivery: Delivery) -> AbstractContextManager[None]:
        # Without renewal a run longer than the lock lets another worker receive the same message.
        return self.renewer.hold(delivery) if self.renewer is not None else nullcontext()
