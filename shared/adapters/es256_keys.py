"""P-256 keys as JWKs: the public half, its RFC 7638 thumbprint, and JWS-style (r || s) signatures."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from shared.ports.signing import PublicJwk


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk_from_coordinates(x: bytes, y: bytes) -> PublicJwk:
    """A published key: the required EC members, its thumbprint as kid, and what it is for."""
    members = {"crv": "P-256", "kty": "EC", "x": _b64url(x.rjust(32, b"\0")), "y": _b64url(y.rjust(32, b"\0"))}
    return {**members, "kid": thumbprint(members), "alg": "ES256", "use": "sig"}


def public_jwk(key: ec.EllipticCurvePublicKey) -> PublicJwk:
    numbers = key.public_numbers()
    return public_jwk_from_coordinates(numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big"))


def thumbprint(jwk: PublicJwk) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, without whitespace."""
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    return _b64url(hashlib.sha256(json.dumps(required, sort_keys=True, separators=(",", ":")).encode()).digest())


def sign_es256(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")
