"""A unit of work: a state change, its audit entries and its events are one write.

    with UnitOfWork(deps.documents, deps.bus) as uow:
        loaded = uow.hearings.require(hearing_id)
        loaded.model.cancel(now)
        loaded.model.record_audit(who, "hearing.cancelled", now)
        uow.save(loaded)
        uow.commit()

The aggregate (a hearing, a response or a meeting) carries its outbox: the audit entries it recorded and, for a
hearing, the events for the queue. Committing writes the one aggregate document, outbox included, so
the change and its trail stand or fall together on both stores (one conditional replace or create:
atomic in SQLite and in Cosmos DB alike, with no cross-container transaction needed). Right after,
the relay copies the entries to the audit container and the events to the queue, every one under
the id it got when it was recorded, and empties the outbox. If the relay stops half way, the
entries stay in the document: the sweeps (``dispatch_pending_events``, ``rescreen_stalled``) finish
the job, and the trail reader shows entries still waiting.
"""

from __future__ import annotations

import logging
from types import TracebackType

from shared.domain.hearing import EventKind, Hearing, HearingEvent
from shared.domain.meeting import Meeting
from shared.domain.response import Response
from shared.ports.documents import DocumentStore
from shared.ports.messages import MessageBus, OutgoingMessage
from shared.services import queues
from shared.services.repositories import (
    AuditRepository,
    HearingRepository,
    Loaded,
    MeetingRepository,
    ResponseRepository,
)

log = logging.getLogger(__name__)

AnyAggregate = Hearing | Response | Meeting
AnyLoaded = Loaded[Hearing] | Loaded[Response] | Loaded[Meeting]


class UnitOfWork:
    """Writes one aggregate per commit; nothing is written before ``commit``.

    Without a bus (the records and upload consumers have none), events stay in the outbox for the
    timer's sweep; audit entries are relayed all the same.
    """

    def __init__(self, documents: DocumentStore, bus: MessageBus | None = None) -> None:
        self.documents = documents
        self.bus = bus
        self.hearings = HearingRepository(documents)
        self.responses = ResponseRepository(documents)
        self._new: AnyAggregate | None = None
        self._changed: AnyLoaded | None = None
        self.committed: AnyLoaded | None = None

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        # Nothing reached the store unless commit ran: leaving the block drops what was not committed.
        self._new = self._changed = None

    def add(self, aggregate: AnyAggregate) -> None:
        """A new aggregate, created on commit (refused if its id exists)."""
        self._only_one()
        self._new = aggregate

    def save(self, loaded: AnyLoaded) -> None:
        """A loaded aggregate, written back on commit if nobody else wrote it in between."""
        self._only_one()
        self._changed = loaded

    def commit(self) -> str:
        """Write the aggregate with its outbox in one write, then relay the outbox. Returns the
        aggregate's ETag as stored after both.

        A failed relay does not fail the commit: the change and its trail are stored; the sweep
        delivers what waits.
        """
        if self._new is not None:
            committed = _loaded_after_create(self, self._new)
        elif self._changed is not None:
            committed = self._changed
            _write(self.documents, committed)
        else:
            raise RuntimeError("commit without an aggregate to write")
        self._new = self._changed = None
        self.committed = committed
        try:
            relay(self.documents, self.bus, committed)
        except Exception:
            log.warning("relaying the outbox failed; the sweep will retry", exc_info=True)
        return committed.etag

    def _only_one(self) -> None:
        if self._new is not None or self._changed is not None:
            # Two documents would be two writes, and a crash between them a half-made change.
            raise RuntimeError("a unit of work writes one aggregate")


def relay(documents: DocumentStore, bus: MessageBus | None, loaded: AnyLoaded) -> int:
    """Copy what waits in an aggregate's outbox to the trail and the queue, then empty it.

    Safe to run any number of times: audit entries and messages keep their ids, so a copy made
    before a crash is kept once. Returns the number of events handed to the queue.
    """
    aggregate = loaded.model
    events = list(aggregate.pending_events) if isinstance(aggregate, Hearing) else []
    if not aggregate.pending_audit and not events:
        return 0
    audit = AuditRepository(documents)
    for entry in list(aggregate.pending_audit):
        audit.append(entry)
    sent = 0
    if isinstance(aggregate, Hearing) and events and bus is not None:
        _publish(bus, aggregate, events)
        aggregate.take_pending_events()
        sent = len(events)
    aggregate.take_audit()
    _write(documents, loaded)
    return sent


def _publish(bus: MessageBus, hearing: Hearing, events: list[HearingEvent]) -> None:
    for event in events:
        bus.publish(
            queues.HEARING_EVENTS,
            OutgoingMessage(
                message_id=event.event_id,
                subject=event.kind.value,
                body={
                    "hearingId": hearing.id,
                    "eventId": event.event_id,
                    "kind": event.kind.value,
                    **({"fields": event.fields} if event.fields else {}),  # a change names what changed
                },
            ),
        )
        if event.kind is EventKind.CONCLUDED:
            bus.publish(
                queues.RECORDS_JOURNALISE,
                OutgoingMessage(message_id=f"{hearing.id}:journalise", body={"hearingId": hearing.id}),
            )


def _loaded_after_create(uow: UnitOfWork, aggregate: AnyAggregate) -> AnyLoaded:
    if isinstance(aggregate, Hearing):
        return Loaded(aggregate, uow.hearings.add(aggregate))
    if isinstance(aggregate, Meeting):
        return Loaded(aggregate, MeetingRepository(uow.documents).add(aggregate))
    return Loaded(aggregate, uow.responses.add(aggregate))


def _write(documents: DocumentStore, loaded: AnyLoaded) -> None:
    """Write back a loaded aggregate (ETag-checked); the ETag moves on in ``loaded``."""
    if isinstance(loaded.model, Hearing):
        HearingRepository(documents).save(loaded)
    elif isinstance(loaded.model, Meeting):
        MeetingRepository(documents).save(loaded)
    else:
        ResponseRepository(documents).save(loaded)
