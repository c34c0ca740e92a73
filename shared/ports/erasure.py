"""Erasure port: what retention deletes outside the documents and the blob containers it names.

The queue's messages about a hearing (dead letters included), the outbox copies of its
notifications, and the store's own leftovers (an embedded SQLite file keeps old page images in its
log until it is checkpointed). Azure: Service Bus dead-letter queues and the blob outbox; embedded:
the local queue file, the local outbox folder and the SQLite files.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

PROVIDER = "shared.adapters.erasure:provide"


@runtime_checkable
class Erasure(Protocol):
    def forget_messages(self, hearing_id: str) -> int:
        """Delete the queued and dead-lettered messages about the hearing; returns how many."""
        ...

    def forget_notifications(self, hearing_id: str) -> int:
        """Delete the outbox copies of notifications about the hearing; returns how many."""
        ...

    def erase_freed(self) -> None:
        """Make what was deleted unrecoverable from the stores' files (a no-op for managed services)."""
        ...
