"""One contract for every DocumentStore adapter: SQLite always, Cosmos DB when one is configured.

Cosmos DB runs when COSMOS_TEST_ENDPOINT is set (with COSMOS_TEST_KEY, or a signed-in identity
for DefaultAzureCredential); each run gets its own database, deleted afterwards. Every test
works in partitions of its own, so the Cosmos database can be shared by the whole module.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.ports.documents import (
    BATCH_LIMIT,
    DocumentExists,
    DocumentNotFound,
    DocumentStore,
    Filter,
    Query,
    StaleDocument,
)


@pytest.fixture(scope="module")
def cosmos_store() -> Iterator[DocumentStore]:
    endpoint = os.environ.get("COSMOS_TEST_ENDPOINT")
    if not endpoint:
        pytest.skip("Cosmos DB contract runs only when COSMOS_TEST_ENDPOINT (and optionally COSMOS_TEST_KEY) is set")
    from shared.adapters.cosmos_documents import CosmosDocumentStore

    store = CosmosDocumentStore.connect(
        endpoint, os.environ.get("COSMOS_TEST_KEY") or None, f"contract-{uuid.uuid4().hex[:12]}"
    )
    store.ensure_containers()
    try:
        yield store
    finally:
        store.delete_database()


@pytest.fixture(params=["sqlite", pytest.param("cosmos", marks=pytest.mark.azure)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DocumentStore]:
    if request.param == "cosmos":
        yield request.getfixturevalue("cosmos_store")
        return
    sqlite = SqliteDocumentStore(tmp_path / "documents.sqlite")
    yield sqlite
    sqlite.close()


@pytest.fixture
def run() -> str:
    """A tag unique to the test, so tests never see each other's documents."""
    return uuid.uuid4().hex[:10]


