"""Each hearing's Merkle log of receipts in a real SQLite document store."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain import merkle
from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.receipts import ReceiptPayload, canonical_json, jws_payload
from shared.ports.documents import Document, PartitionKey, StaleDocument
from shared.services import receipt_log
from shared.services.receipt_log import (
    consistency_proof,
    inclusion_proof,
    issue_receipt,
    log_size,
    publish_tree_head,
    published_tree_heads,
    receipt_file,
    receipt_keys,
    sign_tree_head,
)
from tests.fakes import FixedClock
from tools import verify_receipt as tool

START = datetime(2026, 5, 1, 9, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> SqliteDocumentStore:
    return SqliteDocumentStore(tmp_path / "documents.sqlite")


@pytest.fixture
def signer() -> LocalReceiptSigner:
    return LocalReceiptSigner.generate()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def payload(hearing: str, n: int, version: int = 1, text: str | None = None) -> ReceiptPayload:
    return ReceiptPayload.of(hearing, f"r-{n}", version, START + timedelta(seconds=n), text or f"svar {n}")


def fill(store: SqliteDocumentStore, signer: LocalReceiptSigner, hearing: str, count: int) -> list[int]:
    return [issue_receipt(payload(hearing, n), documents=store, signer=signer).log_index for n in range(count)]


def leaves_of(store: SqliteDocumentStore, hearing: str, size: int) -> list[bytes]:
    leaves = []
    for index in range(size):
        stored = store.read("receiptlog", (hearing,), f"leaf-{index:012d}")
        assert stored is not None
        leaves.append(merkle.leaf_hash(jws_payload(stored.body["receipt"])))
    return leaves


def test_receipts_get_consecutive_indices_and_every_one_verifies(store, signer, clock) -> None:
    assert fill(store, signer, "h-1", 13) == list(range(13))
    keys = receipt_keys(signer=signer)

    for n in range(13):
        file = receipt_file("h-1", f"r-{n}", 1, documents=store, signer=signer, clock=clock)
        verdict = tool.verify_receipt(file.receipt, file.inclusion_proof.to_document(), file.tree_head, keys)
        assert verdict.ok, (verdict.signature.detail, verdict.inclusion.detail)
        assert verdict.signature.key_id == signer.signing_key()


def test_the_tree_head_root_is_the_root_of_the_receipts_in_log_order(store, signer, clock) -> None:
    fill(store, signer, "h-1", 21)

    head = sign_tree_head("h-1", documents=store, signer=signer, clock=clock)

    assert head.tree_size == 21
    assert head.timestamp == START
    assert bytes.fromhex(head.root_hash) == merkle.merkle_root(leaves_of(store, "h-1", 21))


def test_an_empty_log_has_a_signed_tree_head_of_size_zero(store, signer, clock) -> None:
    head = sign_tree_head("h-empty", documents=store, signer=signer, clock=clock)

    assert (head.tree_size, head.root_hash) == (0, merkle.EMPTY_ROOT.hex())


def test_issuing_the_same_version_again_returns_the_first_receipt(store, signer) -> None:
    first = issue_receipt(payload("h-1", 1), documents=store, signer=signer)

    again = issue_receipt(payload("h-1", 1), documents=store, signer=signer)

    assert again == first
    assert log_size("h-1", documents=store) == 1


def test_an_edit_is_a_new_version_and_a_new_entry(store, signer) -> None:
    issue_receipt(payload("h-1", 1), documents=store, signer=signer)

    edited = issue_receipt(payload("h-1", 1, version=2, text="nyt svar"), documents=store, signer=signer)

    assert edited.log_index == 1


def test_the_same_version_with_other_content_is_a_conflict_naming_the_version(store, signer) -> None:
    issue_receipt(payload("h-1", 1), documents=store, signer=signer)

    with pytest.raises(Conflict) as caught:
        issue_receipt(payload("h-1", 1, text="something else"), documents=store, signer=signer)

    assert caught.value.problems[0].field == "version"
    assert log_size("h-1", documents=store) == 1


def test_hearings_keep_separate_logs(store, signer) -> None:
    fill(store, signer, "h-1", 3)

    assert fill(store, signer, "h-2", 2) == [0, 1]


def test_concurrent_appends_are_gap_free_and_unique(store, signer, clock) -> None:
    threads, per_thread = 8, 25
    indices: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for n in range(per_thread):
                issued = issue_receipt(payload("h-busy", worker * 1000 + n), documents=store, signer=signer)
                with lock:
                    indices.append(issued.log_index)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    workers = [threading.Thread(target=append, args=(worker,)) for worker in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert not errors
    assert sorted(indices) == list(range(threads * per_thread))
    head = sign_tree_head("h-busy", documents=store, signer=signer, clock=clock)
    assert head.tree_size == threads * per_thread
    assert bytes.fromhex(head.root_hash) == merkle.merkle_root(leaves_of(store, "h-busy", head.tree_size))


class HeadMoveFails:
    """A store whose next move of the log head is lost, as when the process dies right after a leaf."""

    def __init__(self, inner: SqliteDocumentStore) -> None:
        self._inner = inner
        self.fail_next_head_move = True

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def replace(self, container: str, partition: PartitionKey, body: Document, etag: str) -> str:
        if container == "receiptlog" and body["id"] == "head" and self.fail_next_head_move:
            self.fail_next_head_move = False
            raise StaleDocument("lost")
        return self._inner.replace(container, partition, body, etag)


def test_a_leaf_whose_head_move_was_lost_is_kept_and_the_next_append_follows_it(store, signer, clock) -> None:
    fill(store, signer, "h-1", 3)
    flaky = HeadMoveFails(store)

    issue_receipt(payload("h-1", 3), documents=flaky, signer=signer)  # type: ignore[arg-type]
    assert log_size("h-1", documents=store) == 3  # the head lags one leaf behind

    after = issue_receipt(payload("h-1", 4), documents=store, signer=signer)

    assert after.log_index == 4
    assert log_size("h-1", documents=store) == 5
    file = receipt_file("h-1", "r-3", 1, documents=store, signer=signer, clock=clock)
    assert tool.verify_receipt(
        file.receipt, file.inclusion_proof.to_document(), file.tree_head, receipt_keys(signer=signer)
    ).ok


def test_every_consistency_proof_between_published_sizes_verifies(store, signer, clock) -> None:
    heads = []
    for count in (1, 2, 3, 5, 8, 9, 16, 17):
        fill_to(store, signer, "h-1", count)
        clock.advance(minutes=1)
        heads.append(publish_tree_head("h-1", documents=store, signer=signer, clock=clock))
    keys = receipt_keys(signer=signer)

    for earlier in heads:
        for later in heads:
            if earlier.tree_size <= later.tree_size:
                proof = consistency_proof("h-1", earlier.tree_size, later.tree_size, documents=store)
                check = tool.verify_consistency(earlier.tree_head, later.tree_head, proof.to_document(), keys)
                assert check.ok, (earlier.tree_size, later.tree_size, check.detail)


def fill_to(store: SqliteDocumentStore, signer: LocalReceiptSigner, hearing: str, count: int) -> None:
    for n in range(log_size(hearing, documents=store), count):
        issue_receipt(payload(hearing, n), documents=store, signer=signer)


def test_publishing_twice_without_new_receipts_gives_the_same_head_and_the_list_is_newest_first(
    store, signer, clock
) -> None:
    fill(store, signer, "h-1", 4)
    first = publish_tree_head("h-1", documents=store, signer=signer, clock=clock)
    clock.advance(hours=1)
    assert publish_tree_head("h-1", documents=store, signer=signer, clock=clock) == first

    fill_to(store, signer, "h-1", 6)
    final = publish_tree_head("h-1", documents=store, signer=signer, clock=clock)

    assert [head.tree_size for head in published_tree_heads("h-1", documents=store)] == [6, 4]
    assert published_tree_heads("h-1", documents=store)[0] == final


def test_a_receipt_file_after_closing_proves_against_the_final_tree_head(store, signer, clock) -> None:
    fill(store, signer, "h-1", 7)
    final = publish_tree_head("h-1", documents=store, signer=signer, clock=clock)

    file = receipt_file("h-1", "r-2", 1, documents=store, signer=signer, clock=clock)

    assert file.tree_head == final.tree_head
    assert file.inclusion_proof.tree_size == 7


def test_a_proof_against_the_wrong_tree_head_fails(store, signer, clock) -> None:
    fill(store, signer, "h-1", 6)
    fill(store, signer, "h-2", 6)
    keys = receipt_keys(signer=signer)
    file = receipt_file("h-1", "r-2", 1, documents=store, signer=signer, clock=clock)
    other_hearing = sign_tree_head("h-2", documents=store, signer=signer, clock=clock)
    fill_to(store, signer, "h-1", 9)
    later_same_hearing = sign_tree_head("h-1", documents=store, signer=signer, clock=clock)

    wrong_hearing = tool.verify_receipt(file.receipt, file.inclusion_proof.to_document(), other_hearing.tree_head, keys)
    wrong_size = tool.verify_receipt(
        file.receipt, file.inclusion_proof.to_document(), later_same_hearing.tree_head, keys
    )
    stretched = tool.verify_receipt(
        file.receipt, {**file.inclusion_proof.to_document(), "treeSize": 9}, later_same_hearing.tree_head, keys
    )

    assert wrong_hearing.signature.ok and not wrong_hearing.inclusion.ok
    assert "another hearing" in wrong_hearing.inclusion.detail
    assert not wrong_size.inclusion.ok and not stretched.inclusion.ok


def test_a_forked_log_shows_as_inconsistent_tree_heads(tmp_path: Path, signer, clock) -> None:
    honest, forked = (SqliteDocumentStore(tmp_path / f"{name}.sqlite") for name in ("honest", "forked"))
    fill(honest, signer, "h-1", 5)
    earlier = sign_tree_head("h-1", documents=honest, signer=signer, clock=clock)
    # The same portal key signs a log in which receipt 2 was swapped for another before it grew.
    for n in range(8):
        issue_receipt(payload("h-1", n, text="swapped" if n == 2 else None), documents=forked, signer=signer)
    later = sign_tree_head("h-1", documents=forked, signer=signer, clock=clock)
    proof = consistency_proof("h-1", 5, 8, documents=forked)

    check = tool.verify_consistency(
        earlier.tree_head, later.tree_head, proof.to_document(), receipt_keys(signer=signer)
    )

    assert not check.ok and "forked" in check.detail


def test_proof_requests_outside_the_log_name_the_field(store, signer) -> None:
    fill(store, signer, "h-1", 3)
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: inclusion_proof("h-1", 3, 3, documents=store), "logIndex"),
        (lambda: inclusion_proof("h-1", 0, 4, documents=store), "treeSize"),
        (lambda: consistency_proof("h-1", 0, 3, documents=store), "firstSize"),
        (lambda: consistency_proof("h-1", 2, 5, documents=store), "secondSize"),
        (lambda: inclusion_proof("", 0, 1, documents=store), "hearingId"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInput) as caught:
            call()
        assert caught.value.problems[0].field == field


def test_a_receipt_file_for_a_version_never_issued_is_not_found(store, signer, clock) -> None:
    fill(store, signer, "h-1", 1)

    with pytest.raises(NotFound) as caught:
        receipt_file("h-1", "r-0", 2, documents=store, signer=signer, clock=clock)

    assert caught.value.problems[0].field == "responseId"


def test_a_proof_reads_a_logarithmic_number_of_leaves(store, signer) -> None:
    fill(store, signer, "h-1", 300)
    reads: list[str] = []
    original = store.read

    def counting(container: str, partition: PartitionKey, doc_id: str):
        reads.append(doc_id)
        return original(container, partition, doc_id)

    store.read = counting  # type: ignore[method-assign]
    inclusion_proof("h-1", 123, 300, documents=store)
    consistency_proof("h-1", 77, 300, documents=store)

    assert len(reads) < 40  # log2(300) is about 8; the whole log would be 300


def test_the_receipt_payload_is_the_leaf(store, signer) -> None:
    issued = issue_receipt(payload("h-1", 0), documents=store, signer=signer)

    assert jws_payload(issued.receipt) == canonical_json(payload("h-1", 0))
    assert receipt_log.CONTAINER == "receiptlog"
