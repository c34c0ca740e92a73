"""Campaign grouping across processes and threads sharing one SQLite document store file."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path
from typing import Any

from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.campaigns import BANDS
from shared.ports.documents import DocumentStore, PartitionKey, Stored
from shared.services.campaigns import group_response, list_groups

HEARING = "h-deadline-day"
LETTER = (
    "Cykelstien på Amagerbrogade skal bevares i sin nuværende bredde, fordi mange børn cykler til skole ad "
    "den. Forslaget om færre parkeringspladser gør det sværere at handle lokalt, og butikkerne lever af "
    "kunder udefra. Vi beder kommunen om at lytte til dem, der bor her, og ændre planen, før den vedtages. "
    "Træerne langs vejen skal blive stående, da de giver skygge og ro."
)
OWN_TEXT = (
    "Jeg synes cykelstien er for smal, og at parkeringspladserne bør flyttes til sidegaderne. Kommunen bør "
    "lave en bedre plan for varelevering, så lastbilerne ikke holder på cykelstien om morgenen."
)


def copy_of_the_letter(number: int) -> str:
    """Copies differ like real ones: some add a line of their own, some shout, some drop commas."""
    kinds = [
        LETTER,
        f"Hilsen nabo nummer {number}. {LETTER}",
        LETTER.upper(),
        LETTER.replace(",", "") + f" Jeg har boet her i {number} år.",
    ]
    return kinds[number % len(kinds)]


def instance(path: str, first: int, count: int, start: Any) -> None:
    """One function instance: its own process and connection, grouping its share of the arrivals."""
    store = SqliteDocumentStore(path)
    start.wait()
    for number in range(first, first + count):
        group_response(HEARING, f"r-{number:04d}", copy_of_the_letter(number), documents=store)
    store.close()


def test_copies_arriving_at_four_instances_at_once_end_up_in_one_group(tmp_path: Path) -> None:
    path = str(tmp_path / "documents.sqlite")
    SqliteDocumentStore(path).close()
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=instance, args=(path, first, 30, start)) for first in range(0, 120, 30)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]

    store = SqliteDocumentStore(path)
    [campaign] = list_groups(HEARING, documents=store)

    assert campaign.member_count == 120
    assert sorted(m.response_id for m in campaign.members) == [f"r-{n:04d}" for n in range(120)]
    store.close()


def test_a_message_delivered_to_several_threads_at_once_is_grouped_once(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite")
    group_response(HEARING, "r-first", LETTER, documents=store)
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(group_response(HEARING, "r-again", LETTER, documents=store)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 6 and all(result == results[0] for result in results)
    [campaign] = list_groups(HEARING, documents=store)
    assert campaign.member_count == 2
    store.close()


class CountingReads:
    def __init__(self, inner: DocumentStore) -> None:
        self.inner, self.reads = inner, 0

    def read(self, container: str, partition: PartitionKey, doc_id: str) -> Stored | None:
        self.reads += 1
        return self.inner.read(container, partition, doc_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_an_instance_that_starts_cold_groups_a_response_with_a_few_point_reads(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite"
    warm = SqliteDocumentStore(path)
    for number in range(40):
        group_response(HEARING, f"own-{number}", f"{OWN_TEXT} Svar nummer {number} med egne ord.", documents=warm)
        group_response(HEARING, f"copy-{number}", copy_of_the_letter(number), documents=warm)
    warm.close()

    cold = CountingReads(SqliteDocumentStore(path))
    assignment = group_response(HEARING, "late", copy_of_the_letter(3), documents=cold)  # type: ignore[arg-type]

    assert assignment is not None and not assignment.founded
    # Its membership, its band keys and the group they name: nothing that grows with the hearing.
    assert cold.reads <= 1 + BANDS + 3
    assert list_groups(HEARING, documents=cold.inner)[0].member_count == 41  # type: ignore[arg-type]
