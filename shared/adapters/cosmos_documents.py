"""Document store on Azure Cosmos DB for NoSQL (sync SDK).

Pagination is keyset-based rather than the SDK's continuation tokens, because the Python SDK
cannot resume ordered queries that span partitions (a hearing's responses live under a
hierarchical prefix, which is such a query). A page is ``SELECT TOP n+1 ... ORDER BY c.<field>``;
the token remembers the last value and the ``_rid`` of the items already returned with that
value, so ties are neither repeated nor skipped without a composite index per sort field.
Ordering therefore needs the sort field to hold one JSON type (or be missing/null) across the
matched documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy
from azure.cosmos import PartitionKey as CosmosPartitionKey
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosBatchOperationError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from shared.adapters.document_rules import FIELD, decode_token, document_id, encode_token, list_of, scalar
from shared.ports.documents import (
    BATCH_LIMIT,
    CONTAINERS,
    Document,
    DocumentExists,
    DocumentNotFound,
    Filter,
    Page,
    PartitionKey,
    Query,
    StaleDocument,
    Stored,
)

_SYSTEM_PROPERTIES = ("_rid", "_self", "_ts", "_attachments", "_etag")
_COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}
_UNSET = "unset"  # token marker: the last item had no value (missing or null) in the sort field


class CosmosDocumentStore:
    def __init__(self, client: CosmosClient, database: str) -> None:
        self._client = client
        self._database_name = database
        self._database: DatabaseProxy = client.get_database_client(database)
        self._containers: dict[str, ContainerProxy] = {}

    @classmethod
    def connect(cls, endpoint: str, key: str | None, database: str) -> CosmosDocumentStore:
        if key:
            return cls(CosmosClient(endpoint, credential=key), database)
        from shared.adapters.azure_credential import managed_identity

        return cls(CosmosClient(endpoint, credential=managed_identity()), database)

    def check(self) -> None:
        self._database.read()

    def ensure_containers(self) -> None:
        """Create the database and every container of CONTAINERS (development and tests; infra/ does it in Azure)."""
        self._database = self._client.create_database_if_not_exists(id=self._database_name)
        for name, paths in CONTAINERS.items():
            if len(paths) == 1:
                key = CosmosPartitionKey(path=paths[0])
            else:
                key = CosmosPartitionKey(path=list(paths), kind="MultiHash")
            self._database.create_container_if_not_exists(id=name, partition_key=key)

    def delete_database(self) -> None:
        self._client.delete_database(self._database_name)

    # -- port -------------------------------------------------------------------------------------

    def read(self, container: str, partition: PartitionKey, doc_id: str) -> Stored | None:
        try:
            item = self._container(container).read_item(item=doc_id, partition_key=_key(container, partition))
        except CosmosResourceNotFoundError:
            return None
        return _stored(item)

    def create(self, container: str, partition: PartitionKey, body: Document) -> str:
        document_id(container, partition, body)
        try:
            item = self._container(container).create_item(body=dict(body))
        except CosmosResourceExistsError as exc:
            raise DocumentExists(f"{container}/{body['id']} already exists in partition {list(partition)}") from exc
        return str(item["_etag"])

    def upsert(self, container: str, partition: PartitionKey, body: Document) -> str:
        document_id(container, partition, body)
        item = self._container(container).upsert_item(body=dict(body))
        return str(item["_etag"])

    def create_many(self, container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[str | None]:
        ids = [document_id(container, partition, body) for body in bodies]
        key = _key(container, partition)
        etags: list[str | None] = [None] * len(bodies)
        first: dict[str, int] = {}
        for index, doc_id in enumerate(ids):
            first.setdefault(doc_id, index)  # a repeated id is an existing one for the copies after it
        for start in range(0, len(bodies), BATCH_LIMIT):
            pending = [i for i in range(start, min(start + BATCH_LIMIT, len(bodies))) if first[ids[i]] == i]
            while pending:
                operations = [("create", (dict(bodies[i]),)) for i in pending]
                try:
                    results = self._container(container).execute_item_batch(operations, partition_key=key)
                except CosmosBatchOperationError as error:
                    if _batch_status(error) != 409:
                        raise
                    # Some are there already (a redelivery): leave those out and create the rest together.
                    there = self._existing(container, key, [ids[i] for i in pending])
                    there.add(ids[pending[error.error_index]])
                    pending = [i for i in pending if ids[i] not in there]
                    continue
                for i, result in zip(pending, results, strict=True):
                    etags[i] = _batch_etag(result)
                pending = []
        return etags

    def upsert_many(self, container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[str]:
        for body in bodies:
            document_id(container, partition, body)
        key = _key(container, partition)
        etags: list[str] = []
        for start in range(0, len(bodies), BATCH_LIMIT):
            operations = [("upsert", (dict(body),)) for body in bodies[start : start + BATCH_LIMIT]]
            results = self._container(container).execute_item_batch(operations, partition_key=key)
            etags += [_batch_etag(result) for result in results]
        return etags

    def _existing(self, container: str, key: str | list[str], ids: list[str]) -> set[str]:
        rows = self._container(container).query_items(
            query="SELECT VALUE c.id FROM c WHERE ARRAY_CONTAINS(@ids, c.id)",
            parameters=[{"name": "@ids", "value": ids}],
            partition_key=key,
        )
        return {str(row) for row in rows}

    def replace(self, container: str, partition: PartitionKey, body: Document, etag: str) -> str:
        doc_id = document_id(container, partition, body)
        try:
            item = self._container(container).replace_item(
                item=doc_id, body=dict(body), etag=etag, match_condition=MatchConditions.IfNotModified
            )
        except CosmosAccessConditionFailedError as exc:
            raise StaleDocument(f"{container}/{doc_id} was changed by someone else") from exc
        except CosmosResourceNotFoundError as exc:
            raise DocumentNotFound(f"{container}/{doc_id} is not in partition {list(partition)}") from exc
        return str(item["_etag"])

    def delete(self, container: str, partition: PartitionKey, doc_id: str) -> None:
        try:
            self._container(container).delete_item(item=doc_id, partition_key=_key(container, partition))
        except CosmosResourceNotFoundError:
            pass

    def query(self, container: str, query: Query) -> Page:
        if query.limit < 1:
            raise ValueError("query limit must be at least 1")
        order = _field(query.order_by)
        params: list[dict[str, Any]] = [{"name": "@limit", "value": query.limit + 1}]
        conditions = [_filter_condition(condition, params) for condition in query.filters]
        after = _decode_token(query.continuation, query) if query.continuation else None
        if after is not None:
            conditions.append(_after_condition(order, query.descending, after, params))
        sql = "SELECT TOP @limit * FROM c"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += f" ORDER BY {order} {'DESC' if query.descending else 'ASC'}"

        options: dict[str, Any] = {}
        if query.partition is None:
            options["enable_cross_partition_query"] = True
        else:
            options["partition_key"] = _key(container, query.partition)
        rows = list(self._container(container).query_items(query=sql, parameters=params, **options))

        more = len(rows) > query.limit
        rows = rows[: query.limit]
        continuation = _encode_token(query, rows, after) if more else None
        return Page(items=[_stored(row) for row in rows], continuation=continuation)

    def _container(self, name: str) -> ContainerProxy:
        container = self._containers.get(name)
        if container is None:
            container = self._containers[name] = self._database.get_container_client(name)
        return container


# -- helpers -------------------------------------------------------------------------------------


def _key(container: str, partition: PartitionKey) -> str | list[str]:
    """The SDK takes a plain value for single-path containers and a list for hierarchical ones."""
    if not partition:
        raise ValueError("a partition key needs at least one element")
    paths = CONTAINERS.get(container, partition)
    if len(paths) == 1:
        return partition[0]
    return list(partition)


def _batch_status(error: CosmosBatchOperationError) -> int:
    responses = error.operation_responses or []
    if error.error_index is not None and error.error_index < len(responses):
        return int(responses[error.error_index].get("statusCode", 0))
    return int(error.status_code or 0)


def _batch_etag(result: dict[str, Any]) -> str:
    return str(result.get("eTag") or result.get("resourceBody", {}).get("_etag", ""))


def _stored(item: dict[str, Any]) -> Stored:
    body = {name: value for name, value in item.items() if name not in _SYSTEM_PROPERTIES}
    return Stored(body=body, etag=str(item["_etag"]))


def _field(name: str) -> str:
    if not FIELD.match(name):
        raise ValueError(f"unsupported field name {name!r}")
    return "c" + "".join(f'["{part}"]' for part in name.split("."))


def _param(params: list[dict[str, Any]], value: Any) -> str:
    name = f"@p{len(params)}"
    params.append({"name": name, "value": value})
    return name


def _filter_condition(condition: Filter, params: list[dict[str, Any]]) -> str:
    field = _field(condition.field)
    if condition.op in _COMPARISONS:
        return _comparison(field, condition.op, condition.value, params)
    if condition.op == "in":
        values = list_of(condition.value)
        if not values:
            return "false"
        return "(" + " OR ".join(_comparison(field, "=", value, params) for value in values) + ")"
    if condition.op == "contains":
        scalar(condition.value)
        return f"ARRAY_CONTAINS({field}, {_param(params, condition.value)})"
    if condition.op == "contains_any":
        values = list_of(condition.value)
        if not values:
            return "false"
        return "(" + " OR ".join(f"ARRAY_CONTAINS({field}, {_param(params, value)})" for value in values) + ")"
    raise ValueError(f"unsupported filter operator {condition.op!r}")


def _comparison(field: str, op: str, value: Any, params: list[dict[str, Any]]) -> str:
    scalar(value)
    if value is None:
        # None means "not set": missing or null, the same in both adapters.
        if op == "=":
            return f"(NOT IS_DEFINED({field}) OR IS_NULL({field}))"
        if op == "!=":
            return f"(IS_DEFINED({field}) AND NOT IS_NULL({field}))"
        raise ValueError(f"None can only be compared with = or !=, not {op}")
    # Comparing different JSON types yields undefined in Cosmos DB, so such items never match.
    return f"{field} {op} {_param(params, value)}"


def _after_condition(field: str, descending: bool, after: dict[str, Any], params: list[dict[str, Any]]) -> str:
    """Items that come after the last one returned, skipping ties already returned (by _rid)."""
    seen = _param(params, after["seen"])
    unset = f"(NOT IS_DEFINED({field}) OR IS_NULL({field}))"
    not_seen = f"NOT ARRAY_CONTAINS({seen}, c._rid)"
    if after["unset"]:
        # Unset values sort first ascending and last descending.
        if descending:
            return f"({unset} AND {not_seen})"
        return f"(({unset} AND {not_seen}) OR NOT {unset})"
    value = _param(params, after["value"])
    beyond = f"{field} {'<' if descending else '>'} {value}"
    condition = f"({beyond} OR ({field} = {value} AND {not_seen})"
    return condition + (f" OR {unset})" if descending else ")")


def _value_at(body: dict[str, Any], dotted: str) -> tuple[bool, Any]:
    """(is set, value) for a dotted field; missing and null both count as unset."""
    current: Any = body
    for part in dotted.split("."):
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return current is not None, current


def _encode_token(query: Query, rows: list[dict[str, Any]], after: dict[str, Any] | None) -> str:
    is_set, value = _value_at(rows[-1], query.order_by)
    seen = [str(row["_rid"]) for row in rows if _value_at(row, query.order_by) == (is_set, value)]
    if after is not None and after["unset"] == (not is_set) and after["value"] == value:
        seen = list(after["seen"]) + seen  # the whole page was one run of ties
    return encode_token(query, {"unset": not is_set, "value": value, "seen": seen})


def _decode_token(token: str, query: Query) -> dict[str, Any]:
    payload = decode_token(token, query)
    if (
        not isinstance(payload.get("seen"), list)
        or not isinstance(payload.get("unset"), bool)
        or "value" not in payload
    ):
        raise ValueError("the continuation token belongs to a different query")
    return payload
