"""The background side of the host: queue workers, the timer scheduler and the blob watcher."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from local_host.activity import Activity
from local_host.blob_watcher import RETRY_BASE_SECONDS, BlobLedger, BlobWatcher
from local_host.catalog import FunctionSpec, TriggerKind
from local_host.invoker import Invoker
from local_host.lock_renewal import DEFAULT_RENEWAL_LIMIT, LockRenewer, RenewableBroker
from local_host.queue_worker import QueueBroker, QueueWorker, is_queue_broker, message_from_text
from local_host.timers import TimerScheduler

log = logging.getLogger("local_host")

WORKERS_PER_QUEUE_FUNCTION = 2
JOIN_TIMEOUT = 10.0
BLOB_RETRY_BASE_VARIABLE = "PORTAL_BLOB_RETRY_BASE_SECONDS"


class UnknownFunction(LookupError):
    pass


class NotRunnable(ValueError):
    pass


class Runtime:
    def __init__(
        self,
        specs: list[FunctionSpec],
        deps: Any,
        data_dir: Path,
        lock_renewal_limit: float = DEFAULT_RENEWAL_LIMIT,
    ) -> None:
        self.specs = specs
        self.by_name = {spec.name.lower(): spec for spec in specs}
        self.deps = deps
        self.stop_event = threading.Event()
        self.activity = Activity()
        self.invoker = Invoker(self.activity)
        self.broker: QueueBroker | None = self._local_broker(deps)
        self.renewer = self._lock_renewer(self.broker, deps, lock_renewal_limit)
        self.timers = TimerScheduler(self._of(TriggerKind.TIMER), self.invoker, self.stop_event)
        self.blob_ledger = BlobLedger(Path(data_dir) / "host.sqlite")
        self.blobs = BlobWatcher(
            self._of(TriggerKind.BLOB),
            deps.files,
            self.blob_ledger,
            self.invoker,
            self.activity,
            self.stop_event,
            retry_base=blob_retry_base(),
        )
        self.queue_workers: list[QueueWorker] = []
        self._started = False

    def _of(self, kind: TriggerKind) -> list[FunctionSpec]:
        return [spec for spec in self.specs if spec.kind is kind]

    @staticmethod
    def _local_broker(deps: Any) -> QueueBroker | None:
        if deps.settings.message_bus != "local":
            return None  # Service Bus delivers to the functions in Azure, not to this host
        if not is_queue_broker(deps.bus):
            log.warning("the message bus cannot be consumed locally; queue triggers will not run")
            return None
        broker: QueueBroker = deps.bus
        return broker

    @staticmethod
    def _lock_renewer(broker: QueueBroker | None, deps: Any, limit: float) -> LockRenewer | None:
        if broker is None or not callable(getattr(broker, "renew", None)):
            return None
        renewable = cast(RenewableBroker, broker)
        return LockRenewer(renewable, float(deps.settings.queue_lock_seconds), limit)

    @property
    def trigger_queues(self) -> list[str]:
        return sorted({spec.queue_name for spec in self._of(TriggerKind.QUEUE)})

    def start(self) -> None:
        self._started = True
        if self.broker is not None:
            if self.renewer is not None and self._of(TriggerKind.QUEUE):
                self.renewer.start()
            for spec in self._of(TriggerKind.QUEUE):
                for index in range(WORKERS_PER_QUEUE_FUNCTION):
                    worker = QueueWorker(
                        spec, self.broker, self.invoker, self.activity, self.stop_event, index, self.renewer
                    )
                    self.queue_workers.append(worker)
                    worker.start()
        if self._of(TriggerKind.BLOB):
            self.blobs.start()
        self.timers.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self._started:
            for worker in self.queue_workers:
                worker.join(JOIN_TIMEOUT)
            if self.renewer is not None:
                self.renewer.stop(JOIN_TIMEOUT)
            self.timers.join(JOIN_TIMEOUT)
            if self.blobs.thread.is_alive():
                self.blobs.join(JOIN_TIMEOUT)
        self.blob_ledger.close()

    def function(self, name: str) -> FunctionSpec:
        spec = self.by_name.get(name.lower())
        if spec is None:
            raise UnknownFunction(name)
        return spec

    def run_now(self, name: str, text: str) -> None:
        """Runs a non-HTTP function synchronously, as Core Tools' ``POST /admin/functions/{name}`` does."""
        spec = self.function(name)
        if spec.kind is TriggerKind.TIMER:
            self.timers.run_now(spec)
        elif spec.kind is TriggerKind.QUEUE:
            message = message_from_text(text, message_id=uuid.uuid4().hex)
            self.invoker.invoke(spec, message, reason="Run by request")
        elif spec.kind is TriggerKind.BLOB:
            container, _, blob_name = text.strip().strip("/").partition("/")
            if not container or not blob_name:
                raise NotRunnable('input must name the blob as "container/name"')
            self.blobs.run_now(spec, container, blob_name)
        else:
            raise NotRunnable(f"{spec.name} is an HTTP function: call its URL")

    def queue_depths(self) -> dict[str, int]:
        if self.broker is None:
            return {}
        names = set(self.trigger_queues)
        queues = getattr(self.broker, "queues", None)
        if callable(queues):
            names.update(str(name) for name in queues())
        return {name: int(self.broker.depth(name)) for name in sorted(names)}

    def is_idle(self) -> bool:
        """True when nothing runs, every triggered queue is empty and every blob version is dealt with.

        Work counters are read before and after the checks, so work that started in between (a function
        publishing while the queues were being looked at) makes the answer False rather than wrong.
        """
        before = self.activity.snapshot()
        if before.running:
            return False
        if self.broker is not None and any(self.broker.depth(queue) for queue in self.trigger_queues):
            return False
        if self.blobs.specs and self.blobs.pending():
            return False
        after = self.activity.snapshot()
        return after == before


def blob_retry_base(environ: Mapping[str, str] | None = None) -> float:
    """The first retry delay of a failing blob; a development setting, so tests need not wait seconds."""
    text = (os.environ if environ is None else environ).get(BLOB_RETRY_BASE_VARIABLE, "").strip()
    if not text:
        return RETRY_BASE_SECONDS
    try:
        value = float(text)
    except ValueError:
        log.warning("%s=%r is not a number of seconds; using %s", BLOB_RETRY_BASE_VARIABLE, text, RETRY_BASE_SECONDS)
        return RETRY_BASE_SECONDS
    return max(value, 0.0)
