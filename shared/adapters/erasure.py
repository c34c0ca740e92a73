"""Erasure adapters: the embedded one (local queue file, local outbox folder, SQLite files) and the
Azure one (Service Bus dead-letter queues, the blob outbox). ``provide`` picks one from the settings."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from shared.ports.files import FileStore
from shared.services import queues
from shared.services.containers import OUTBOX_CONTAINER
from shared.settings import Settings

if TYPE_CHECKING:
    from azure.servicebus import ServiceBusClient

    from shared.adapters.local_queue import LocalQueue
    from shared.adapters.sqlite_documents import SqliteDocumentStore

HEARING_ID = "hearingId"  # every message about a hearing names it in its body


def mentions(raw: bytes, hearing_id: str) -> bool:
    """Whether a stored notification is about the hearing: its subject or a text part names its id
    (every notification links to its hearing). Parts are decoded first: a body may be base64."""
    message = email.message_from_bytes(raw, policy=policy.default)
    if hearing_id in str(message.get("Subject", "")):
        return True
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            content = part.get_content()
            if isinstance(content, str) and hearing_id in content:
                return True
    return False


class LocalErasure:
    def __init__(
        self, queue: LocalQueue | None, outbox: Path | None, stores: tuple[SqliteDocumentStore, ...] = ()
    ) -> None:
        self._queue = queue
        self._outbox = outbox
        self._stores = stores

    def forget_messages(self, hearing_id: str) -> int:
        return self._queue.forget(HEARING_ID, hearing_id) if self._queue is not None else 0

    def forget_notifications(self, hearing_id: str) -> int:
        if self._outbox is None or not self._outbox.exists():
            return 0
        gone = 0
        for path in sorted(self._outbox.glob("*.eml")):
            if mentions(path.read_bytes(), hearing_id):
                path.with_suffix(".memo.xml").unlink(missing_ok=True)  # the Digital Post copy beside it
                path.unlink(missing_ok=True)
                gone += 1
        return gone

    def erase_freed(self) -> None:
        for store in self._stores:
            store.erase_freed()


class AzureErasure:
    """Service Bus deletes completed messages itself; dead letters stay until someone takes them."""

    def __init__(self, client: ServiceBusClient | None, files: FileStore) -> None:
        self._client = client
        self._files = files

    def forget_messages(self, hearing_id: str) -> int:
        if self._client is None:
            return 0
        import json

        from azure.servicebus import ServiceBusReceivedMessage, ServiceBusSubQueue

        gone = 0
        for queue in queues.ALL:
            with self._client.get_queue_receiver(queue, sub_queue=ServiceBusSubQueue.DEAD_LETTER) as receiver:
                held: list[
                    ServiceBusReceivedMessage
                ] = []  # locked while the queue is walked, so none is received twice; let go at the end
                while batch := receiver.receive_messages(max_message_count=100, max_wait_time=5):
                    for message in batch:
                        try:
                            about = json.loads(b"".join(message.body)).get(HEARING_ID)
                        except ValueError:
                            about = None
                        if about == hearing_id:
                            receiver.complete_message(message)
                            gone += 1
                        else:
                            held.append(message)
                for message in held:
                    receiver.abandon_message(message)
        return gone

    def forget_notifications(self, hearing_id: str) -> int:
        gone = 0
        for info in self._files.list(OUTBOX_CONTAINER):
            if mentions(self._files.read(OUTBOX_CONTAINER, info.name), hearing_id):
                self._files.delete(OUTBOX_CONTAINER, info.name)
                gone += 1
        return gone

    def erase_freed(self) -> None:
        pass  # Cosmos DB and Blob Storage keep no deleted data a reader can reach


def provide(settings: Settings) -> LocalErasure | AzureErasure:
    data_dir = Path(settings.data_dir)
    if settings.hosted_in_azure:
        return AzureErasure(_servicebus(settings), _blob_files(settings))
    queue = None
    if settings.message_bus == "local":
        from shared.adapters.local_queue import LocalQueue

        queue = LocalQueue(data_dir / "queue.sqlite")
    stores: tuple[SqliteDocumentStore, ...] = ()
    if settings.document_store == "sqlite":
        from shared.adapters.sqlite_documents import SqliteDocumentStore

        stores = (SqliteDocumentStore(data_dir / "documents.sqlite"),)
    return LocalErasure(queue, data_dir / "outbox", stores)


def _servicebus(settings: Settings) -> ServiceBusClient | None:
    if settings.message_bus != "servicebus":
        return None
    from azure.servicebus import ServiceBusClient

    if settings.servicebus_connection_string:
        return ServiceBusClient.from_connection_string(settings.servicebus_connection_string)
    from shared.adapters.azure_credential import managed_identity

    return ServiceBusClient(settings.servicebus_namespace or "", managed_identity())


def _blob_files(settings: Settings) -> FileStore:
    from shared.adapters.blob_files import BlobFileStore

    if settings.blob_endpoint:
        return BlobFileStore.with_managed_identity(settings.blob_endpoint)
    return BlobFileStore.from_connection_string(settings.storage_connection_string)
