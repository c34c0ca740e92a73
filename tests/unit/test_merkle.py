"""RFC 9162 §2.1 hashes and proofs, against the RFC's own definitions written out on plain lists.

The portal's proofs are computed from stored subtree hashes; here they are compared with a
brute-force reading of the definitions, checked by both verifiers (the library's and the standalone
tool's), and tampered with.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain import merkle
from tools import verify_receipt as tool

# Certificate Transparency's long-standing test leaves and the roots of their first n leaves.
TEST_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
TEST_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def hashed(count: int) -> list[bytes]:
    return [merkle.leaf_hash(f"leaf {i}".encode()) for i in range(count)]


# -- the RFC's definitions, recursively over lists ------------------------------------------------


def mth(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split_point(len(leaves))
    return merkle.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = merkle.split_point(n)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = merkle.split_point(n)
    if m <= k:
        return [*subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


class StoredTree:
    """Leaves appended one by one the way the receipt log stores them: complete subtrees per leaf."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.subtrees: list[list[bytes]] = []
        for index, leaf in enumerate(leaves):
            self.subtrees.append(merkle.new_subtrees(index, leaf, self.complete_root))

    def complete_root(self, last_index: int, level: int) -> bytes:
        return self.subtrees[last_index][level]

    def root_of(self, start: int, end: int) -> bytes:
        return merkle.range_root(start, end, self.complete_root)


def flipped(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


# -- known answers --------------------------------------------------------------------------------


def test_roots_match_the_certificate_transparency_test_vectors() -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(data)) for data in TEST_LEAVES]
    tree = StoredTree(leaves)

    for size, expected in enumerate(TEST_ROOTS, start=1):
        assert merkle.merkle_root(leaves[:size]).hex() == expected
        assert tree.root_of(0, size).hex() == expected


def test_an_audit_path_matches_the_test_vector() -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(data)) for data in TEST_LEAVES]

    proof = merkle.inclusion_path(0, 8, StoredTree(leaves).root_of)

    assert [node.hex() for node in proof] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


def test_the_empty_tree_hashes_the_empty_string() -> None:
    assert merkle.merkle_root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_leaves_and_nodes_are_domain_separated() -> None:
    left, right = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")

    assert merkle.node_hash(left, right) != merkle.leaf_hash(left + right)


# -- properties -----------------------------------------------------------------------------------

sizes = st.integers(min_value=1, max_value=70)


@given(sizes)
def test_stored_subtrees_give_every_root_the_definition_gives(size: int) -> None:
    leaves = hashed(size)
    tree = StoredTree(leaves)

    for end in range(1, size + 1):
        assert tree.root_of(0, end) == mth(leaves[:end])


@given(sizes, st.data())
def test_every_inclusion_proof_is_the_rfcs_and_verifies(size: int, data: st.DataObject) -> None:
    leaves = hashed(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root = mth(leaves)

    proof = merkle.inclusion_path(index, size, StoredTree(leaves).root_of)

    assert proof == path(index, leaves)
    assert merkle.verify_inclusion(leaves[index], index, size, proof, root)
    assert tool.inclusion_holds(leaves[index], index, size, proof, root)


@given(sizes, st.data())
def test_every_consistency_proof_between_sizes_is_the_rfcs_and_verifies(size: int, data: st.DataObject) -> None:
    leaves = hashed(size)
    first = data.draw(st.integers(min_value=1, max_value=size))
    old_root, new_root = mth(leaves[:first]), mth(leaves)

    proof = merkle.consistency_path(first, size, StoredTree(leaves).root_of)

    assert proof == subproof(first, leaves, True)
    assert merkle.verify_consistency(first, size, old_root, new_root, proof)
    if first < size:
        assert tool.consistency_holds(first, size, old_root, new_root, proof)


@settings(max_examples=60)
@given(st.integers(min_value=2, max_value=40), st.data())
def test_a_tampered_leaf_index_or_proof_fails_inclusion(size: int, data: st.DataObject) -> None:
    leaves = hashed(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root = mth(leaves)
    proof = path(index, leaves)
    other = data.draw(st.integers(min_value=0, max_value=size - 1).filter(lambda i: i != index))
    position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    bad_proof = [*proof[:position], flipped(proof[position]), *proof[position + 1 :]]

    for verify in (merkle.verify_inclusion, tool.inclusion_holds):
        assert not verify(flipped(leaves[index]), index, size, proof, root)
        assert not verify(leaves[index], other, size, proof, root)
        assert not verify(leaves[index], index, size, bad_proof, root)
        assert not verify(leaves[index], index, size, [*proof, proof[0]], root)
        assert not verify(leaves[index], index, size, proof[:-1], root)


@settings(max_examples=60)
@given(st.integers(min_value=2, max_value=40), st.data())
def test_a_rewritten_history_fails_consistency(size: int, data: st.DataObject) -> None:
    leaves = hashed(size)
    first = data.draw(st.integers(min_value=1, max_value=size - 1))
    changed = data.draw(st.integers(min_value=0, max_value=first - 1))
    forked = list(leaves)
    forked[changed] = flipped(forked[changed])
    old_root = mth(leaves[:first])
    proof, honest = subproof(first, forked, True), subproof(first, leaves, True)
    position = data.draw(st.integers(min_value=0, max_value=len(honest) - 1))
    tampered = [*honest[:position], flipped(honest[position]), *honest[position + 1 :]]

    for verify in (merkle.verify_consistency, tool.consistency_holds):
        assert verify(first, size, old_root, mth(leaves), honest)
        assert not verify(first, size, old_root, mth(forked), proof)
        assert not verify(first, size, old_root, mth(leaves), tampered)
        assert not verify(first, size, old_root, mth(leaves), [])


def test_proofs_refuse_positions_outside_the_tree() -> None:
    tree = StoredTree(hashed(5))

    for index, size in ((5, 5), (-1, 5), (0, 0)):
        try:
            merkle.inclusion_path(index, size, tree.root_of)
        except ValueError:
            continue
        raise AssertionError(f"no error for leaf {index} of {size}")
    for first, second in ((0, 5), (6, 5)):
        try:
            merkle.consistency_path(first, second, tree.root_of)
        except ValueError:
            continue
        raise AssertionError(f"no error for {first} to {second}")
