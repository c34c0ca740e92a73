"""The background side of the host: queue workers, the timer scheduler and the blob watcher."""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

from local_host.activity import Activity
from local_host.blob_watcher import BlobLedger, BlobWatcher
from local_host.catalog import FunctionSpec, TriggerKind
from local_host.host_json import DEFAULT_FUNCTION_TIMEOUT
from local_host.invoker import Invoker
from local_host.lock_renewal import LockRenewer
from local_host.queue_worker import QueueWorker, message_from_text
from local_host.timers import TimerScheduler
from shared.adapters.deferred_bus import BatchingDeferredBus
from shared.adapters.local_queue import LocalQueue
from shared.ports.clock import Clock
from shared.ports.files import FileStore
from shared.ports.messages import MessageBus
from shared.settings import Settings

log = logging.getLogger("local_host")

WORKERS_PER_QUEUE_FUNCTION = 2
JOIN_TIMEOUT = 10.0


class UnknownFunction(LookupError):
    pass


class NotRunnable(ValueError):
    pass


class Runtime:
    """Runs the non-HTTP functions: from the local queue, on their timers, and on new blobs."""

    def __init__(
        self,
        specs: list[FunctionSpec],
        *,
        settings: Settings,
        bus: MessageBus,
        files: FileStore,
        clock: Clock,
        lock_renewal_limit: float = DEFAULT_FUNCTION_TIMEOUT,
        deferred_bus: BatchingDeferredBus | None = None,
    ) -> None:
        self.specs = specs
        self.deferred_bus = deferred_bus
        self.by_name = {spec.name.lower(): spec for spec in specs}
        self.settings = settings
        self.clock = clock
        self.stop_event = threading.Event()
        self.activity = Activity()
        self.invoker = Invoker(self.activity)
        self.broker = self._local_queue(settings, bus)
        self.renewer = (
            LockRenewer(self.broker, settings.queue_lock_seconds, lock_renewal_limit)
            if self.broker is not None
            else None
        )
        self.timers = TimerScheduler(self._of(TriggerKind.TIMER), self.invoker, self.stop_event)
        self.blob_ledger = BlobLedger(Path(settings.data_dir) / "host.sqlite")
        self.blobs = BlobWatcher(
            self._of(TriggerKind.BLOB),
            files,
            self.blob_ledger,
            self.invoker,
            self.activity,
            self.stop_event,
            retry_base=settings.blob_retry_base_seconds,
        )
        self.queue_workers: list[QueueWorker] = []
        self._started = False

    def _of(self, kind: TriggerKind) -> list[FunctionSpec]:
        return [spec for spec in self.specs if spec.kind is kind]

    @staticmethod
    def _local_queue(settings: Settings, bus: MessageBus) -> LocalQueue | None:
        if settings.message_bus != "local":
            return None  # Service Bus delivers to the functions in Azure, not to this host
        if not isinstance(bus, LocalQueue):
            log.warning("the message bus is not the local queue; queue triggers will not run")
            return None
        return bus

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
        if self.deferred_bus is not None:
            self.deferred_bus.close()  # what the last requests announced reaches the queue
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
        names = {*self.trigger_queues, *self.broker.queues()}
        return {name: self.broker.depth(name) for name in sorted(names)}

    def is_idle(self) -> bool:
        """True when nothing runs, no answered request's message is still being handed on, every triggered
        queue is empty and every blob version is dealt with.

        Work counters are read before and after the checks, so work that started in between (a function
        publishing while the queues were being looked at) makes the answer False rather than wrong.
        """
        before = self.activity.snapshot()
        if before.running:
            return False
        if self.deferred_bus is not None and self.deferred_bus.pending():
            return False  # an answered request's message is still on its way to the queue
        if self.broker is not None and any(self.broker.depth(queue) for queue in self.trigger_queues):
            return False
        if self.blobs.specs and self.blobs.pending():
            return False
        after = self.activity.snapshot()
        return after == before
