"""Cosmos DB writes many documents as transactional batches of at most 100: checked against a stand-in
container that answers batches the way the service does (a create of an existing id fails the batch
with 409, the other operations with 424, and nothing in it is written)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azure.cosmos.exceptions import CosmosBatchOperationError

from shared.adapters.cosmos_documents import CosmosDocumentStore
from shared.ports.documents import BATCH_LIMIT


class BatchingContainer:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.batches: list[int] = []
        self._etags = 0

    def execute_item_batch(self, batch_operations: Sequence[Any], partition_key: Any) -> list[dict[str, Any]]:
        if len(batch_operations) > BATCH_LIMIT:
            raise AssertionError("Cosmos DB refuses a batch of more than 100 operations")
        self.batches.append(len(batch_operations))
        for index, (kind, (body,)) in enumerate(batch_operations):
            if kind == "create" and body["id"] in self.items:
                responses = [{"statusCode": 424} for _ in batch_operations]
                responses[index] = {"statusCode": 409}
                raise CosmosBatchOperationError(  # type: ignore[no-untyped-call]
                    error_index=index, headers={}, status_code=409, message="conflict", operation_responses=responses
                )
        results = []
        for _, (body,) in batch_operations:
            self._etags += 1
            self.items[body["id"]] = body
            results.append({"statusCode": 201, "eTag": f"etag-{self._etags}", "resourceBody": body})
        return results

    def query_items(self, query: str, parameters: list[dict[str, Any]], partition_key: Any) -> list[str]:
        assert "ARRAY_CONTAINS(@ids, c.id)" in query
        return [doc_id for doc_id in parameters[0]["value"] if doc_id in self.items]


class Database:
    def __init__(self, container: BatchingContainer) -> None:
        self.container = container

    def get_container_client(self, name: str) -> BatchingContainer:
        return self.container


class Client:
    def __init__(self, container: BatchingContainer) -> None:
        self.database = Database(container)

    def get_database_client(self, name: str) -> Database:
        return self.database


def delivery(n: int) -> dict[str, Any]:
    return {"id": f"d{n:04d}", "hearingId": "h1", "state": "queued"}


def store_with(container: BatchingContainer) -> CosmosDocumentStore:
    return CosmosDocumentStore(Client(container), "portal")  # type: ignore[arg-type]


def test_many_documents_go_in_batches_of_at_most_one_hundred_in_order() -> None:
    container = BatchingContainer()

    etags = store_with(container).create_many("deliveries", ("h1",), [delivery(n) for n in range(250)])

    assert container.batches == [100, 100, 50]
    assert etags == [f"etag-{n}" for n in range(1, 251)]
    assert store_with(container).upsert_many("deliveries", ("h1",), [delivery(n) for n in range(120)]) == [
        f"etag-{n}" for n in range(251, 371)
    ]


def test_a_redelivered_batch_leaves_the_existing_ones_and_creates_the_rest_together() -> None:
    container = BatchingContainer()
    store = store_with(container)
    store.create_many("deliveries", ("h1",), [delivery(n) for n in range(0, 150, 2)])  # every other one
    container.batches.clear()

    made = store.create_many("deliveries", ("h1",), [delivery(n) for n in range(150)])

    assert [n for n, etag in enumerate(made) if etag is not None] == list(range(1, 150, 2))
    # Each chunk: the batch that met an existing id, then one batch of the new ones.
    assert container.batches == [100, 50, 50, 25]
    assert len(container.items) == 150
