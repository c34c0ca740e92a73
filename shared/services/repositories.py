"""Typed access to the document store: models in, models out, ETags carried alongside."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.domain.audit import AuditEvent
from shared.domain.base import PortalModel
from shared.domain.errors import InvalidInput, NotFound, StaleWrite
from shared.domain.hearing import Hearing
from shared.domain.meeting import Meeting
from shared.domain.reference import Area, HearingTemplate, NotificationTemplate, ReferenceType
from shared.domain.response import Response, ResponseStatus
from shared.domain.subscription import Subscription
from shared.ports.documents import (
    DocumentExists,
    DocumentNotFound,
    DocumentStore,
    Filter,
    PartitionKey,
    Query,
    StaleDocument,
)

M = TypeVar("M", bound=PortalModel)


@dataclass
class Loaded(Generic[M]):
    model: M
    etag: str


class _Repository(ABC, Generic[M]):
    container: str
    model: type[M]

    def __init__(self, store: DocumentStore) -> None:
        self.store = store

    @abstractmethod
    def partition_of(self, item: M) -> PartitionKey:
        """The partition key of an item, following CONTAINERS in shared/ports/documents.py."""

    def _load(self, partition: PartitionKey, doc_id: str) -> Loaded[M] | None:
        stored = self.store.read(self.container, partition, doc_id)
        if stored is None:
            return None
        return Loaded(self.model.model_validate(stored.body), stored.etag)

    def add(self, item: M) -> str:
        return self.store.create(self.container, self.partition_of(item), item.to_document())

    def save(self, loaded: Loaded[M]) -> None:
        """Write back what was loaded; refused when someone else wrote in between."""
        try:
            loaded.etag = self.store.replace(
                self.container, self.partition_of(loaded.model), loaded.model.to_document(), loaded.etag
            )
        except (StaleDocument, DocumentNotFound) as error:
            raise StaleWrite("the item changed while this request was handled; load it again and retry") from error

    def upsert(self, item: M) -> None:
        self.store.upsert(self.container, self.partition_of(item), item.to_document())

    def _query(self, query: Query) -> tuple[list[Loaded[M]], str | None]:
        try:
            page = self.store.query(self.container, query)
        except ValueError as error:
            if query.continuation is None:
                raise
            raise InvalidInput("not a continuation token from a previous page", field="continuation") from error
        return [Loaded(self.model.model_validate(s.body), s.etag) for s in page.items], page.continuation

    def _all(self, query: Query) -> Iterator[Loaded[M]]:
        continuation: str | None = None
        while True:
            items, continuation = self._query(
                Query(
                    filters=query.filters,
                    order_by=query.order_by,
                    descending=query.descending,
                    limit=query.limit,
                    continuation=continuation,
                    partition=query.partition,
                )
            )
            yield from items
            if continuation is None:
                return


class HearingRepository(_Repository[Hearing]):
    container, model = "hearings", Hearing

    def partition_of(self, item: Hearing) -> PartitionKey:
        return (item.id,)

    def get(self, hearing_id: str) -> Loaded[Hearing] | None:
        return self._load((hearing_id,), hearing_id)

    def require(self, hearing_id: str) -> Loaded[Hearing]:
        loaded = self.get(hearing_id)
        if loaded is None:
            raise NotFound("no such hearing", field="hearingId")
        return loaded

    def page(
        self, filters: tuple[Filter, ...], limit: int, continuation: str | None
    ) -> tuple[list[Hearing], str | None]:
        items, token = self._query(
            Query(filters=filters, order_by="createdAt", descending=True, limit=limit, continuation=continuation)
        )
        return [loaded.model for loaded in items], token

    def each(self, *filters: Filter) -> Iterator[Loaded[Hearing]]:
        return self._all(Query(filters=filters, limit=100))


class ResponseRepository(_Repository[Response]):
    container, model = "responses", Response

    def partition_of(self, item: Response) -> PartitionKey:
        return (item.hearing_id, item.id)

    def get(self, hearing_id: str, response_id: str) -> Loaded[Response] | None:
        return self._load((hearing_id, response_id), response_id)

    def require(self, hearing_id: str, response_id: str) -> Loaded[Response]:
        loaded = self.get(hearing_id, response_id)
        if loaded is None:
            raise NotFound("no such response", field="responseId")
        return loaded

    def page(
        self, hearing_id: str, filters: tuple[Filter, ...], limit: int, continuation: str | None
    ) -> tuple[list[Response], str | None]:
        items, token = self._query(
            Query(
                filters=filters, order_by="receivedAt", limit=limit, continuation=continuation, partition=(hearing_id,)
            )
        )
        return [loaded.model for loaded in items], token

    def any_undecided(self, hearing_id: str) -> bool:
        undecided = Filter("status", "in", [ResponseStatus.SUBMITTED.value, ResponseStatus.AWAITING_REVIEW.value])
        items, _ = self._query(Query(filters=(undecided,), limit=1, partition=(hearing_id,)))
        return bool(items)

    def stalled(self, *filters: Filter) -> Iterator[Response]:
        """Across hearings; only the sweep for lost messages asks, and it finds few."""
        for loaded in self._all(Query(filters=filters, order_by="updatedAt", limit=200)):
            yield loaded.model

    def each(self, hearing_id: str, *filters: Filter) -> Iterator[Response]:
        for loaded in self._all(Query(filters=filters, order_by="receivedAt", limit=200, partition=(hearing_id,))):
            yield loaded.model

    def of_respondent(self, subject: str) -> Iterator[Response]:
        """Across hearings: one person's responses (their own data, asked for rarely)."""
        for loaded in self._all(Query(filters=(Filter("respondent.subject", "=", subject),), limit=100)):
            yield loaded.model

    def pending_audit(self, hearing_id: str) -> list[AuditEvent]:
        """Trail entries of this hearing's responses still waiting in their outboxes (usually none)."""
        waiting = Filter("hasPendingAudit", "=", True)
        return [entry for response in self.each(hearing_id, waiting) for entry in response.pending_audit]

    def with_pending_audit(self) -> Iterator[Loaded[Response]]:
        """Across hearings, for the sweep: responses whose outbox a crash left full."""
        return self._all(Query(filters=(Filter("hasPendingAudit", "=", True),), order_by="updatedAt", limit=200))


