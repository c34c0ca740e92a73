"""Signed receipts and each hearing's append-only Merkle log of them (RFC 9162 §2.1).

Storage, in the ``receiptlog`` container, partition = hearing id:
- ``leaf-<index>``: the signed receipt (its JWS payload is the leaf), and the hashes of every complete
  subtree this leaf completes. Leaves are written once and never change, so a proof reads O(log n)
  of them and never the whole log; an append reads one earlier leaf on average.
- ``head``: how many leaves the log has. It is a hint that may lag one leaf behind.
- ``entry-<key>``: which leaf holds a response version, so retrying an issue returns the first receipt.
- ``treehead-<size>``: published signed tree heads, e.g. the one when a hearing closes;
  ``treehead-<size>-final`` the final one, when it is concluded (ids sort by size, the final one last).

Appends are gap-free and unique without a lock: leaf n is only created while ``head`` says n (so
leaves 0..n-1 exist), and the create itself is the claim; whoever finds leaf n already there moves the
head on (ETag-checked) for its writer and tries again. A crash after the leaf and before the head
move is repaired by the next append.
"""

from __future__ import annotations

import hashlib
import random
import time
from typing import Annotated

from pydantic import Field

from shared.domain import merkle
from shared.domain.base import Instant, PortalModel
from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.receipts import (
    HEX_SHA256,
    ReceiptPayload,
    TreeHeadPayload,
    canonical_json,
    compact_jws,
    entry_key,
    jws_payload,
    jws_signing_input,
)
from shared.ports.clock import Clock
from shared.ports.documents import DocumentExists, DocumentStore, Filter, Query, StaleDocument, Stored
from shared.ports.signing import PublicJwk, ReceiptSigner

CONTAINER = "receiptlog"
HEAD_ID = "head"
MAX_ATTEMPTS = 500


class SignedReceipt(PortalModel):
    receipt: str = Field(description="Compact JWS (ES256); its payload is the receipt's canonical JSON")
    log_index: int
    hearing_id: str


class SignedTreeHead(PortalModel):
    tree_head: str = Field(description="Compact JWS (ES256) over the tree head's canonical JSON")
    hearing_id: str
    tree_size: int
    root_hash: str
    timestamp: Instant
    final: bool = Field(default=False, description="Published at the conclusion: the log takes nothing more")

    @classmethod
    def of(cls, jws: str) -> SignedTreeHead:
        payload = TreeHeadPayload.model_validate_json(jws_payload(jws, field="treeHead"))
        return cls(
            tree_head=jws,
            hearing_id=payload.hearing_id,
            tree_size=payload.tree_size,
            root_hash=payload.root_hash,
            timestamp=payload.timestamp,
            final=bool(payload.final),
        )


# A path has one node per level of the tree: 64 cover any log size. A longer one sent to the verifier
# is not a proof, only a body to parse.
MAX_PATH = 64


class InclusionProof(PortalModel):
    log_index: int = Field(ge=0)
    tree_size: int = Field(ge=1)
    path: list[Annotated[str, Field(pattern=HEX_SHA256)]] = Field(
        max_length=MAX_PATH, description="RFC 9162 audit path, lowercase hex, from the leaf up"
    )


class ConsistencyProof(PortalModel):
    first_size: int
    second_size: int
    path: list[str] = Field(description="RFC 9162 consistency proof, lowercase hex")


class ReceiptFile(PortalModel):
    """What a respondent keeps and ``tools/verify_receipt.py`` checks, with nothing else but the public keys."""

    receipt: str
    inclusion_proof: InclusionProof
    tree_head: str


# -- issuing --------------------------------------------------------------------------------------


def issue_receipt(payload: ReceiptPayload, *, documents: DocumentStore, signer: ReceiptSigner) -> SignedReceipt:
    """Sign the receipt and append it to its hearing's log. Issuing the same response version again
    returns the receipt issued first; the same version with other content is a conflict."""
    leaf_data = canonical_json(payload)
    partition = (payload.hearing_id,)
    entry_id = _entry_id(payload.entry_key)
    earlier = documents.read(CONTAINER, partition, entry_id)
    if earlier is not None:
        return _earlier_receipt(documents, payload, int(earlier.body["index"]), leaf_data)
    kid = signer.signing_key()
    signing_input = jws_signing_input(kid, leaf_data)
    receipt = compact_jws(signing_input, signer.sign(kid, signing_input))
    index, receipt = _append(documents, payload.hearing_id, payload.entry_key, receipt, leaf_data)
    documents.upsert(
        CONTAINER,
        partition,
        {
            "id": entry_id,
            "hearingId": payload.hearing_id,
            "kind": "entry",
            "entryKey": payload.entry_key,
            "index": index,
        },
    )
    return SignedReceipt(receipt=receipt, log_index=index, hearing_id=payload.hearing_id)


def receipt_keys(*, signer: ReceiptSigner) -> dict[str, list[PublicJwk]]:
    """The JWKS verifiers check receipts and tree heads with (``GET /api/receipts/keys``)."""
    return {"keys": signer.public_keys()}


# -- tree heads -----------------------------------------------------------------------------------


