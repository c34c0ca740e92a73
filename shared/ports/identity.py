"""Identity port: turns a bearer token into an Identity, or refuses it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shared.domain.identity import Identity


class InvalidToken(Exception):
    """The token is missing, malformed, forged, expired or from an issuer we do not trust."""


class TokenValidator(Protocol):
    def validate(self, token: str) -> Identity: ...


class DevPersona(Protocol):
    id: str
    label: str
    description: str


class DevTokenIssuer(Protocol):
    """The local development issuer; only ever present in development settings."""

    def jwks(self) -> dict[str, object]: ...

    def personas(self) -> list[DevPersona]: ...

    def issue(self, persona_id: str, now: datetime) -> str: ...