def reference(run: str, doc_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": doc_id, "type": f"kind-{run}", "run": run, **fields}


def ids(store: DocumentStore, container: str, query: Query) -> list[str]:
    return [item.body["id"] for item in store.query(container, query).items]


# -- single documents ----------------------------------------------------------------------------


def test_a_created_document_reads_back_unchanged(store: DocumentStore, run: str) -> None:
    body = reference(run, "a", title="Høring om cykelstier", nested={"level": 2, "tags": ["x", "y"]}, score=1.5)

    etag = store.create("reference", (f"kind-{run}",), body)

    stored = store.read("reference", (f"kind-{run}",), "a")
    assert stored is not None
    assert stored.body == body
    assert stored.etag == etag
    assert store.read("reference", (f"kind-{run}",), "missing") is None


def test_creating_the_same_id_twice_in_a_partition_is_refused(store: DocumentStore, run: str) -> None:
    store.create("reference", (f"kind-{run}",), reference(run, "a", version=1))

    with pytest.raises(DocumentExists):
        store.create("reference", (f"kind-{run}",), reference(run, "a", version=2))

    stored = store.read("reference", (f"kind-{run}",), "a")
    assert stored is not None and stored.body["version"] == 1


def test_the_same_id_may_live_in_two_partitions(store: DocumentStore, run: str) -> None:
    store.create("reference", (f"kind-{run}",), reference(run, "a"))
    store.create("reference", (f"other-{run}",), {"id": "a", "type": f"other-{run}"})

    assert store.read("reference", (f"other-{run}",), "a") is not None


def test_replace_with_the_current_etag_wins(store: DocumentStore, run: str) -> None:
    etag = store.create("reference", (f"kind-{run}",), reference(run, "a", version=1))

    new_etag = store.replace("reference", (f"kind-{run}",), reference(run, "a", version=2), etag)

    stored = store.read("reference", (f"kind-{run}",), "a")
    assert stored is not None
    assert stored.body["version"] == 2
    assert stored.etag == new_etag != etag


def test_replace_with_a_stale_etag_is_refused_and_changes_nothing(store: DocumentStore, run: str) -> None:
    first = store.create("reference", (f"kind-{run}",), reference(run, "a", version=1))
    store.replace("reference", (f"kind-{run}",), reference(run, "a", version=2), first)

    with pytest.raises(StaleDocument):
        store.replace("reference", (f"kind-{run}",), reference(run, "a", version=3), first)

    stored = store.read("reference", (f"kind-{run}",), "a")
    assert stored is not None and stored.body["version"] == 2


def test_replacing_a_missing_document_says_so(store: DocumentStore, run: str) -> None:
    with pytest.raises(DocumentNotFound):
        store.replace("reference", (f"kind-{run}",), reference(run, "ghost"), "some-etag")


def test_upsert_creates_then_overwrites(store: DocumentStore, run: str) -> None:
    first = store.upsert("reference", (f"kind-{run}",), reference(run, "a", version=1))
    second = store.upsert("reference", (f"kind-{run}",), reference(run, "a", version=2))

    stored = store.read("reference", (f"kind-{run}",), "a")
    assert stored is not None
    assert stored.body["version"] == 2
    assert stored.etag == second != first


def test_delete_removes_and_deleting_again_is_harmless(store: DocumentStore, run: str) -> None:
    store.create("reference", (f"kind-{run}",), reference(run, "a"))

    store.delete("reference", (f"kind-{run}",), "a")
    store.delete("reference", (f"kind-{run}",), "a")

    assert store.read("reference", (f"kind-{run}",), "a") is None
    store.create("reference", (f"kind-{run}",), reference(run, "a"))  # the id is free again


def test_a_body_that_disagrees_with_its_partition_is_refused(store: DocumentStore, run: str) -> None:
    with pytest.raises(ValueError):
        store.create("reference", (f"elsewhere-{run}",), reference(run, "a"))


# -- many documents at once ---------------------------------------------------------------------


def test_create_many_makes_the_new_ones_and_leaves_those_already_there(store: DocumentStore, run: str) -> None:
    partition = (f"kind-{run}",)
    store.create("reference", partition, reference(run, "b", version=1))

    made = store.create_many(
        "reference",
        partition,
        [reference(run, "a", version=2), reference(run, "b", version=2), reference(run, "a", version=3)],
    )

    assert made[0] is not None and made[1] is None and made[2] is None  # the second "a" met the first
    a, b = store.read("reference", partition, "a"), store.read("reference", partition, "b")
    assert a is not None and a.body["version"] == 2 and a.etag == made[0]
    assert b is not None and b.body["version"] == 1


def test_create_many_of_more_than_one_batch_makes_every_one_once(store: DocumentStore, run: str) -> None:
    partition = (f"kind-{run}",)
    count = BATCH_LIMIT * 2 + 7
    store.create("reference", partition, reference(run, f"doc-{BATCH_LIMIT + 3:04d}"))  # one in the second batch

    made = store.create_many("reference", partition, [reference(run, f"doc-{n:04d}") for n in range(count)])

    assert [n for n, etag in enumerate(made) if etag is None] == [BATCH_LIMIT + 3]
    again = store.create_many("reference", partition, [reference(run, f"doc-{n:04d}") for n in range(count)])
    assert again == [None] * count  # a redelivery makes nothing
    assert len(_all_ids(store, partition)) == count


def test_upsert_many_creates_and_overwrites_with_etags_that_replace_accepts(store: DocumentStore, run: str) -> None:
    partition = (f"kind-{run}",)
    store.create("reference", partition, reference(run, "a", version=1))

    etags = store.upsert_many("reference", partition, [reference(run, "a", version=2), reference(run, "b", version=2)])

    assert len(etags) == 2
    for doc_id, etag in zip(["a", "b"], etags, strict=True):
        stored = store.read("reference", partition, doc_id)
        assert stored is not None and stored.body["version"] == 2 and stored.etag == etag
    store.replace("reference", partition, reference(run, "b", version=3), etags[1])


def test_many_documents_with_one_that_disagrees_with_the_partition_write_none(store: DocumentStore, run: str) -> None:
    partition = (f"kind-{run}",)
    bodies = [reference(run, "a"), {"id": "b", "type": f"elsewhere-{run}"}]

    with pytest.raises(ValueError):
        store.create_many("reference", partition, bodies)
    with pytest.raises(ValueError):
        store.upsert_many("reference", partition, bodies)

    assert store.read("reference", partition, "a") is None
    assert store.create_many("reference", partition, []) == [] and store.upsert_many("reference", partition, []) == []


def _all_ids(store: DocumentStore, partition: tuple[str, ...], limit: int = 100, descending: bool = False) -> list[str]:
    seen: list[str] = []
    continuation: str | None = None
    while True:
        page = store.query(
            "reference", Query(partition=partition, limit=limit, continuation=continuation, descending=descending)
        )
        seen += [item.body["id"] for item in page.items]
        continuation = page.continuation
        if continuation is None:
            return seen


# -- queries -------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(store: DocumentStore, run: str) -> DocumentStore:
    """Four documents in one partition that the filter tests pick from."""
    documents = [
        reference(run, "a", n=1, status="open", tags=["bike", "road"], urgent=True, respondent={"kind": "citizen"}),
        reference(run, "b", n=2, status="closed", tags=["road"], urgent=False, respondent={"kind": "company"}),
        reference(run, "c", n=3, status="open", tags=[], urgent=False, respondent={"kind": "citizen"}, note=None),
        reference(run, "d", n=4, status="draft", tags=["park"], respondent={"kind": "employee"}, note="x"),
    ]
    for document in documents:
        store.create("reference", (f"kind-{run}",), document)
    return store


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Filter("status", "=", "open"), ["a", "c"]),
        (Filter("status", "!=", "open"), ["b", "d"]),
        (Filter("n", "<", 2), ["a"]),
        (Filter("n", "<=", 2), ["a", "b"]),
        (Filter("n", ">", 3), ["d"]),
        (Filter("n", ">=", 3), ["c", "d"]),
        (Filter("status", "in", ["closed", "draft"]), ["b", "d"]),
        (Filter("n", "in", []), []),
        (Filter("tags", "contains", "road"), ["a", "b"]),
        (Filter("tags", "contains_any", ["park", "bike"]), ["a", "d"]),
        (Filter("tags", "contains_any", []), []),
        (Filter("respondent.kind", "=", "citizen"), ["a", "c"]),
        (Filter("urgent", "=", True), ["a"]),
        (Filter("urgent", "=", False), ["b", "c"]),
        (Filter("note", "=", None), ["a", "b", "c"]),
        (Filter("note", "!=", None), ["d"]),
        (Filter("status", ">", 5), []),  # a string never compares with a number
    ],
    ids=lambda value: repr(value) if isinstance(value, Filter) else "",
)
def test_filters_select_the_matching_documents(
    catalogue: DocumentStore, run: str, condition: Filter, expected: list[str]
) -> None:
    query = Query(filters=(condition,), partition=(f"kind-{run}",))

    assert ids(catalogue, "reference", query) == expected


