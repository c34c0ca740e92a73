"""AES-256-GCM sealing and HMAC-SHA256 match keys, both derived from one master key (Key Vault in Azure)."""

from __future__ import annotations

import base64
import hmac
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
KEY_FILE_NAME = "personal-data-key"
NONCE_BYTES = 12


class _Nonces:
    """Random 96-bit nonces, cut from 4 KiB of kernel randomness at a time.

    ``os.urandom`` is a system call that lets the interpreter lock go, and on the intake's busy
    threads every hand-back costs a switch; one call per 341 nonces instead of one each. Each slice
    is used once; the buffer is per thread (no lock) and is drawn again in a forked child.
    """

    def __init__(self, chunk: int = 4096) -> None:
        self._chunk = chunk - chunk % NONCE_BYTES
        self._local = threading.local()

    def next(self) -> bytes:
        local = self._local
        pid = os.getpid()
        if getattr(local, "pid", None) != pid or local.offset >= self._chunk:
            local.pid, local.buffer, local.offset = pid, os.urandom(self._chunk), 0
        start = local.offset
        local.offset = start + NONCE_BYTES
        return bytes(local.buffer[start : start + NONCE_BYTES])


class AesGcmVault:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the personal-data key must be 32 bytes (base64 of 32 random bytes)")
        self._aead = AESGCM(_derive(master_key, b"hearing-portal seal v1"))
        self._mac_key = _derive(master_key, b"hearing-portal match-key v1")
        self._nonces = _Nonces()

    @classmethod
    def from_base64(cls, value: str) -> AesGcmVault:
        if value.startswith("@Microsoft.KeyVault("):
            raise ValueError("PORTAL_CPR_KEY is an unresolved Key Vault reference; check the app's access to Key Vault")
        try:
            key = base64.b64decode(value, validate=True)
        except ValueError:
            raise ValueError("PORTAL_CPR_KEY must be base64") from None
        return cls(key)

    @classmethod
    def development(cls, data_dir: Path) -> AesGcmVault:
        """A key kept in the local data folder; only ever used with development settings."""
        path = data_dir / KEY_FILE_NAME
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(base64.b64encode(os.urandom(32)))
            temporary.chmod(0o600)
            try:
                os.link(temporary, path)  # first writer wins when several processes start together
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        return cls.from_base64(path.read_text().strip())

    def seal(self, plaintext: str) -> str:
        nonce = self._nonces.next()
        sealed = self._aead.encrypt(nonce, plaintext.encode(), _VERSION.encode())
        return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def unseal(self, sealed: str) -> str:
        version, _, payload = sealed.partition(":")
        if version != _VERSION:
            raise ValueError("sealed with an unknown key version")
        raw = base64.urlsafe_b64decode(payload)
        return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _VERSION.encode()).decode()

    def match_key(self, kind: str, value: str) -> str:
        digest = hmac.digest(self._mac_key, f"{kind}\n{value}".encode(), "sha256")  # one call into OpenSSL
        return base64.urlsafe_b64encode(digest[:24]).decode()


def _derive(master_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master_key)
