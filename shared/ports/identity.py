"""Identity port: turns a bearer token into an Identity, or refuses it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from shared.domain.identity import Identity


class InvalidToken(Exception):
    """The token is missing, malformed, forged, expired or from an issuer we do not trust."""


class TokenValidator(Protocol):
    def validate(self, token: str) -> Identity: ...


class DevPersona(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def description(self) -> str: ...


class DevTokenIssuer(Protocol):
    """The local development issuer; only ever present in development settings."""

    def jwks(self) -> dict[str, object]: ...

    def personas(self) -> Sequence[DevPersona]: ...

    def issue(self, persona_id: str, now: datetime) -> str: ...
