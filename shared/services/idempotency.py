"""Idempotency-Key for mutating requests (IETF httpapi "The Idempotency-Key HTTP Header Field").

A client that may retry a POST, PUT, PATCH or DELETE sends a key of its choosing. The first request
with a key claims it (a document in the ``idempotency`` container, partition = the caller); once its
answer is known the answer is kept beside the claim. A retry with the same key and the same request
gets that first answer again (status, body, headers) without the request being performed twice; the
same key with another request is refused (422); a retry while the first is still running gets 409.

Keys are scoped per caller identity: two callers can never see each other's answers, whatever keys
they pick. A key and its answer are kept for ``PORTAL_IDEMPOTENCY_HOURS`` (Cosmos DB drops them by
their ``ttl``; an expired key found in the embedded store is simply claimed afresh).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.domain.base import format_instant, parse_instant
from shared.domain.errors import Conflict, InvalidInput
from shared.ports.clock import Clock
from shared.ports.documents import DocumentExists, DocumentStore, StaleDocument, Stored
from shared.settings import Settings

CONTAINER = "idempotency"
HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A claim whose request has not answered in this long was left by a crashed instance: take it over.
ABANDONED_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    mimetype: str = "application/json"
    charset: str = "utf-8"


@dataclass(frozen=True)
class Claim:
    """The right to perform the request once; hand it back with ``finish`` or ``release``."""

    scope: str
    doc_id: str
    etag: str
    body: dict[str, object]


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path with its query, and the exact body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def scope_of(subject: str | None) -> str:
    return f"subject:{subject}" if subject else "anonymous"


def begin(
    scope: str, key: str, request_fingerprint: str, *, documents: DocumentStore, clock: Clock, settings: Settings
) -> Claim | StoredAnswer:
    """Claim ``key`` for this request, or return the answer its first request got.

    Raises InvalidInput (``Idempotency-Key``) for a malformed key or a key used for another request,
    and Conflict while the first request with the key is still being performed.
    """
    _check_key(key)
    now = clock.now()
    doc_id = _doc_id(key)
    body: dict[str, object] = {
        "id": doc_id,
        "scope": scope,
        "fingerprint": request_fingerprint,
        "state": "started",
        "startedAt": format_instant(now),
        "expiresAt": format_instant(now + timedelta(hours=settings.idempotency_hours)),
        "ttl": int(settings.idempotency_hours * 3600),
    }
    for _ in range(3):
        try:
            etag = documents.create(CONTAINER, (scope,), body)
            return Claim(scope, doc_id, etag, body)
        except DocumentExists:
            pass
        earlier = documents.read(CONTAINER, (scope,), doc_id)
        if earlier is None:
            continue  # released in the meantime: claim it again
        if parse_instant(str(earlier.body["expiresAt"])) <= now or _abandoned(earlier, now):
            try:
                etag = documents.replace(CONTAINER, (scope,), body, earlier.etag)
                return Claim(scope, doc_id, etag, body)
            except StaleDocument:
                continue
        if earlier.body["fingerprint"] != request_fingerprint:
            raise InvalidInput("this key was already used for another request; use a new key", field=HEADER)
        answer = earlier.body.get("answer")
        if isinstance(answer, dict):
            return StoredAnswer(
                status=int(answer["status"]),
                body=base64.b64decode(str(answer["body"])),
                headers={str(name): str(value) for name, value in dict(answer["headers"]).items()},
                mimetype=str(answer["mimetype"]),
                charset=str(answer["charset"]),
            )
        raise Conflict("a request with this key is still being processed; retry shortly", field=HEADER)
    raise Conflict("a request with this key is still being processed; retry shortly", field=HEADER)


def finish(claim: Claim, answer: StoredAnswer, *, documents: DocumentStore) -> None:
    """Keep the answer for retries."""
    body = {
        **claim.body,
        "state": "done",
        "answer": {
            "status": answer.status,
            "body": base64.b64encode(answer.body).decode(),
            "headers": dict(answer.headers),
            "mimetype": answer.mimetype,
            "charset": answer.charset,
        },
    }
    documents.replace(CONTAINER, (claim.scope,), body, claim.etag)


def release(claim: Claim, *, documents: DocumentStore) -> None:
    """Give the key back (the request failed in a way a retry may fix: a server error, a rate limit)."""
    documents.delete(CONTAINER, (claim.scope,), claim.doc_id)


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidInput(f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters", field=HEADER)


def _doc_id(key: str) -> str:
    # The caller's key, hashed: any printable key becomes a valid document id.
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def _abandoned(earlier: Stored, now: datetime) -> bool:
    return (
        earlier.body.get("state") == "started"
        and parse_instant(str(earlier.body["startedAt"])) + (ABANDONED_AFTER) <= now
    )
