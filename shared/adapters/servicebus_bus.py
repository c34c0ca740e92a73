"""Message bus on Azure Service Bus: publish only; the Functions queue trigger consumes.

Queues are expected to have duplicate detection on, so the deterministic message id of every
message makes a second publish of the same fact harmless.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from azure.servicebus import ServiceBusClient, ServiceBusMessage, ServiceBusSender
from azure.servicebus.exceptions import MessageSizeExceededError
from azure.servicebus.management import ServiceBusAdministrationClient

from shared.observability.spans import with_trace_context
from shared.ports.messages import OutgoingMessage


class ServiceBusMessageBus:
    def __init__(self, client: ServiceBusClient) -> None:
        self._client = client
        self._senders: dict[str, ServiceBusSender] = {}
        self._send_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @classmethod
    def connect(cls, connection_string: str | None, fully_qualified_namespace: str | None) -> ServiceBusMessageBus:
        if connection_string:
            return cls(ServiceBusClient.from_connection_string(connection_string))
        if fully_qualified_namespace:
            from shared.adapters.azure_credential import managed_identity

            return cls(ServiceBusClient(fully_qualified_namespace, managed_identity()))
        raise ValueError("Service Bus needs a connection string or a fully qualified namespace")

    def publish(self, queue: str, message: OutgoingMessage) -> None:
        sender, send_lock = self._sender(queue)
        # A sender is not safe to share between threads; sends to one queue take turns.
        with send_lock:
            sender.send_messages(_outgoing(message))

    def publish_many(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        if not messages:
            return
        sender, send_lock = self._sender(queue)
        with send_lock:
            # As many as fit the namespace's batch size go in one send; the rest in the next ones.
            batch = sender.create_message_batch()
            for message in messages:
                outgoing = _outgoing(message)
                try:
                    batch.add_message(outgoing)
                except MessageSizeExceededError:
                    sender.send_messages(batch)
                    batch = sender.create_message_batch()
                    batch.add_message(outgoing)
            sender.send_messages(batch)

    def check(self) -> None:
        from shared.services.queues import RESPONSES_RECEIVED

        # Opening a link authenticates against the namespace and finds the queue; nothing is sent.
        with self._client.get_queue_sender(queue_name=RESPONSES_RECEIVED):
            pass

    def close(self) -> None:
        with self._lock:
            for sender in self._senders.values():
                sender.close()
            self._senders.clear()
            self._client.close()

    def _sender(self, queue: str) -> tuple[ServiceBusSender, threading.Lock]:
        with self._lock:
            sender = self._senders.get(queue)
            if sender is None:
                sender = self._senders[queue] = self._client.get_queue_sender(queue_name=queue)
                self._send_locks[queue] = threading.Lock()
            return sender, self._send_locks[queue]


def _outgoing(message: OutgoingMessage) -> ServiceBusMessage:
    return ServiceBusMessage(
        message.encoded(),
        message_id=message.message_id,
        subject=message.subject or None,
        # The trace's W3C context rides along, so the queue trigger continues it.
        application_properties={key: value for key, value in with_trace_context(message.properties).items()},
        content_type="application/json",
    )


class ServiceBusQueueStatistics:
    """Queue depth from the administration client and the oldest message's age from a peek, for the gauges.

    Only built when ``PORTAL_TELEMETRY_QUEUE_GAUGES=true``: reading runtime properties needs the Manage right,
    which the function apps' roles in infra/ do not grant by default.
    """

    def __init__(self, admin: ServiceBusAdministrationClient, client: ServiceBusClient) -> None:
        self._admin = admin
        self._client = client

    @classmethod
    def connect(cls, connection_string: str | None, fully_qualified_namespace: str | None) -> ServiceBusQueueStatistics:
        if connection_string:
            return cls(
                ServiceBusAdministrationClient.from_connection_string(connection_string),
                ServiceBusClient.from_connection_string(connection_string),
            )
        if fully_qualified_namespace:
            from shared.adapters.azure_credential import managed_identity

            credential = managed_identity()
            return cls(
                ServiceBusAdministrationClient(fully_qualified_namespace, credential),
                ServiceBusClient(fully_qualified_namespace, credential),
            )
        raise ValueError("Service Bus needs a connection string or a fully qualified namespace")

    def depth(self, queue: str) -> int | None:
        properties = self._admin.get_queue_runtime_properties(queue)
        active = properties.active_message_count
        return None if active is None else int(active)

    def oldest_age(self, queue: str) -> float | None:
        with self._client.get_queue_receiver(queue_name=queue) as receiver:
            peeked = receiver.peek_messages(max_message_count=1)
        if not peeked or peeked[0].enqueued_time_utc is None:
            return None
        enqueued = peeked[0].enqueued_time_utc
        return max(0.0, (datetime.now(UTC) - enqueued.astimezone(UTC)).total_seconds())