class MeetingRepository(_Repository[Meeting]):
    container, model = "meetings", Meeting

    def partition_of(self, item: Meeting) -> PartitionKey:
        return (item.hearing_id,)

    def get(self, hearing_id: str, meeting_id: str) -> Loaded[Meeting] | None:
        return self._load((hearing_id,), meeting_id)

    def require(self, hearing_id: str, meeting_id: str) -> Loaded[Meeting]:
        loaded = self.get(hearing_id, meeting_id)
        if loaded is None:
            raise NotFound("no such meeting", field="meetingId")
        return loaded

    def of_hearing(self, hearing_id: str) -> list[Meeting]:
        # A hearing holds a handful of meetings: one partition, in the order they are held.
        return [loaded.model for loaded in self._all(Query(order_by="startsAt", limit=100, partition=(hearing_id,)))]

    def starting_between(self, early: str, late: str) -> Iterator[Loaded[Meeting]]:
        """Across hearings, for the reminder timer: meetings not cancelled that start in the window."""
        window = (Filter("startsAt", ">=", early), Filter("startsAt", "<=", late), Filter("cancelled", "=", False))
        return self._all(Query(filters=window, order_by="startsAt", limit=100))

    def with_pending_outbox(self) -> Iterator[Loaded[Meeting]]:
        """Across hearings, for the sweep: meetings whose notices or trail entries a crash left behind."""
        for field_name in ("hasPendingNotices", "hasPendingAudit"):
            yield from self._all(Query(filters=(Filter(field_name, "=", True),), order_by="updatedAt", limit=100))


