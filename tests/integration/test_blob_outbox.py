"""In Azure, notifications without a delivery adapter wait in blob storage, once each."""

from __future__ import annotations

from email import message_from_bytes, policy

from local_host.azurite import Azurite
from shared.adapters.blob_files import BlobFileStore
from shared.adapters.blob_outbox import BlobOutbox
from shared.ports.mail import Notification


def test_a_notification_is_kept_once_as_a_message_an_integration_can_read(azurite: Azurite) -> None:
    files = BlobFileStore.from_connection_string(azurite.connection_string)
    files.ensure_containers(["outbox-test"])
    outbox = BlobOutbox(files, "outbox-test")
    notification = Notification(
        notification_id="event-1:dev:citizen-anna",
        channel="digital-post",
        recipient="cpr-sealed:v1:abc",
        subject="Høringen er afsluttet: Lokalplan",
        text="Konklusion: Planen vedtages.",
        html="<p>Konklusion: Planen vedtages.</p>",
    )

    assert outbox.send(notification) is True
    assert outbox.send(notification) is False  # a redelivered event

    [stored] = files.list("outbox-test", "digital-post/")
    message = message_from_bytes(files.read("outbox-test", stored.name), policy=policy.default)
    assert message["Subject"] == "Høringen er afsluttet: Lokalplan"
    assert message["X-Portal-Recipient"] == "cpr-sealed:v1:abc"
