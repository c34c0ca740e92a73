"""The two receipt signers: keys in the data folder, and Key Vault (its requests, against a fake)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from shared.adapters.keyvault_receipt_signer import KeyVaultReceiptSigner
from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.domain.receipts import ReceiptPayload, canonical_json, compact_jws, jws_signing_input
from tools import verify_receipt as tool

VAULT = "https://portal-kv.vault.azure.net"
NOON = datetime(2026, 1, 1, 12, tzinfo=UTC)


def sign_statement(signer: Any, data: bytes) -> str:
    kid = signer.signing_key()
    signing_input = jws_signing_input(kid, data)
    return compact_jws(signing_input, signer.sign(kid, signing_input))


RECEIPT = canonical_json(
    ReceiptPayload(hearing_id="h-1", response_id="r-1", version=1, received_at=NOON, text_sha256="0" * 64)
)


# -- development keys -----------------------------------------------------------------------------


def test_the_development_key_survives_a_restart(tmp_path: Path) -> None:
    first = LocalReceiptSigner.development(tmp_path)
    receipt = sign_statement(first, RECEIPT)

    again = LocalReceiptSigner.development(tmp_path)

    assert again.signing_key() == first.signing_key()
    assert tool.verify_statement(receipt, {"keys": again.public_keys()}, tool.RECEIPT_TYPE).kid == first.signing_key()
    assert all(path.stat().st_mode & 0o077 == 0 for path in (tmp_path / "receipt-keys").glob("*.pem"))


def test_a_rotation_in_the_data_folder_is_kept_and_publishes_both_keys(tmp_path: Path) -> None:
    signer = LocalReceiptSigner.development(tmp_path)
    old = signer.signing_key()
    new = signer.rotate()

    restarted = LocalReceiptSigner.development(tmp_path)

    assert restarted.signing_key() == new
    assert [jwk["kid"] for jwk in restarted.public_keys()] == [new, old]


def test_processes_starting_together_agree_on_the_first_key(tmp_path: Path) -> None:
    signers = [LocalReceiptSigner.development(tmp_path) for _ in range(3)]

    assert len({signer.signing_key() for signer in signers}) == 1
    assert len(list((tmp_path / "receipt-keys").glob("*.pem"))) == 1


def test_signing_with_a_kid_the_signer_does_not_hold_fails() -> None:
    with pytest.raises(KeyError):
        LocalReceiptSigner.generate().sign("someone-elses-key", b"data")


# -- Key Vault, against a fake with the SDK's shapes -----------------------------------------------


@dataclass
class FakeJwk:
    kty: str
    crv: str
    x: bytes
    y: bytes


@dataclass
class FakeProperties:
    version: str
    enabled: bool = True


@dataclass
class FakeKey:
    id: str
    properties: FakeProperties
    key: FakeJwk


@dataclass
class FakeSignResult:
    key_id: str
    algorithm: str
    signature: bytes


@dataclass
class FakeVault:
    """Holds private keys as Key Vault does and records every request the adapter makes."""

    name: str = "receipt-signing"
    private: dict[str, ec.EllipticCurvePrivateKey] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    disabled: set[str] = field(default_factory=set)
    requests: list[tuple[Any, ...]] = field(default_factory=list)

    def new_version(self, version: str) -> None:
        self.private[version] = ec.generate_private_key(ec.SECP256R1())
        self.order.append(version)

    # KeyClient
    def get_key(self, name: str, version: str | None = None) -> FakeKey:
        self.requests.append(("get_key", name, version))
        version = version or self.order[-1]
        numbers = self.private[version].public_key().public_numbers()
        return FakeKey(
            id=f"{VAULT}/keys/{name}/{version}",
            properties=FakeProperties(version, version not in self.disabled),
            key=FakeJwk("EC", "P-256", numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")),
        )

    def list_properties_of_key_versions(self, name: str) -> list[FakeProperties]:
        self.requests.append(("list_versions", name))
        return [FakeProperties(version, version not in self.disabled) for version in self.order]

    # CryptographyClient(key_id)
    def crypto_client_for(self, key_id: str) -> Any:
        vault = self

        class Client:
            def sign(self, algorithm: Any, digest: bytes) -> FakeSignResult:
                vault.requests.append(("sign", key_id, algorithm, digest))
                key = vault.private[key_id.rsplit("/", 1)[-1]]
                r, s = decode_dss_signature(key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256()))))
                return FakeSignResult(key_id, str(algorithm), r.to_bytes(32, "big") + s.to_bytes(32, "big"))

        return Client()


def key_vault_signer(vault: FakeVault, refresh_seconds: float = 300.0) -> KeyVaultReceiptSigner:
    return KeyVaultReceiptSigner(vault, vault.name, vault.crypto_client_for, refresh_seconds=refresh_seconds)


def test_key_vault_signs_the_sha256_digest_with_es256_by_the_current_version() -> None:
    vault = FakeVault()
    vault.new_version("v1")
    signer = key_vault_signer(vault)

    receipt = sign_statement(signer, RECEIPT)

    (sign,) = [request for request in vault.requests if request[0] == "sign"]
    _, key_id, algorithm, digest = sign
    header, payload, _ = receipt.split(".")
    assert key_id == f"{VAULT}/keys/receipt-signing/v1"
    assert algorithm == "ES256"
    assert digest == hashlib.sha256(f"{header}.{payload}".encode()).digest()
    assert tool.verify_statement(receipt, {"keys": signer.public_keys()}, tool.RECEIPT_TYPE).kid == signer.signing_key()


def test_a_new_key_version_signs_after_a_refresh_and_older_enabled_versions_stay_published() -> None:
    vault = FakeVault()
    vault.new_version("v1")
    signer = key_vault_signer(vault, refresh_seconds=0)
    before = sign_statement(signer, RECEIPT)
    old_kid = signer.signing_key()

    vault.new_version("v2")
    vault.new_version("v0-disabled")
    vault.disabled.add("v0-disabled")
    vault.order = ["v0-disabled", "v1", "v2"]
    after = sign_statement(signer, RECEIPT)

    published = signer.public_keys()
    assert signer.signing_key() != old_kid
    assert [jwk["kid"] for jwk in published] == [signer.signing_key(), old_kid]
    assert tool.verify_statement(before, {"keys": published}, tool.RECEIPT_TYPE).kid == old_kid
    assert tool.verify_statement(after, {"keys": published}, tool.RECEIPT_TYPE).kid == signer.signing_key()


def test_key_vault_versions_are_read_once_and_the_key_set_is_cached() -> None:
    vault = FakeVault()
    vault.new_version("v1")
    vault.new_version("v2")
    signer = key_vault_signer(vault)

    for _ in range(5):
        sign_statement(signer, RECEIPT)
        signer.public_keys()

    assert [request for request in vault.requests if request[0] != "sign"] == [
        ("get_key", "receipt-signing", None),
        ("list_versions", "receipt-signing"),
        ("get_key", "receipt-signing", "v1"),
    ]


def test_a_key_that_is_not_p256_is_refused_with_a_clear_reason() -> None:
    vault = FakeVault()
    vault.new_version("v1")
    original = vault.get_key

    def rsa_key(name: str, version: str | None = None) -> FakeKey:
        key = original(name, version)
        key.key.kty = "RSA"
        return key

    vault.get_key = rsa_key  # type: ignore[method-assign]

    with pytest.raises(ValueError, match="EC P-256"):
        key_vault_signer(vault).signing_key()


def test_connect_builds_the_sdk_clients_for_the_vault_and_key_without_calling_azure() -> None:
    from azure.keyvault.keys.crypto import CryptographyClient

    signer = KeyVaultReceiptSigner.connect(VAULT, "receipt-signing")
    client = signer._crypto_client_for(f"{VAULT}/keys/receipt-signing/v1")

    assert signer._keys.vault_url == VAULT
    assert isinstance(client, CryptographyClient)
    assert client.key_id == f"{VAULT}/keys/receipt-signing/v1"
