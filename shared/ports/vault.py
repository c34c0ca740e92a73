"""Personal-data vault: CPR numbers and e-mail addresses are stored sealed, and found again by a keyed hash."""

from __future__ import annotations

from typing import Protocol


class PersonalDataVault(Protocol):
    def seal(self, plaintext: str) -> str:
        """Encrypt for storage; the result names its key version."""
        ...

    def unseal(self, sealed: str) -> str: ...

    def match_key(self, kind: str, value: str) -> str:
        """A keyed hash for look-ups (the same value always gives the same key; it cannot be reversed)."""
        ...