class SubscriptionRepository(_Repository[Subscription]):
    container, model = "subscriptions", Subscription

    def partition_of(self, item: Subscription) -> PartitionKey:
        return (item.target,)

    def get(self, target: str, subscription_id: str) -> Loaded[Subscription] | None:
        return self._load((target,), subscription_id)

    def followers(self, target: str) -> Iterator[Subscription]:
        # Large pages: a hearing with national attention has 100,000 followers, read once per event.
        for loaded in self._all(Query(limit=1000, partition=(target,))):
            yield loaded.model

    def of_subscriber(self, subject: str) -> list[Subscription]:
        # Across partitions, but a person follows a handful of things.
        return [loaded.model for loaded in self._all(Query(filters=(Filter("subscriber", "=", subject),), limit=100))]

    def remove(self, item: Subscription) -> None:
        self.store.delete(self.container, (item.target,), item.id)


class ReferenceRepository:
    container = "reference"

    def __init__(self, store: DocumentStore) -> None:
        self.store = store

    def template(self, template_id: str) -> HearingTemplate | None:
        stored = self.store.read(self.container, (ReferenceType.TEMPLATE.value,), template_id)
        return None if stored is None else HearingTemplate.model_validate(stored.body)

    def templates(self) -> list[HearingTemplate]:
        page = self.store.query(self.container, Query(partition=(ReferenceType.TEMPLATE.value,), order_by="name"))
        return [HearingTemplate.model_validate(item.body) for item in page.items]

    def areas(self, kind: ReferenceType) -> list[Area]:
        page = self.store.query(self.container, Query(partition=(kind.value,), order_by="name", limit=500))
        return [Area.model_validate(item.body) for item in page.items]

    def notification_template(self, kind: str, language: str) -> NotificationTemplate | None:
        """The admins' stored version of one message in one language, if there is one."""
        doc_id = NotificationTemplate.id_of(kind, language)
        stored = self.store.read(self.container, _NOTIFICATION_TEMPLATES, doc_id)
        return None if stored is None else NotificationTemplate.model_validate(stored.body)

    def notification_templates(self) -> list[NotificationTemplate]:
        page = self.store.query(self.container, Query(partition=_NOTIFICATION_TEMPLATES, limit=500))
        return [NotificationTemplate.model_validate(item.body) for item in page.items]

    def remove_notification_template(self, kind: str, language: str) -> None:
        self.store.delete(self.container, _NOTIFICATION_TEMPLATES, NotificationTemplate.id_of(kind, language))

    def put(self, item: HearingTemplate | Area | NotificationTemplate) -> None:
        self.store.upsert(self.container, (item.type.value,), item.to_document())


_NOTIFICATION_TEMPLATES = (ReferenceType.NOTIFICATION_TEMPLATE.value,)


class AuditRepository(_Repository[AuditEvent]):
    container, model = "audit", AuditEvent

    def partition_of(self, item: AuditEvent) -> PartitionKey:
        return (item.hearing_id,)

    def append(self, event: AuditEvent) -> None:
        """Append-only; an event with a deterministic id recorded twice (a redelivery) is kept once."""
        try:
            self.add(event)
        except DocumentExists:
            pass

    def ids_among(self, hearing_id: str, ids: list[str]) -> set[str]:
        """Which of these entries are in the trail already."""
        if not ids:
            return set()
        items, _ = self._query(Query(filters=(Filter("id", "in", ids),), limit=len(ids), partition=(hearing_id,)))
        return {loaded.model.id for loaded in items}

    def page(self, hearing_id: str, limit: int, continuation: str | None) -> tuple[list[AuditEvent], str | None]:
        items, token = self._query(
            Query(order_by="at", limit=limit, continuation=continuation, partition=(hearing_id,))
        )
        return [loaded.model for loaded in items], token
