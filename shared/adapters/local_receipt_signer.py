"""Receipt signing with ES256 keys kept as PEM files in the data folder (development and tests).

The newest file signs; older ones stay published, which is how a rotation looks to verifiers.
"""

from __future__ import annotations

import os
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shared.adapters.es256_keys import public_jwk, sign_es256
from shared.ports.signing import PublicJwk

KEY_FOLDER_NAME = "receipt-keys"
# Sorts before every later key's time-stamped name; processes starting together agree on it.
FIRST_KEY_NAME = "00000000T000000000000Z-first.pem"


class LocalReceiptSigner:
    def __init__(self, keys: list[ec.EllipticCurvePrivateKey], folder: Path | None = None) -> None:
        """``keys`` oldest first; with a ``folder``, rotations are written there."""
        self._lock = threading.Lock()
        self._folder = folder
        self._keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self._published: list[PublicJwk] = []
        for key in keys:
            self._add(key)
        if not self._keys:
            raise ValueError("a receipt signer needs at least one key")

    @classmethod
    def generate(cls) -> LocalReceiptSigner:
        """A signer with a fresh key held in memory only (tests)."""
        return cls([ec.generate_private_key(ec.SECP256R1())])

    @classmethod
    def development(cls, data_dir: Path) -> LocalReceiptSigner:
        """Keys from ``<data_dir>/receipt-keys``; the first start creates one. Only with development settings."""
        folder = data_dir / KEY_FOLDER_NAME
        if not sorted(folder.glob("*.pem")):
            _write_new_key(folder, name=FIRST_KEY_NAME)
        paths = sorted(folder.glob("*.pem"))  # names start with their creation time, so oldest first
        keys = [serialization.load_pem_private_key(path.read_bytes(), password=None) for path in paths]
        return cls([key for key in keys if isinstance(key, ec.EllipticCurvePrivateKey)], folder)

    def signing_key(self) -> str:
        with self._lock:
            return str(self._published[0]["kid"])

    def sign(self, kid: str, data: bytes) -> bytes:
        with self._lock:
            key = self._keys.get(kid)
        if key is None:
            raise KeyError(f"no private key with kid {kid}")
        return sign_es256(key, data)

    def public_keys(self) -> list[PublicJwk]:
        with self._lock:
            return [dict(jwk) for jwk in self._published]

    def rotate(self) -> str:
        """Sign with a new key from now on; returns its kid."""
        key = ec.generate_private_key(ec.SECP256R1())
        if self._folder is not None:
            _write_new_key(self._folder, key)
        return self._add(key)

    def _add(self, key: ec.EllipticCurvePrivateKey) -> str:
        jwk = public_jwk(key.public_key())
        with self._lock:
            self._keys[jwk["kid"]] = key
            self._published.insert(0, jwk)
        return str(jwk["kid"])


def _write_new_key(folder: Path, key: ec.EllipticCurvePrivateKey | None = None, name: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    key = key or ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    name = name or f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}.pem"
    temporary = folder / f".{name}.{os.getpid()}.tmp"
    temporary.write_bytes(pem)
    temporary.chmod(0o600)
    try:
        os.link(temporary, folder / name)  # never a half-written key under a .pem name; the first writer wins
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
