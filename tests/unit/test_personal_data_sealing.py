"""A CPR number sealed for the records system: only the key opens it, and no two seals share a nonce."""

from __future__ import annotations

import base64
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.exceptions import InvalidTag

from shared.adapters.aes_vault import NONCE_BYTES, AesGcmVault

CPR = "0101901234"


def _nonce(sealed: str) -> bytes:
    return base64.urlsafe_b64decode(sealed.partition(":")[2])[:NONCE_BYTES]


def test_a_sealed_number_opens_with_the_key_and_shows_nothing_of_itself() -> None:
    vault = AesGcmVault(os.urandom(32))
    sealed = vault.seal(CPR)
    assert CPR not in sealed and "010190" not in sealed
    assert vault.unseal(sealed) == CPR


def test_another_key_cannot_open_it() -> None:
    sealed = AesGcmVault(os.urandom(32)).seal(CPR)
    with pytest.raises(InvalidTag):
        AesGcmVault(os.urandom(32)).unseal(sealed)


def test_no_two_seals_share_a_nonce_across_threads_and_past_a_refill() -> None:
    vault = AesGcmVault(os.urandom(32))
    with ThreadPoolExecutor(max_workers=8) as pool:
        sealed = list(pool.map(lambda _: vault.seal(CPR), range(8 * 400)))  # each thread refills its nonces
    assert len({_nonce(one) for one in sealed}) == len(sealed)
    assert all(vault.unseal(one) == CPR for one in sealed[::97])


def test_the_same_number_sealed_twice_looks_different() -> None:
    vault = AesGcmVault(os.urandom(32))
    assert vault.seal(CPR) != vault.seal(CPR)


def test_a_match_key_is_the_same_keyed_digest_every_time_and_per_kind() -> None:
    vault = AesGcmVault(b"k" * 32)
    # Stored responses are found again by these keys: the value must not change between releases.
    assert vault.match_key("cpr", CPR) == vault.match_key("cpr", CPR) == "KH46RT1_UUFBQlzQ6EHaMDBFMFwPRgO2"
    assert vault.match_key("cvr", CPR) != vault.match_key("cpr", CPR)


def test_a_forked_process_does_not_reuse_its_parents_nonces() -> None:
    vault = AesGcmVault(os.urandom(32))
    vault.seal(CPR)  # the parent has a buffer of nonces; the child inherits a copy of it
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: one seal, its nonce to the parent, and out
        os.write(writing, _nonce(vault.seal(CPR)))
        os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    from_child = os.read(reading, NONCE_BYTES)
    os.close(reading)
    assert from_child != _nonce(vault.seal(CPR))
