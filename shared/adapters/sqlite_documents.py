"""Document store in one SQLite file: the embedded stand-in for Cosmos DB.

Semantics follow the Cosmos adapter so services behave the same on both:
- comparisons only match values of the same JSON type (a string never equals a number);
- ``= None`` matches a field that is null or missing, ``!= None`` one that is set and not null;
- ordering ranks types like Cosmos (missing/null < booleans < numbers < strings), then by value,
  then by id and partition so pagination is stable.

File databases run in WAL mode with ``synchronous=FULL``: once a write returns, it survives a
killed process or a power cut. Writes from concurrent callers share one commit (group commit,
``sqlite_group_commit``), so a burst pays for one fsync instead of one per write. Every thread gets
its own connection for reads; ``:memory:`` databases share one connection behind a lock.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.adapters.document_rules import FIELD, decode_token, document_id, encode_token, list_of, scalar
from shared.adapters.sqlite_connections import SqliteConnections
from shared.adapters.sqlite_group_commit import GroupCommitter, RowInsert
from shared.ports.documents import (
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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    container TEXT NOT NULL,
    pk TEXT NOT NULL,
    pk_root TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    etag TEXT NOT NULL,
    ts REAL NOT NULL,
    PRIMARY KEY (container, pk, id)
);
-- Pages ordered by id walk this index from the last key returned instead of sorting the partition
-- (a hearing's 100,000 followers are read a page at a time). It also serves every pk_root lookup,
-- so the narrower index older databases have is dropped when they are opened.
CREATE INDEX IF NOT EXISTS documents_by_root_and_id ON documents (container, pk_root, id, pk);
DROP INDEX IF EXISTS documents_by_root;
"""
_DOCUMENT_COLUMNS = "documents (container, pk, pk_root, id, body, etag, ts)"
_INSERT = f"INSERT INTO {_DOCUMENT_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?)"  # noqa: S608 -- a constant
_UPSERT = (
    _INSERT + " ON CONFLICT (container, pk, id) DO UPDATE SET body = excluded.body, etag = excluded.etag,"
    " ts = excluded.ts"
)

_COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}
_NUMBER_TYPES = "('integer', 'real')"
_BOOLEAN_TYPES = "('true', 'false')"

# Rank of a JSON type in the sort order, matching Cosmos DB: undefined, null, boolean, number, string.
_TYPE_RANK = """CASE json_type(body, {path})
    WHEN 'null' THEN 1 WHEN 'true' THEN 2 WHEN 'false' THEN 2
    WHEN 'integer' THEN 3 WHEN 'real' THEN 3 WHEN 'text' THEN 4
    WHEN 'array' THEN 5 WHEN 'object' THEN 6 ELSE 0 END"""
_TEXT_RANK = 4


