"""Response numbers per hearing ("Høringssvar nr. 17"): unique and gap-free, given off the hot path.

The consumer of ``responses-received`` numbers each response when it first sees it, so numbers
follow arrival at the consumer, and the intake never counts (count + 1 is a race). In the
hearing's ``receiptlog`` partition:

- ``numbers``: how many numbers are given and to whom the last one went. Taking a number is one
  ETag-checked replace of this document, so two consumers can never both get n, and no number is
  skipped.
- ``number-<n>``: which response has number n. The taker writes its own after the replace; the next
  taker writes its predecessor's (from ``numbers``) before its replace, so a crash in between loses
  no mapping.

A redelivery (even one running at the same time as the first delivery) finds the number already
taken for its response and uses it. A withdrawn response keeps its number.
"""

from __future__ import annotations

from shared.domain.errors import Conflict, StaleWrite
from shared.ports.documents import DocumentExists, DocumentStore, Filter, Query, StaleDocument
from shared.services.receipt_log import CONTAINER
from shared.services.repositories import ResponseRepository

COUNTER_ID = "numbers"
MAX_ATTEMPTS = 500


def assign_number(hearing_id: str, response_id: str, *, documents: DocumentStore) -> int | None:
    """The response's number, given now if it has none; None when the response is not stored."""
    repository = ResponseRepository(documents)
    for _ in range(MAX_ATTEMPTS):
        loaded = repository.get(hearing_id, response_id)
        if loaded is None:
            return None
        if loaded.model.number is not None:
            return loaded.model.number
        number = _claimed(documents, hearing_id, response_id) or _claim(documents, hearing_id, response_id)
        loaded.model.number = number
        try:
            repository.save(loaded)
        except StaleWrite:
            continue  # edited or screened meanwhile: load again; the claim stays ours
        return number
    raise Conflict("the response could not be numbered just now; the message is retried", field="responseId")


def _claimed(documents: DocumentStore, hearing_id: str, response_id: str) -> int | None:
    page = documents.query(
        CONTAINER,
        Query(
            filters=(Filter("kind", "=", "number"), Filter("responseId", "=", response_id)),
            partition=(hearing_id,),
            limit=1,
        ),
    )
    return int(page.items[0].body["number"]) if page.items else None


def _claim(documents: DocumentStore, hearing_id: str, response_id: str) -> int:
    partition = (hearing_id,)
    for _ in range(MAX_ATTEMPTS):
        counter = documents.read(CONTAINER, partition, COUNTER_ID)
        if counter is None:
            try:
                documents.create(
                    CONTAINER, partition, {"id": COUNTER_ID, "hearingId": hearing_id, "given": 0, "last": None}
                )
            except DocumentExists:
                pass
            continue
        given, last = int(counter.body["given"]), counter.body.get("last")
        if last == response_id:
            _record(documents, hearing_id, given, response_id)
            return given
        if last is not None:
            _record(documents, hearing_id, given, str(last))  # the previous taker may have stopped before this
        try:
            documents.replace(
                CONTAINER, partition, {**counter.body, "given": given + 1, "last": response_id}, counter.etag
            )
        except StaleDocument:
            # Someone took a number first; it may have been another delivery of this very response.
            earlier = _claimed(documents, hearing_id, response_id)
            if earlier is not None:
                return earlier
            continue
        _record(documents, hearing_id, given + 1, response_id)
        return given + 1
    raise Conflict("the hearing's numbering is too busy just now; the message is retried", field="hearingId")


def _record(documents: DocumentStore, hearing_id: str, number: int, response_id: str) -> None:
    documents.upsert(
        CONTAINER,
        (hearing_id,),
        {
            "id": f"number-{number:09d}",
            "hearingId": hearing_id,
            "kind": "number",
            "number": number,
            "responseId": response_id,
        },
    )
