"""Response numbers per hearing ("Høringssvar nr. 17"): unique and gap-free, given off the hot path.

The consumer of ``responses-received`` numbers each response when it first sees it, so numbers
follow arrival at the consumer, and the intake never counts (count + 1 is a race). In the
hearing's ``receiptlog`` partition:

- ``numbers``: how many numbers are given. A hint that may lag one number behind.
- ``number-<n>``: the claim of number n by one response; created only while ``numbers`` says n - 1,
  and the create itself is the claim, so two consumers can never both get n, and n is claimed only
  once n - 1 is. A consumer that finds ``number-<n>`` taken moves the counter on (ETag-checked) and
  tries n + 1.

A crash between the claim and writing the number onto the response is repaired by the redelivery:
it finds the claim naming the response and uses it. A withdrawn response keeps its number.
"""

from __future__ import annotations

from shared.domain.errors import Conflict, StaleWrite
from shared.ports.documents import DocumentExists, DocumentStore, Filter, Query, StaleDocument, Stored
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
                documents.create(CONTAINER, partition, {"id": COUNTER_ID, "hearingId": hearing_id, "given": 0})
            except DocumentExists:
                pass
            continue
        number = int(counter.body["given"]) + 1
        claim = {
            "id": f"number-{number:09d}",
            "hearingId": hearing_id,
            "kind": "number",
            "number": number,
            "responseId": response_id,
        }
        try:
            documents.create(CONTAINER, partition, claim)
        except DocumentExists:
            _advance(documents, counter, number)  # its claimer may have stopped before moving the counter
            continue
        _advance(documents, counter, number)
        return number
    raise Conflict("the hearing's numbering is too busy just now; the message is retried", field="hearingId")


def _advance(documents: DocumentStore, counter: Stored, given: int) -> None:
    try:
        documents.replace(CONTAINER, (counter.body["hearingId"],), {**counter.body, "given": given}, counter.etag)
    except StaleDocument:
        pass  # someone else moved it on first; it only ever moves one number at a time
