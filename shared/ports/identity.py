"""Identity port: turns a bearer token into an Identity, or refuses it."""

from __future__ import annotations

from typing import Protocol

from shared.domain.identity import Identity


class InvalidToken(Exception):
    """The token is missing, malformed, forged, expired or from an issuer we do not trust."""


class TokenValidator(Protocol):
    def validate(self, token: str) -> Identity: ...