class SqliteDocumentStore:
    def __init__(self, path: Path | str) -> None:
        self._db = SqliteConnections(path)
        self._writes = GroupCommitter(self._db, Path(str(path)).name)
        with self._db.connection() as conn:
            conn.executescript(_SCHEMA)

    # -- port -------------------------------------------------------------------------------------

    def read(self, container: str, partition: PartitionKey, doc_id: str) -> Stored | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "SELECT body, etag FROM documents WHERE container = ? AND pk = ? AND id = ?",
                (container, _pk(partition), doc_id),
            ).fetchone()
        return None if row is None else Stored(body=json.loads(row[0]), etag=row[1])

    def create(self, container: str, partition: PartitionKey, body: Document) -> str:
        doc_id = document_id(container, partition, body)
        etag = _new_etag()
        row = (container, _pk(partition), partition[0], doc_id, _encode(body), etag, time.time())

        def exists() -> Exception:
            return DocumentExists(f"{container}/{doc_id} already exists in partition {list(partition)}")

        self._writes.run(RowInsert(_DOCUMENT_COLUMNS, row, exists))
        return etag

    def upsert(self, container: str, partition: PartitionKey, body: Document) -> str:
        doc_id = document_id(container, partition, body)
        etag = _new_etag()
        row = (container, _pk(partition), partition[0], doc_id, _encode(body), etag, time.time())
        self._writes.run(lambda conn: conn.execute(_UPSERT, row))
        return etag

    def create_many(self, container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[str | None]:
        rows = _rows(container, partition, bodies)
        if not rows:
            return []

        def insert(conn: sqlite3.Connection) -> list[str | None]:
            made: list[str | None] = []
            for row in rows:
                inserted = conn.execute(_INSERT + " ON CONFLICT (container, pk, id) DO NOTHING", row).rowcount
                made.append(row[5] if inserted else None)
            return made

        return self._writes.run(insert)

    def upsert_many(self, container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[str]:
        rows = _rows(container, partition, bodies)
        if rows:
            self._writes.run(lambda conn: conn.executemany(_UPSERT, rows))
        return [row[5] for row in rows]

    def replace(self, container: str, partition: PartitionKey, body: Document, etag: str) -> str:
        doc_id = document_id(container, partition, body)
        new_etag = _new_etag()
        pk = _pk(partition)
        encoded = _encode(body)

        def update(conn: sqlite3.Connection) -> None:
            changed = conn.execute(
                "UPDATE documents SET body = ?, etag = ?, ts = ?"
                " WHERE container = ? AND pk = ? AND id = ? AND etag = ?",
                (encoded, new_etag, time.time(), container, pk, doc_id, etag),
            ).rowcount
            if changed:
                return
            found = conn.execute(
                "SELECT 1 FROM documents WHERE container = ? AND pk = ? AND id = ?", (container, pk, doc_id)
            ).fetchone()
            if found is None:
                raise DocumentNotFound(f"{container}/{doc_id} is not in partition {list(partition)}")
            raise StaleDocument(f"{container}/{doc_id} was changed by someone else")

        self._writes.run(update)
        return new_etag

    def delete(self, container: str, partition: PartitionKey, doc_id: str) -> None:
        pk = _pk(partition)
        self._writes.run(
            lambda conn: conn.execute(
                "DELETE FROM documents WHERE container = ? AND pk = ? AND id = ?", (container, pk, doc_id)
            )
        )

    def query(self, container: str, query: Query) -> Page:
        if query.limit < 1:
            raise ValueError("query limit must be at least 1")
        order_path = _path(query.order_by)
        where = ["container = ?"]
        params: list[Any] = [container]
        if query.partition is not None:
            where.append(_partition_condition(query.partition, params))
        for condition in query.filters:
            where.append(_filter_condition(condition, params))

        direction = "DESC" if query.descending else "ASC"
        after = _decode_token(query.continuation, query) if query.continuation is not None else None
        beyond = "<" if query.descending else ">"
        # Only validated field paths and fixed fragments are spliced into the SQL; every value is bound.
        if query.order_by == "id":
            # Ids are strings, so the sort key is (id, pk): keyset paging on documents_by_root_and_id
            # reads the next page from the last key returned, without sorting what came before.
            sql = f"SELECT id, pk, body, etag FROM documents WHERE {' AND '.join(where)}"  # noqa: S608
            if after is not None:
                if not all(isinstance(part, str) for part in after[2:]):
                    raise ValueError("the continuation token belongs to a different query")
                sql += f" AND (id, pk) {beyond} (?, ?)"
                params.extend(after[2:])
            sql += f" ORDER BY id {direction}, pk {direction} LIMIT ?"
        else:
            rank = _TYPE_RANK.format(path=order_path)
            inner = (
                f"SELECT id, pk, body, etag, {rank} AS sort_rank, coalesce(json_extract(body, {order_path}), 0)"  # noqa: S608
                f" AS sort_value FROM documents WHERE {' AND '.join(where)}"
            )
            sql = f"SELECT id, pk, body, etag, sort_rank, sort_value FROM ({inner})"  # noqa: S608
            if after is not None:
                sql += f" WHERE (sort_rank, sort_value, id, pk) {beyond} (?, ?, ?, ?)"
                params.extend(after)
            sql += f" ORDER BY sort_rank {direction}, sort_value {direction}, id {direction}, pk {direction} LIMIT ?"
        params.append(query.limit + 1)

        with self._db.connection() as conn:
            rows = conn.execute(sql, params).fetchall()
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        items = [Stored(body=json.loads(row[2]), etag=row[3]) for row in rows]
        continuation = None
        if more:
            last = rows[-1]
            # The same token either way: an id is a string (rank 4) and its own sort value.
            key = [last[4], last[5]] if len(last) > 4 else [_TEXT_RANK, last[0]]
            continuation = _encode_token(query, [*key, last[0], last[1]])
        return Page(items=items, continuation=continuation)

    def check(self) -> None:
        with self._db.connection() as conn:
            conn.execute("SELECT 1 FROM documents LIMIT 1").fetchall()

    # -- housekeeping -----------------------------------------------------------------------------

    def erase_freed(self) -> None:
        """Leave nothing deleted behind in the files (retention); Cosmos DB needs no such step."""
        self._db.erase_freed()

    def close(self) -> None:
        self._writes.close()
        self._db.close()


# -- helpers -------------------------------------------------------------------------------------


def _rows(container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[tuple[Any, ...]]:
    """Rows to insert, every body checked before anything is written."""
    pk, now = _pk(partition), time.time()
    return [
        (container, pk, partition[0], document_id(container, partition, body), _encode(body), _new_etag(), now)
        for body in bodies
    ]


def _pk(partition: PartitionKey) -> str:
    if not partition or not all(isinstance(part, str) for part in partition):
        raise ValueError(f"a partition key is a non-empty tuple of strings, not {partition!r}")
    return json.dumps(list(partition), separators=(",", ":"))


def _encode(body: Document) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


_ETAG_PREFIX = uuid.uuid4().hex[:12]
_etag_counter = itertools.count()


def _new_etag() -> str:
    # Unique across processes (a random prefix per process) without a system call per write.
    return f"{_ETAG_PREFIX}{next(_etag_counter):x}"


def _path(field: str) -> str:
    """A JSON path literal for a dotted field; the pattern keeps it safe to inline into SQL."""
    if not FIELD.match(field):
        raise ValueError(f"unsupported field name {field!r}")
    return "'$." + field + "'"


def _partition_condition(partition: PartitionKey, params: list[Any]) -> str:
    if not partition:
        raise ValueError("a partition prefix needs at least one element")
    if len(partition) == 1:
        params.append(partition[0])
        return "pk_root = ?"
    full = _pk(partition)
    prefix = full[:-1] + ","  # '["a","b"' + ',' starts every longer key under this prefix
    params.extend([partition[0], full, len(prefix), prefix])
    return "pk_root = ? AND (pk = ? OR substr(pk, 1, ?) = ?)"


def _filter_condition(condition: Filter, params: list[Any]) -> str:
    path = _path(condition.field)
    value_sql, type_sql = f"json_extract(body, {path})", f"json_type(body, {path})"
    if condition.op in _COMPARISONS:
        return _comparison(value_sql, type_sql, condition.op, condition.value, params)
    if condition.op == "in":
        values = list_of(condition.value)
        if not values:
            return "0"
        return "(" + " OR ".join(_comparison(value_sql, type_sql, "=", value, params) for value in values) + ")"
    if condition.op in ("contains", "contains_any"):
        wanted = list_of(condition.value) if condition.op == "contains_any" else [condition.value]
        if not wanted:
            return "0"
        element = " OR ".join(_comparison("value", "type", "=", value, params) for value in wanted)
        each = f"SELECT 1 FROM json_each(documents.body, {path}) WHERE {element}"  # noqa: S608  (validated path)
        return f"({type_sql} = 'array' AND EXISTS ({each}))"
    raise ValueError(f"unsupported filter operator {condition.op!r}")


def _comparison(value_sql: str, type_sql: str, op: str, value: Any, params: list[Any]) -> str:
    """Compare a JSON value with a Python scalar; values of different JSON types never match."""
    scalar(value)
    if value is None:
        if op not in ("=", "!="):
            raise ValueError(f"None can only be compared with = or !=, not {op}")
        return f"coalesce({type_sql}, 'null') {op} 'null'"
    if isinstance(value, bool):
        if op in ("=", "!="):
            return f"({type_sql} IN {_BOOLEAN_TYPES} AND {type_sql} {op} '{'true' if value else 'false'}')"
        params.append(int(value))
        return f"({type_sql} IN {_BOOLEAN_TYPES} AND {value_sql} {op} ?)"
    params.append(value)
    if isinstance(value, int | float):
        return f"({type_sql} IN {_NUMBER_TYPES} AND {value_sql} {op} ?)"
    return f"({type_sql} = 'text' AND {value_sql} {op} ?)"


def _encode_token(query: Query, key: list[Any]) -> str:
    return encode_token(query, {"k": key})


def _decode_token(token: str, query: Query) -> list[Any]:
    key = decode_token(token, query).get("k")
    if not isinstance(key, list) or len(key) != 4:
        raise ValueError("the continuation token belongs to a different query")
    return key
