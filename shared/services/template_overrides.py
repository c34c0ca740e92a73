"""The notification templates admins stored, as the senders use them: read from the reference data,
and kept for a short while per process so a batch of messages does not read them once per message."""

from __future__ import annotations

import time
import weakref

from shared.ports.documents import DocumentStore
from shared.services.notification_templates import Overrides
from shared.services.repositories import ReferenceRepository

# An admin's change reaches the other processes within this time; the process that made it at once.
CACHE_SECONDS = 30.0
_cache: weakref.WeakKeyDictionary[DocumentStore, tuple[float, Overrides]] = weakref.WeakKeyDictionary()


def stored_overrides(documents: DocumentStore) -> Overrides:
    now = time.monotonic()
    hit = _cache.get(documents)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    templates = ReferenceRepository(documents).notification_templates()
    overrides: Overrides = {(t.kind, t.language): (t.subject, t.html, t.text) for t in templates}
    _cache[documents] = (now, overrides)
    return overrides


def forget(documents: DocumentStore) -> None:
    _cache.pop(documents, None)