def test_filters_combine_with_and(catalogue: DocumentStore, run: str) -> None:
    query = Query(filters=(Filter("status", "=", "open"), Filter("n", ">", 1)), partition=(f"kind-{run}",))

    assert ids(catalogue, "reference", query) == ["c"]


def test_results_follow_the_requested_order(catalogue: DocumentStore, run: str) -> None:
    partition = (f"kind-{run}",)

    assert ids(catalogue, "reference", Query(order_by="n", partition=partition)) == ["a", "b", "c", "d"]
    assert ids(catalogue, "reference", Query(order_by="n", descending=True, partition=partition)) == [
        "d",
        "c",
        "b",
        "a",
    ]
    by_kind = catalogue.query("reference", Query(order_by="respondent.kind", partition=partition)).items
    assert [item.body["respondent"]["kind"] for item in by_kind] == ["citizen", "citizen", "company", "employee"]


@pytest.mark.parametrize("descending", [False, True])
def test_pages_return_every_document_exactly_once(store: DocumentStore, run: str, descending: bool) -> None:
    # Ties in the sort field straddle page boundaries on purpose.
    ranks = [1, 1, 1, 2, 2, 3, 3]
    for number, rank in enumerate(ranks):
        store.create("reference", (f"kind-{run}",), reference(run, f"doc-{number}", rank=rank))

    seen: list[str] = []
    ranks_seen: list[int] = []
    pages = 0
    continuation: str | None = None
    while True:
        query = Query(
            order_by="rank", descending=descending, limit=3, continuation=continuation, partition=(f"kind-{run}",)
        )
        page = store.query("reference", query)
        assert len(page.items) <= 3
        pages += 1
        seen += [item.body["id"] for item in page.items]
        ranks_seen += [item.body["rank"] for item in page.items]
        continuation = page.continuation
        if continuation is None:
            break

    assert sorted(seen) == sorted(f"doc-{number}" for number in range(len(ranks)))
    assert len(seen) == len(set(seen))
    assert ranks_seen == sorted(ranks, reverse=descending)
    assert pages >= 3


@pytest.mark.parametrize("descending", [False, True])
def test_pages_in_id_order_return_every_document_once_in_order(
    store: DocumentStore, run: str, descending: bool
) -> None:
    partition = (f"kind-{run}",)
    store.upsert_many("reference", partition, [reference(run, f"doc-{n:03d}") for n in range(23)])
    store.create("reference", (f"other-{run}",), {"id": "doc-005", "type": f"other-{run}"})  # not in this partition

    seen = _all_ids(store, partition, limit=5, descending=descending)

    assert seen == sorted((f"doc-{n:03d}" for n in range(23)), reverse=descending)


def test_pages_in_id_order_across_partitions_keep_the_same_id_in_each(store: DocumentStore, run: str) -> None:
    for target in [f"hearing:{run}-a", f"hearing:{run}-b"]:
        for doc_id in ["s1", "s2"]:
            store.create("subscriptions", (target,), {"id": doc_id, "target": target, "run": run})

    # The same id in two partitions: the pages break the tie and neither repeat nor skip one.
    seen: list[tuple[str, str]] = []
    continuation: str | None = None
    while True:
        query = Query(filters=(Filter("run", "=", run),), limit=1, continuation=continuation)
        page = store.query("subscriptions", query)
        seen += [(item.body["id"], item.body["target"]) for item in page.items]
        continuation = page.continuation
        if continuation is None:
            break

    assert [doc_id for doc_id, _ in seen] == ["s1", "s1", "s2", "s2"]
    assert len(set(seen)) == 4


