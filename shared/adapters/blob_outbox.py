"""The outbox in blob storage: notifications waiting for a channel that has no delivery adapter yet.

In Azure, Digital Post messages (and e-mail, unless Graph is configured) are kept here as ``.eml``
blobs, one per notification id and never overwritten, so a redelivered message is stored once and
nothing is lost on an instance's disk; a Digital Post integration delivers from here.
"""

from __future__ import annotations

from shared.adapters.local_outbox import DEFAULT_SENDER, compose, file_name
from shared.ports.clock import Clock, SystemClock
from shared.ports.files import FileExists, FileStore
from shared.ports.mail import Notification


class BlobOutbox:
    def __init__(
        self, files: FileStore, container: str, sender: str = DEFAULT_SENDER, clock: Clock | None = None
    ) -> None:
        self._files = files
        self._container = container
        self._sender = sender
        self._clock: Clock = clock or SystemClock()

    def send(self, notification: Notification) -> bool:
        data = compose(notification, self._sender, self._clock.now()).as_bytes()
        name = f"{notification.channel}/{file_name(notification.notification_id)}"
        try:
            self._files.write(self._container, name, data, content_type="message/rfc822")
        except FileExists:
            return False
        return True
