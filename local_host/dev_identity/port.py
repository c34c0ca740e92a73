"""What the development sign-in pages need from the development issuer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol


class DevPersona(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def description(self) -> str: ...


class DevTokenIssuer(Protocol):
    """The local development issuer; only ever present in development settings."""

    @property
    def issuer(self) -> str:
        """The ``iss`` of its tokens: ``{public base URL}/api/dev``."""
        ...

    @property
    def token_lifetime(self) -> timedelta: ...

    def jwks(self) -> dict[str, object]: ...

    def personas(self) -> Sequence[DevPersona]: ...

    def issue(self, persona_id: str, now: datetime) -> str:
        """An access token for the portal's API; raises KeyError for an unknown persona."""
        ...

    def issue_id_token(self, persona_id: str, now: datetime, client_id: str, nonce: str | None) -> str:
        """An OpenID Connect ID token whose audience is the client that signed the person in."""
        ...
