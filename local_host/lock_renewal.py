"""Keeps the locks of messages being processed, as the Service Bus trigger renews them while a function runs.

One thread renews every held message a third of a lock duration before its lock would lapse, for at most
the renewal limit (``HostJson.lock_renewal_limit``: host.json ``maxAutoLockRenewalDuration``, else
``functionTimeout``); after that the lock is left to expire and the queue redelivers the message, as in Azure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from shared.adapters.local_queue import Delivery, LocalQueue

log = logging.getLogger("local_host.queues")


@dataclass
class _Held:
    delivery: Delivery
    renew_at: float
    give_up_at: float


class LockRenewer:
    """``with renewer.hold(delivery): run the function`` renews the delivery's lock in the background."""

    def __init__(self, broker: LocalQueue, lock_seconds: float, limit_seconds: float) -> None:
        self.broker = broker
        self.interval = max(lock_seconds / 3, 0.01)
        self.limit = limit_seconds
        self._held: dict[int, _Held] = {}
        self._changed = threading.Condition()
        self._stopping = False
        self.thread = threading.Thread(target=self._run, name="queue-lock-renewal", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self.thread.is_alive():
            self.thread.join(timeout)

    @contextmanager
    def hold(self, delivery: Delivery) -> Iterator[None]:
        key = id(delivery)
        now = time.monotonic()
        with self._changed:
            self._held[key] = _Held(delivery, now + self.interval, now + self.limit)
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._held.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._changed:
                if self._stopping:
                    return
                now = time.monotonic()
                due = [(key, held) for key, held in self._held.items() if held.renew_at <= now]
                if not due:
                    next_at = min((held.renew_at for held in self._held.values()), default=now + 1.0)
                    self._changed.wait(max(next_at - now, 0.0))
                    continue
            for key, held in due:
                self._renew(key, held)

    def _renew(self, key: int, held: _Held) -> None:
        now = time.monotonic()
        if now >= held.give_up_at:
            log.warning(
                "queue message %s: still running after %.0f s; its lock is no longer renewed",
                held.delivery.message_id,
                self.limit,
            )
            self._release(key, held)
            return
        try:
            self.broker.renew(held.delivery)
        except Exception as error:
            with self._changed:
                still_held = self._held.get(key) is held
            if still_held:  # a failure after the function finished is the settle racing the renewal: harmless
                log.warning("queue message %s: lock not renewed: %s", held.delivery.message_id, error)
                self._release(key, held)
            return
        held.renew_at = time.monotonic() + self.interval

    def _release(self, key: int, held: _Held) -> None:
        with self._changed:
            if self._held.get(key) is held:
                del self._held[key]
