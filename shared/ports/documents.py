"""Document store port: Cosmos DB in Azure, SQLite embedded.

Documents are JSON objects with a string ``id``. Every document lives in a container and a
partition; a partition key is a tuple of strings so that containers can use Cosmos DB
hierarchical partition keys (``("hearing-1", "response-9")``). A query may address a whole
partition key or a prefix of it (``("hearing-1",)`` reaches every response of that hearing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

PartitionKey = tuple[str, ...]
Document = dict[str, Any]

# The most documents one create_many or upsert_many writes all or nothing: Cosmos DB's limit of
# operations in one transactional batch. Callers that write more in one call get one transaction per
# this many in Cosmos DB (and one for all of them in SQLite).
BATCH_LIMIT = 100

FilterOp = Literal["=", "!=", "<", "<=", ">", ">=", "in", "contains", "contains_any"]


class DocumentStoreError(Exception):
    """Base class for store failures the services react to."""


class DocumentExists(DocumentStoreError):
    """A create found a document with the same id in the same partition."""


class DocumentNotFound(DocumentStoreError):
    """A replace or delete addressed a document that is not there."""


class StaleDocument(DocumentStoreError):
    """A replace carried an ETag that no longer matches: someone else wrote first."""


@dataclass(frozen=True)
class Stored:
    """A document as read from the store, with the ETag to send back on replace."""

    body: Document
    etag: str


@dataclass(frozen=True)
class Filter:
    """A condition on a top-level or dotted field (``"respondent.kind"``).

    ``contains`` means "the array field contains the value"; ``contains_any`` takes a list and
    means "the array field contains at least one of them".
    """

    field: str
    op: FilterOp
    value: Any


@dataclass(frozen=True)
class Page:
    items: list[Stored]
    continuation: str | None = None


@dataclass(frozen=True)
class Query:
    filters: tuple[Filter, ...] = ()
    order_by: str = "id"
    descending: bool = False
    limit: int = 100
    continuation: str | None = None
    # None means across partitions; services use it only for small containers and sweeps.
    partition: PartitionKey | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class DocumentStore(Protocol):
    def read(self, container: str, partition: PartitionKey, doc_id: str) -> Stored | None: ...

    def create(self, container: str, partition: PartitionKey, body: Document) -> str:
        """Insert a new document; raises DocumentExists. Returns the new ETag."""
        ...

    def upsert(self, container: str, partition: PartitionKey, body: Document) -> str: ...

    def create_many(self, container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[str | None]:
        """Insert documents of one partition together, leaving any whose id is already there as it is.

        Returns, in order, each new document's ETag, or None where one with that id existed (or came
        earlier in ``bodies``), so a redelivered batch can tell what it made the first time.
        All or nothing per BATCH_LIMIT documents; a body that disagrees with the partition writes none."""
        ...

    def upsert_many(self, container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[str]:
        """Insert or overwrite documents of one partition together (all or nothing per BATCH_LIMIT).
        Returns the new ETags in order."""
        ...

    def replace(self, container: str, partition: PartitionKey, body: Document, etag: str) -> str:
        """Overwrite only if the stored ETag still equals ``etag``; raises StaleDocument
        or DocumentNotFound. Returns the new ETag."""
        ...

    def delete(self, container: str, partition: PartitionKey, doc_id: str) -> None:
        """Remove a document; deleting one that is not there is not an error."""
        ...

    def query(self, container: str, query: Query) -> Page: ...

    def check(self) -> None:
        """A cheap round trip to the backing service for the health answer; raises when it is down."""
        ...


# Partition key paths of each container, shared by both adapters and by infra/.
# - hearings: a few hundred a year; one logical partition per hearing keeps point reads cheap.
# - responses: hierarchical (hearingId, id). A hearing with national attention takes thousands of
#   responses per second on its last day; with the response id as second level Cosmos spreads one
#   hearing over many physical partitions (no 10,000 RU/s or 20 GB ceiling per hearing), while a
#   query for one hearing's responses still targets only the partitions under that hearing prefix.
# - subscriptions: by what is followed ("hearing:<id>", "subject-area:<id>"), so finding the
#   followers of an event is a single-partition query.
# - reference: templates, subject areas, city areas, by type; small and read-mostly.
# - audit: by hearing, since a trail is read per hearing; append-only.
# - receiptlog: by hearing; each hearing's Merkle log of receipts (leaves, its head, published tree heads).
# - campaigns: hierarchical (hearingId, id) like responses: grouping a response is a handful of
#   point reads and writes (its LSH band keys, its membership), spread over the hearing's partitions.
# - meetings: by hearing; a hearing holds a handful of public meetings, each with its attendees.
# - idempotency: by caller (the scope of an Idempotency-Key); each key's first answer, kept for a day.
# - deliveries: by hearing; one record per notification and recipient, listed for the hearing's owner.
CONTAINERS: dict[str, tuple[str, ...]] = {
    "hearings": ("/id",),
    "responses": ("/hearingId", "/id"),
    "subscriptions": ("/target",),
    "reference": ("/type",),
    "audit": ("/hearingId",),
    "receiptlog": ("/hearingId",),
    "campaigns": ("/hearingId", "/id"),
    "meetings": ("/hearingId",),
    "idempotency": ("/scope",),
    "deliveries": ("/hearingId",),
}