def sign_tree_head(
    hearing_id: str, *, documents: DocumentStore, signer: ReceiptSigner, clock: Clock, final: bool = False
) -> SignedTreeHead:
    """A signed tree head over the log as it is now; not stored."""
    _require_hearing_id(hearing_id)
    size = log_size(hearing_id, documents=documents)
    root = _Log(documents, hearing_id).root(size)
    payload = TreeHeadPayload(
        hearing_id=hearing_id, tree_size=size, root_hash=root.hex(), timestamp=clock.now(), final=final or None
    )
    kid = signer.signing_key()
    signing_input = jws_signing_input(kid, canonical_json(payload))
    return SignedTreeHead.of(compact_jws(signing_input, signer.sign(kid, signing_input)))


def publish_tree_head(
    hearing_id: str, *, documents: DocumentStore, signer: ReceiptSigner, clock: Clock, final: bool = False
) -> SignedTreeHead:
    """Sign and keep a tree head anyone may fetch (``final`` when the hearing is concluded).

    One published head per size (and one final one): publishing again without new receipts returns the
    one already published.
    """
    head = sign_tree_head(hearing_id, documents=documents, signer=signer, clock=clock, final=final)
    doc_id = f"treehead-{head.tree_size:012d}" + ("-final" if final else "")
    body = {
        "id": doc_id,
        "hearingId": hearing_id,
        "kind": "treehead",
        "treeSize": head.tree_size,
        "final": final,
        "treeHead": head.tree_head,
    }
    try:
        documents.create(CONTAINER, (hearing_id,), body)
    except DocumentExists:
        stored = documents.read(CONTAINER, (hearing_id,), doc_id)
        if stored is not None:
            return SignedTreeHead.of(stored.body["treeHead"])
    return head


def published_tree_heads(hearing_id: str, *, documents: DocumentStore, limit: int = 100) -> list[SignedTreeHead]:
    """The published tree heads of a hearing, newest (largest, the final one before others of its size) first."""
    _require_hearing_id(hearing_id)
    page = documents.query(
        CONTAINER,
        Query(
            filters=(Filter("kind", "=", "treehead"),),
            order_by="id",  # zero-padded sizes, "-final" after: the order of publication
            descending=True,
            limit=limit,
            partition=(hearing_id,),
        ),
    )
    return [SignedTreeHead.of(item.body["treeHead"]) for item in page.items]


# -- proofs ---------------------------------------------------------------------------------------


def logged_index(hearing_id: str, key: str, *, documents: DocumentStore) -> int | None:
    """The leaf holding the receipt of ``key`` (``entry_key(response, version)``), or None if not issued."""
    entry = documents.read(CONTAINER, (hearing_id,), _entry_id(key))
    return None if entry is None else int(entry.body["index"])


def log_size(hearing_id: str, *, documents: DocumentStore) -> int:
    head = documents.read(CONTAINER, (hearing_id,), HEAD_ID)
    return 0 if head is None else int(head.body["size"])


def inclusion_proof(hearing_id: str, log_index: int, tree_size: int, *, documents: DocumentStore) -> InclusionProof:
    _require_hearing_id(hearing_id)
    _require_size(tree_size, log_size(hearing_id, documents=documents))
    if not 0 <= log_index < tree_size:
        raise InvalidInput(f"must be at least 0 and below the tree size {tree_size}", field="logIndex")
    log = _Log(documents, hearing_id)
    path = merkle.inclusion_path(log_index, tree_size, log.range_root)
    return InclusionProof(log_index=log_index, tree_size=tree_size, path=[node.hex() for node in path])


def consistency_proof(
    hearing_id: str,
    first_size: int,
    second_size: int,
    *,
    documents: DocumentStore,
    fields: tuple[str, str] = ("firstSize", "secondSize"),
) -> ConsistencyProof:
    """Proof that the log at ``first_size`` is a prefix of the log at ``second_size`` (RFC 9162 §2.1.4).

    ``fields`` are the names the caller gave the two sizes, so a refusal names what the caller sent."""
    _require_hearing_id(hearing_id)
    first_field, second_field = fields
    _require_size(second_size, log_size(hearing_id, documents=documents), field=second_field)
    if not 1 <= first_size <= second_size:
        raise InvalidInput(f"must be at least 1 and at most the second size {second_size}", field=first_field)
    log = _Log(documents, hearing_id)
    path = merkle.consistency_path(first_size, second_size, log.range_root)
    return ConsistencyProof(first_size=first_size, second_size=second_size, path=[node.hex() for node in path])


