"""Receipt signing with an EC P-256 key in Azure Key Vault, reached with the managed identity.

The private key never leaves Key Vault: the adapter sends the SHA-256 digest of the JWS signing
input to ``CryptographyClient.sign`` with ES256, which answers r || s as JWS wants it. Every enabled
version of the key is published, so rotating the key in Key Vault (a new version) is a rotation for
verifiers too; the adapter notices a new version within ``refresh_seconds``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.adapters.es256_keys import public_jwk_from_coordinates
from shared.ports.signing import PublicJwk


@dataclass(frozen=True)
class _KeyVersion:
    key_id: str  # https://<vault>.vault.azure.net/keys/<name>/<version>
    jwk: PublicJwk


class KeyVaultReceiptSigner:
    def __init__(
        self,
        key_client: Any,
        key_name: str,
        crypto_client_for: Callable[[str], Any],
        refresh_seconds: float = 300.0,
    ) -> None:
        self._keys = key_client
        self._name = key_name
        self._crypto_client_for = crypto_client_for
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._versions: dict[str, _KeyVersion] = {}  # by Key Vault version; versions never change
        self._current = ""
        self._published: list[PublicJwk] = []
        self._by_kid: dict[str, _KeyVersion] = {}
        self._crypto_clients: dict[str, Any] = {}
        self._loaded_at: float | None = None

    @classmethod
    def connect(cls, vault_url: str, key_name: str) -> KeyVaultReceiptSigner:
        from azure.keyvault.keys import KeyClient
        from azure.keyvault.keys.crypto import CryptographyClient

        from shared.adapters.azure_credential import managed_identity

        credential = managed_identity()
        return cls(
            KeyClient(vault_url=vault_url, credential=credential),
            key_name,
            lambda key_id: CryptographyClient(key_id, credential=credential),
        )

    def signing_key(self) -> str:
        self._refresh()
        return self._current

    def sign(self, kid: str, data: bytes) -> bytes:
        from azure.keyvault.keys.crypto import SignatureAlgorithm

        version = self._version_of(kid)
        with self._lock:
            client = self._crypto_clients.get(version.key_id)
            if client is None:
                client = self._crypto_clients[version.key_id] = self._crypto_client_for(version.key_id)
        result = client.sign(SignatureAlgorithm.es256, hashlib.sha256(data).digest())
        return bytes(result.signature)

    def public_keys(self) -> list[PublicJwk]:
        self._refresh()
        with self._lock:
            return [dict(jwk) for jwk in self._published]

    def _version_of(self, kid: str) -> _KeyVersion:
        self._refresh()
        with self._lock:
            found = self._by_kid.get(kid)
        if found is None:
            self._refresh(force=True)
            with self._lock:
                found = self._by_kid.get(kid)
        if found is None:
            raise KeyError(f"no enabled version of Key Vault key {self._name} has kid {kid}")
        return found

    def _refresh(self, force: bool = False) -> None:
        with self._lock:
            fresh = self._loaded_at is not None and time.monotonic() - self._loaded_at < self._refresh_seconds
            if fresh and not force:
                return
            current = self._keys.get_key(self._name)
            current_version = self._load(current)
            enabled = [
                props.version
                for props in self._keys.list_properties_of_key_versions(self._name)
                if props.enabled and props.version != current_version.key_id.rsplit("/", 1)[-1]
            ]
            older = [
                self._versions.get(version) or self._load(self._keys.get_key(self._name, version))
                for version in enabled
            ]
            self._current = str(current_version.jwk["kid"])
            self._published = [current_version.jwk] + [version.jwk for version in older]
            self._by_kid = {str(version.jwk["kid"]): version for version in [current_version, *older]}
            self._loaded_at = time.monotonic()

    def _load(self, key: Any) -> _KeyVersion:
        version = str(key.properties.version)
        known = self._versions.get(version)
        if known is not None:
            return known
        jwk = key.key
        if (
            str(getattr(jwk.kty, "value", jwk.kty)) not in ("EC", "EC-HSM")
            or str(getattr(jwk.crv, "value", jwk.crv)) != "P-256"
        ):
            raise ValueError(f"Key Vault key {self._name} must be an EC P-256 key to sign receipts with ES256")
        loaded = _KeyVersion(key_id=str(key.id), jwk=public_jwk_from_coordinates(bytes(jwk.x), bytes(jwk.y)))
        self._versions[version] = loaded
        return loaded


def _name_of(value: Any) -> str:
    """The SDK's enums (KeyType, KeyCurveName) are str enums; their value is the wire name."""
    return str(getattr(value, "value", value))
