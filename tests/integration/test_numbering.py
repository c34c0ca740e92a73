"""Response numbers stay unique and gap-free when several consumers number one hearing at once."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.response import Response
from shared.services.numbering import assign_number
from shared.services.repositories import ResponseRepository
from tests.fakes import citizen

RESPONSES = 200
CONSUMERS = 16


def test_concurrent_consumers_give_numbers_one_to_n_each_once(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite")
    repository = ResponseRepository(store)
    now = datetime(2026, 5, 4, 8, tzinfo=UTC)
    ids = []
    for n in range(RESPONSES):
        response = Response.receive("h-1", citizen(f"mitid:{n}"), f"Svar {n}", False, now)
        repository.add(response)
        ids.append(response.id)
    # Every message delivered twice, in shuffled order, as an at-least-once queue may do.
    deliveries = ids * 2
    random.Random(7).shuffle(deliveries)

    with ThreadPoolExecutor(max_workers=CONSUMERS) as pool:
        given = list(pool.map(lambda rid: (rid, assign_number("h-1", rid, documents=store)), deliveries))

    numbers = {rid: repository.require("h-1", rid).model.number for rid in ids}
    assert sorted(n for n in numbers.values() if n is not None) == list(range(1, RESPONSES + 1))
    assert all(number == numbers[rid] for rid, number in given)  # a redelivery answers the same number
    # Another hearing counts from 1 on its own.
    other = Response.receive("h-2", citizen("mitid:0"), "Svar", False, now)
    repository.add(other)
    assert assign_number("h-2", other.id, documents=store) == 1
