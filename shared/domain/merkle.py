"""Merkle tree hashes, inclusion and consistency proofs as RFC 9162 §2.1 defines them.

The proofs are computed over ``root_of(start, end)``, a function giving MTH(D[start:end]). The
RFC's recursion only ever asks for two kinds of range: complete, aligned subtrees (2^k leaves
starting at a multiple of 2^k) and ranges that end at the tree's size. A store that keeps the
hash of every complete subtree can answer both with O(log n) reads (``range_root``), so no proof
has to load the whole log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

RootOf = Callable[[int, int], bytes]
"""MTH(D[start:end]) of the tree being proven, for 0 <= start < end <= size."""

CompleteRoot = Callable[[int, int], bytes]
"""(last_index, level) -> hash of the complete subtree of 2^level leaves that ends at last_index."""

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two smaller than ``size`` (size >= 2): where the RFC splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over already hashed leaves, straight from the definition; the reference the rest is checked by."""
    if not leaf_hashes:
        return EMPTY_ROOT
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = split_point(len(leaf_hashes))
    return node_hash(merkle_root(leaf_hashes[:k]), merkle_root(leaf_hashes[k:]))


# -- storing complete subtrees --------------------------------------------------------------------


def new_subtrees(index: int, leaf: bytes, complete_root: CompleteRoot) -> list[bytes]:
    """Hashes of the complete subtrees that leaf ``index`` completes, by level (level 0 is the leaf).

    Leaf 7 completes subtrees of 1, 2, 4 and 8 leaves. Each needs only the left sibling of the level
    below, which an earlier leaf completed, so an append reads one earlier leaf on average.
    """
    levels = [leaf]
    level = 1
    while (index + 1) % (1 << level) == 0:
        left = complete_root(index - (1 << (level - 1)), level - 1)
        levels.append(node_hash(left, levels[-1]))
        level += 1
    return levels


def range_root(start: int, end: int, complete_root: CompleteRoot) -> bytes:
    """MTH(D[start:end]) for an aligned complete subtree or a range that ends at the tree's size.

    Such a range is a row of complete subtrees of decreasing size; the RFC's split at the largest
    power of two makes its root their right-to-left fold.
    """
    chunks: list[bytes] = []
    position = start
    while position < end:
        level = (end - position).bit_length() - 1
        if position % (1 << level):
            raise ValueError(f"[{start}, {end}) is not a range a proof asks for")
        position += 1 << level
        chunks.append(complete_root(position - 1, level))
    root = chunks.pop()
    while chunks:
        root = node_hash(chunks.pop(), root)
    return root


# -- proofs (RFC 9162 §2.1.3.1 and §2.1.4.1) --------------------------------------------------------


def inclusion_path(index: int, size: int, root_of: RootOf) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index - start < k:
            path.append(root_of(start + k, end))
            end = start + k
        else:
            path.append(root_of(start, start + k))
            start += k
    path.reverse()  # the RFC lists the path from the leaf up
    return path


def consistency_path(first: int, second: int, root_of: RootOf) -> list[bytes]:
    """PROOF(m, D[n]): shows that the first ``first`` leaves of the tree of ``second`` are the older tree."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second} leaves")
    proof: list[bytes] = []
    start, end, whole = 0, second, True
    while True:
        m, n = first - start, end - start
        if m == n:
            if not whole:
                proof.append(root_of(start, end))
            break
        k = split_point(n)
        if m <= k:
            proof.append(root_of(start + k, end))
            end = start + k
        else:
            proof.append(root_of(start, start + k))
            start, whole = start + k, False
    proof.reverse()
    return proof


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -------------------------------------------------


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]) -> bool:
    if not 0 < first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    hashes = list(path)
    if first & (first - 1) == 0:  # an exact power of two: the old root is itself a node of the new tree
        hashes.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = hashes[0]
    for c in hashes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0
