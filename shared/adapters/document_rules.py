"""What both document stores check the same way: ids and partitions, filter values, continuation tokens."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from shared.ports.documents import CONTAINERS, Document, PartitionKey, Query

# Dotted field names only: they are inlined into SQL in both stores, so nothing else gets through.
FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def document_id(container: str, partition: PartitionKey, body: Document) -> str:
    """The document's id, after checking the body agrees with the partition it is written to."""
    doc_id = body.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        raise ValueError("a document needs a non-empty string id")
    paths = CONTAINERS.get(container)
    if paths is not None:
        # Cosmos DB takes the partition from the body; a disagreement is a bug in the caller.
        from_body = tuple(body.get(path.lstrip("/")) for path in paths)
        if from_body != tuple(partition):
            raise ValueError(f"{container}/{doc_id}: partition {list(partition)} disagrees with the body")
    return doc_id


def scalar(value: Any) -> None:
    if value is not None and not isinstance(value, str | int | float | bool):
        raise ValueError(f"filters compare strings, numbers, booleans or None, not {type(value).__name__}")


def list_of(value: Any) -> list[Any]:
    """The values of an ``in`` or ``contains_any`` filter, in a stable order."""
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise ValueError("in and contains_any take a list of values")
    values = sorted(value, key=repr) if isinstance(value, set | frozenset) else list(value)
    for item in values:
        scalar(item)
    return values


def encode_token(query: Query, position: dict[str, Any]) -> str:
    payload = {"o": query.order_by, "d": query.descending, **position}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_token(token: str, query: Query) -> dict[str, Any]:
    """The position stored in a token made by encode_token for the same ordering; ValueError otherwise."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        matches = payload["o"] == query.order_by and payload["d"] == query.descending
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise ValueError("malformed continuation token") from exc
    if not matches:
        raise ValueError("the continuation token belongs to a different query")
    return dict(payload)
