"""Local development token issuer: signs real RS256 JWTs for fictitious personas.

Front ends and tests sign in through it exactly as through the real login, and the API validates
its tokens with the same JwtValidator as Entra ID and the MitID broker. It must never run in
production; Settings refuses to enable it there and ``for_settings`` refuses again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from local_host.dev_identity.personas import PERSONAS, Persona, persona
from shared.adapters.jwt_validator import ClaimMapping, TrustedIssuer
from shared.settings import Environment, Settings

ALGORITHM = "RS256"
KEY_FILE_NAME = "dev-issuer-key.pem"
TOKEN_LIFETIME = timedelta(hours=8)
ID_TOKEN_LIFETIME = timedelta(minutes=10)


class DevIssuer:
    def __init__(self, key_path: Path, issuer: str, audience: str) -> None:
        self.key_path = Path(key_path)
        self.issuer = issuer
        self.audience = audience
        self._lock = threading.Lock()
        self._key: rsa.RSAPrivateKey | None = None
        self._public_jwk: dict[str, Any] | None = None

    @classmethod
    def for_settings(cls, settings: Settings, data_dir: Path) -> DevIssuer:
        if settings.environment is Environment.PRODUCTION:
            raise RuntimeError("the development token issuer is not available in production")
        return cls(
            key_path=Path(data_dir) / KEY_FILE_NAME,
            issuer=f"{settings.public_base_url.rstrip('/')}/api/dev",
            audience=settings.token_audience,
        )

    @property
    def kid(self) -> str:
        return str(self._jwk()["kid"])

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(self._jwk())]}

    def personas(self) -> list[Persona]:
        return list(PERSONAS)

    @property
    def token_lifetime(self) -> timedelta:
        return TOKEN_LIFETIME

    def issue(self, persona_id: str, now: datetime, lifetime: timedelta = TOKEN_LIFETIME) -> str:
        """A signed token for the persona; raises KeyError for an unknown persona id.

        ``now`` should be the real time: validation checks the lifetime against the real time, not
        against an adjusted development clock.
        """
        who = persona(persona_id)
        if now.tzinfo is None:
            raise ValueError("now must carry a timezone")
        if lifetime <= timedelta():
            raise ValueError("lifetime must be positive")
        issued_at = int(now.timestamp())
        claims: dict[str, Any] = {
            **who.claims,
            "iss": self.issuer,
            "aud": self.audience,
            "sub": who.id,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + int(lifetime.total_seconds()),
            "name": who.label,
        }
        return self._sign(claims)

    def issue_id_token(self, persona_id: str, now: datetime, client_id: str, nonce: str | None) -> str:
        """An OpenID Connect ID token for the client that asked the person to sign in."""
        who = persona(persona_id)
        if now.tzinfo is None:
            raise ValueError("now must carry a timezone")
        issued_at = int(now.timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client_id,
            "sub": who.id,
            "iat": issued_at,
            "auth_time": issued_at,
            "exp": issued_at + int(ID_TOKEN_LIFETIME.total_seconds()),
            "name": who.label,
            "idp": who.claims.get("idp"),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return self._sign(claims)

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private_key(), algorithm=ALGORITHM, headers={"kid": self.kid})

    def trusted_issuer(self) -> TrustedIssuer:
        return TrustedIssuer(
            name="dev",
            issuer=self.issuer,
            audience=self.audience,
            jwks=self.jwks(),
            algorithms=(ALGORITHM,),
            mapping=ClaimMapping(kind="claim"),
        )

    def _private_key(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._key is None:
                self._key = _load_or_create(self.key_path)
            return self._key

    def _jwk(self) -> dict[str, Any]:
        if self._public_jwk is None:
            jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self._private_key().public_key(), as_dict=True)
            public = {"kty": "RSA", "n": jwk["n"], "e": jwk["e"]}
            self._public_jwk = {**public, "kid": thumbprint(public), "use": "sig", "alg": ALGORITHM}
        return self._public_jwk


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of an RSA public key."""
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _load_or_create(path: Path) -> rsa.RSAPrivateKey:
    # Kept on disk so tokens handed out before a restart stay valid after it.
    if not path.exists():
        _create(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError(f"{path} does not hold an RSA private key")
    return key


def _create(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        # A hard link publishes the complete file only if none is there yet, so two processes
        # starting together end up sharing whichever key was written first.
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        except OSError:
            # Some file systems have no hard links; a rename is atomic too, only not exclusive.
            if not path.exists():
                draft.replace(path)
    finally:
        draft.unlink(missing_ok=True)