def receipt_file(
    hearing_id: str,
    response_id: str,
    version: int,
    key: str | None = None,
    *,
    documents: DocumentStore,
    signer: ReceiptSigner,
    clock: Clock,
) -> ReceiptFile:
    """The receipt with its inclusion proof against a published tree head (the final one once the hearing
    is concluded). When no published head covers the receipt yet, one is published, so every tree head a
    respondent holds is one anybody can fetch and compare. ``key`` names the entry when the version has
    attachments (``ReceiptPayload.entry_key``)."""
    _require_hearing_id(hearing_id)
    entry = documents.read(CONTAINER, (hearing_id,), _entry_id(key or entry_key(response_id, version)))
    if entry is None:
        raise NotFound("no receipt was issued for this response version", field="responseId")
    index = int(entry.body["index"])
    leaf = _Log(documents, hearing_id).leaf(index)
    published = published_tree_heads(hearing_id, documents=documents, limit=1)
    if published and published[0].tree_size > index:
        head = published[0]
    else:
        head = publish_tree_head(hearing_id, documents=documents, signer=signer, clock=clock)
    proof = inclusion_proof(hearing_id, index, head.tree_size, documents=documents)
    return ReceiptFile(receipt=leaf.body["receipt"], inclusion_proof=proof, tree_head=head.tree_head)


# -- the log --------------------------------------------------------------------------------------


def _append(documents: DocumentStore, hearing_id: str, key: str, receipt: str, leaf_data: bytes) -> tuple[int, str]:
    """Append a leaf; returns its index and the receipt stored there."""
    partition = (hearing_id,)
    log = _Log(documents, hearing_id)
    leaf = merkle.leaf_hash(leaf_data)
    for attempt in range(MAX_ATTEMPTS):
        head = documents.read(CONTAINER, partition, HEAD_ID)
        if head is None:
            try:
                documents.create(
                    CONTAINER, partition, {"id": HEAD_ID, "hearingId": hearing_id, "kind": "head", "size": 0}
                )
            except DocumentExists:
                pass
            continue
        size = int(head.body["size"])
        ahead = documents.read(CONTAINER, partition, _leaf_id(size))
        if ahead is None:
            body = {
                "id": _leaf_id(size),
                "hearingId": hearing_id,
                "kind": "leaf",
                "index": size,
                "entryKey": key,
                "receipt": receipt,
                "subtrees": [node.hex() for node in merkle.new_subtrees(size, leaf, log.complete_root)],
            }
            try:
                documents.create(CONTAINER, partition, body)
            except DocumentExists:
                _back_off(attempt)
                continue
            _advance(documents, head, size + 1)
            return size, receipt
        # Leaf ``size`` is written but the head was not moved yet: move it for its writer.
        _advance(documents, head, size + 1)
        if ahead.body.get("entryKey") == key and jws_payload(ahead.body["receipt"]) == leaf_data:
            return size, str(ahead.body["receipt"])  # the same receipt, issued at the same moment
        _back_off(attempt)
    raise Conflict("the receipt log is too busy just now; try again", field="hearingId")


def _advance(documents: DocumentStore, head: Stored, size: int) -> None:
    try:
        documents.replace(CONTAINER, (head.body["hearingId"],), {**head.body, "size": size}, head.etag)
    except StaleDocument:
        pass  # someone else moved it first; it only ever moves one leaf at a time


def _back_off(attempt: int) -> None:
    # Spreads out appenders that keep colliding on one hearing's next index.
    if attempt >= 2:
        time.sleep(random.uniform(0, min(0.05, 0.0005 * attempt)))  # noqa: S311 (jitter, not a secret)


class _Log:
    """Reads one hearing's leaves, each at most once per use."""

    def __init__(self, documents: DocumentStore, hearing_id: str) -> None:
        self._documents = documents
        self._hearing_id = hearing_id
        self._leaves: dict[int, Stored] = {}

    def leaf(self, index: int) -> Stored:
        found = self._leaves.get(index)
        if found is None:
            found = self._documents.read(CONTAINER, (self._hearing_id,), _leaf_id(index))
            if found is None:
                raise RuntimeError(f"receipt log of hearing {self._hearing_id} has no leaf {index}")
            self._leaves[index] = found
        return found

    def complete_root(self, last_index: int, level: int) -> bytes:
        return bytes.fromhex(self.leaf(last_index).body["subtrees"][level])

    def range_root(self, start: int, end: int) -> bytes:
        return merkle.range_root(start, end, self.complete_root)

    def root(self, size: int) -> bytes:
        return merkle.EMPTY_ROOT if size == 0 else self.range_root(0, size)


def _earlier_receipt(documents: DocumentStore, payload: ReceiptPayload, index: int, leaf_data: bytes) -> SignedReceipt:
    stored = _Log(documents, payload.hearing_id).leaf(index).body
    if jws_payload(stored["receipt"]) != leaf_data:
        raise Conflict("a receipt with other content was already issued for this version", field="version")
    return SignedReceipt(receipt=stored["receipt"], log_index=index, hearing_id=payload.hearing_id)


def _leaf_id(index: int) -> str:
    return f"leaf-{index:012d}"


def _entry_id(entry_key: str) -> str:
    # Response ids are the caller's; hashed, they cannot break the store's id rules.
    return "entry-" + hashlib.sha256(entry_key.encode()).hexdigest()[:40]


def _require_hearing_id(hearing_id: str) -> None:
    if not hearing_id:
        raise InvalidInput("must not be empty", field="hearingId")


def _require_size(size: int, current: int, field: str = "treeSize") -> None:
    if not 1 <= size <= current:
        raise InvalidInput(f"must be at least 1 and at most the log's size {current}", field=field)