def test_a_partition_prefix_reaches_every_document_under_it(store: DocumentStore, run: str) -> None:
    h1, h2 = f"h1-{run}", f"h2-{run}"
    for hearing, response in [(h1, "r1"), (h1, "r2"), (h2, "r1"), (h2, "r3")]:
        store.create("responses", (hearing, response), {"id": response, "hearingId": hearing, "run": run})

    under_h1 = store.query("responses", Query(partition=(h1,))).items
    assert sorted((item.body["hearingId"], item.body["id"]) for item in under_h1) == [(h1, "r1"), (h1, "r2")]
    exact = store.query("responses", Query(partition=(h2, "r1"))).items
    assert [(item.body["hearingId"], item.body["id"]) for item in exact] == [(h2, "r1")]
    stored = store.read("responses", (h1, "r2"), "r2")
    assert stored is not None and stored.body["hearingId"] == h1


def test_a_query_without_partition_spans_all_partitions(store: DocumentStore, run: str) -> None:
    for number in range(5):
        target = f"hearing:{run}-{number}"
        store.create("subscriptions", (target,), {"id": f"s{number}", "target": target, "run": run})

    found = store.query("subscriptions", Query(filters=(Filter("run", "=", run),), order_by="target")).items

    assert [item.body["target"] for item in found] == [f"hearing:{run}-{number}" for number in range(5)]


def test_a_continuation_token_is_opaque_text(catalogue: DocumentStore, run: str) -> None:
    page = catalogue.query("reference", Query(partition=(f"kind-{run}",), limit=1))

    assert isinstance(page.continuation, str) and page.continuation
    following = catalogue.query(
        "reference", Query(partition=(f"kind-{run}",), limit=10, continuation=page.continuation)
    )
    assert [item.body["id"] for item in following.items] == ["b", "c", "d"]
    assert following.continuation is None


def test_of_many_concurrent_replaces_with_one_etag_exactly_one_wins(store: DocumentStore, run: str) -> None:
    etag = store.create("reference", (f"kind-{run}",), reference(run, "counter", value=0))
    outcomes: list[str] = []
    guard = threading.Lock()

    def replace(value: int) -> None:
        try:
            store.replace("reference", (f"kind-{run}",), reference(run, "counter", value=value), etag)
            outcome = "won"
        except StaleDocument:
            outcome = "stale"
        with guard:
            outcomes.append(outcome)

    writers = [threading.Thread(target=replace, args=(value,)) for value in range(1, 9)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    assert sorted(outcomes) == ["stale"] * 7 + ["won"]
    stored = store.read("reference", (f"kind-{run}",), "counter")
    assert stored is not None and stored.body["value"] != 0


def test_an_in_memory_store_works_for_unit_tests() -> None:
    store = SqliteDocumentStore(":memory:")
    store.create("hearings", ("h1",), {"id": "h1", "title": "Ny skole"})

    stored = store.read("hearings", ("h1",), "h1")

    assert stored is not None and stored.body["title"] == "Ny skole"
    assert [item.body["id"] for item in store.query("hearings", Query()).items] == ["h1"]


def test_a_database_made_before_keyset_paging_pages_the_same_once_opened(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite"
    with sqlite3.connect(path) as conn:  # the schema as it was, with one follower already in it
        conn.executescript(
            "CREATE TABLE documents (container TEXT NOT NULL, pk TEXT NOT NULL, pk_root TEXT NOT NULL,"
            " id TEXT NOT NULL, body TEXT NOT NULL, etag TEXT NOT NULL, ts REAL NOT NULL,"
            " PRIMARY KEY (container, pk, id));"
            "CREATE INDEX documents_by_root ON documents (container, pk_root);"
            """INSERT INTO documents VALUES ('subscriptions', '["hearing:h"]', 'hearing:h', 's000',"""
            """ '{"id":"s000","target":"hearing:h"}', 'e0', 0);"""
        )
    conn.close()

    store = SqliteDocumentStore(path)
    store.upsert_many(
        "subscriptions", ("hearing:h",), [{"id": f"s{n:03d}", "target": "hearing:h"} for n in range(1, 9)]
    )
    seen: list[str] = []
    continuation: str | None = None
    while True:
        page = store.query("subscriptions", Query(partition=("hearing:h",), limit=3, continuation=continuation))
        seen += [item.body["id"] for item in page.items]
        continuation = page.continuation
        if continuation is None:
            break
    store.close()

    assert seen == [f"s{n:03d}" for n in range(9)]
    with sqlite3.connect(path) as conn:
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    assert "documents_by_root_and_id" in indexes and "documents_by_root" not in indexes
