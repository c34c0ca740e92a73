"""Receipt signing port: an ES256 key in Azure Key Vault, or one kept in the data folder in development.

Key ids are RFC 7638 JWK thumbprints, so a kid names the public key itself whichever adapter holds
the private half. Rotation: a new key signs from then on, and every older public key stays in
``public_keys`` so receipts signed before the rotation still verify.
"""

from __future__ import annotations

from typing import Any, Protocol

PublicJwk = dict[str, Any]


class ReceiptSigner(Protocol):
    def signing_key(self) -> str:
        """The kid of the key that signs now."""
        ...

    def sign(self, kid: str, data: bytes) -> bytes:
        """The ES256 signature of ``data`` by key ``kid``, as JWS wants it (r || s, 64 bytes)."""
        ...

    def public_keys(self) -> list[PublicJwk]:
        """Every public key a receipt may have been signed with, the signing key first."""
        ...
