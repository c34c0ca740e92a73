"""Token validation for every login: Entra ID, a MitID broker and the local development issuer.

The token only tells us which configured issuer to ask; everything that decides whether it is
genuine (algorithms, keys, issuer, audience, lifetime) comes from our own configuration. Failure
reasons are short fixed texts: neither the token nor any claim value (a CPR number!) ever reaches
an exception message or a log line.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from typing import Any, Literal

import jwt
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from shared.domain.danish_ids import is_valid_cvr, normalise_cpr
from shared.domain.identity import Identity, IdentityKind, Role
from shared.ports.identity import InvalidToken

# Asymmetric algorithms only: with a public JWKS, an HMAC algorithm would let anyone who has
# the public key forge tokens.
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
MAX_TOKEN_LENGTH = 16 * 1024  # generous for Entra tokens with many groups; bounds the parsing work
JWKS_CACHE_SECONDS = 3600
JWKS_FETCH_TIMEOUT_SECONDS = 5.0
_ROLES_BY_VALUE = {role.value: role for role in Role}
_BASE64URL_TEXT = re.compile(rb"[A-Za-z0-9_-]*")


class _LinearSegmentJWS(jwt.PyJWS):
    """PyJWT's JWS with its segment check done by one regular expression instead of a Python loop.

    PyJWT 2.15 refuses a segment with any byte outside the base64url alphabet (GHSA-hxm8-2xgr-2p9m)
    by testing each byte in a generator: a third of the CPU a response's intake spends on its token.
    The rules here are the same, and ``tests/unit/test_jwt_validator.py`` checks that both decoders
    accept and refuse the same segments.
    """

    @staticmethod
    def _decode_base64url_segment(segment: bytes, name: str) -> bytes:
        stripped = segment.rstrip(b"=")
        padding = len(segment) - len(stripped)
        if (
            padding > 2
            or (padding and len(segment) % 4 != 0)
            or len(stripped) % 4 == 1
            or _BASE64URL_TEXT.fullmatch(stripped) is None
        ):
            raise jwt.DecodeError(f"Invalid {name} padding")
        try:
            decoded = jwt.utils.base64url_decode(stripped)
        except (TypeError, binascii.Error) as err:
            raise jwt.DecodeError(f"Invalid {name} padding") from err
        if jwt.utils.base64url_encode(decoded) != stripped:
            raise jwt.DecodeError(f"Invalid {name} padding")
        return decoded


def _decoder() -> jwt.PyJWT:
    decoder = jwt.PyJWT()
    decoder._jws = _LinearSegmentJWS(options=decoder._get_sig_options())
    return decoder


_DECODER = _decoder()


class ClaimMapping(BaseModel):
    """Which claims carry what, and how the kind of login is decided.

    ``kind``: ``broker`` means a MitID broker (a CVR claim makes it a company login, otherwise a
    citizen); ``entra`` means every token is an employee's; ``claim`` reads ``kind_claim`` and
    treats ``employee_value`` as an employee login, anything else by the broker rules.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str = "sub"
    name: str = "name"
    cpr: str = "nemlogin.cpr"
    cvr: str = "nemlogin.cvr"
    company_name: str = "nemlogin.org_name"
    email: str | tuple[str, ...] = "email"  # several claims: the first one present wins
    roles: str = "roles"
    kind: Literal["broker", "entra", "claim"] = "broker"
    kind_claim: str = "idp"
    employee_value: str = "entra"
    # A claim only tokens issued to a person carry; a token without it (an application's) is refused.
    person_claim: str | None = None


class TrustedIssuer(BaseModel):
    """One issuer we accept tokens from. ``name`` prefixes the subject so subjects never collide."""

    model_config = ConfigDict(frozen=True)

    name: str
    issuer: str
    audience: str | tuple[str, ...]  # several: Entra sends the client id or the app id URI
    jwks: dict[str, Any] | None = None
    jwks_uri: str | None = None
    algorithms: tuple[str, ...] = ("RS256",)
    mapping: ClaimMapping
    leeway_seconds: int = 30

    @model_validator(mode="after")
    def _is_safe(self) -> TrustedIssuer:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.name):
            raise ValueError("issuer name must be lower-case letters, digits and hyphens")
        if not self.audiences or not all(self.audiences):
            raise ValueError("give at least one audience, none of them empty")
        if (self.jwks is None) == (self.jwks_uri is None):
            raise ValueError("give exactly one of jwks and jwks_uri")
        if not self.algorithms or not set(self.algorithms) <= ALLOWED_ALGORITHMS:
            raise ValueError(f"algorithms must be a non-empty subset of {sorted(ALLOWED_ALGORITHMS)}")
        if not 0 <= self.leeway_seconds <= 300:
            raise ValueError("leeway must be between 0 and 300 seconds")
        return self

    @property
    def audiences(self) -> tuple[str, ...]:
        return (self.audience,) if isinstance(self.audience, str) else self.audience


ENTRA_AUTHORITY = "https://login.microsoftonline.com"
# ``oid`` is the same for a person across every app of the tenant; ``sub`` differs per app. Only
# delegated tokens (a person signed in) carry ``scp``; app-only tokens may carry app roles too.
ENTRA_CLAIMS = ClaimMapping(
    kind="entra", subject="oid", email=("preferred_username", "email"), roles="roles", person_claim="scp"
)
BROKER_CLAIMS = ClaimMapping(kind="broker")


def entra_issuer(tenant_id: str, audiences: tuple[str, ...]) -> TrustedIssuer:
    """Entra ID v2.0 access tokens for the portal's API, from one tenant."""
    return TrustedIssuer(
        name="entra",
        issuer=f"{ENTRA_AUTHORITY}/{tenant_id}/v2.0",
        audience=audiences,
        jwks_uri=f"{ENTRA_AUTHORITY}/{tenant_id}/discovery/v2.0/keys",
        mapping=ENTRA_CLAIMS,
    )


def broker_issuer(
    name: str,
    issuer: str,
    audience: str,
    claims: dict[str, Any],
    *,
    jwks_uri: str | None = None,
    jwks: dict[str, Any] | None = None,
    algorithms: tuple[str, ...] = ("RS256",),
) -> TrustedIssuer:
    """A MitID / MitID Erhverv broker; ``claims`` overrides the default claim names (``{"cpr": "..."}``)."""
    try:
        mapping = ClaimMapping.model_validate({**BROKER_CLAIMS.model_dump(), **claims})
    except ValidationError as error:
        names = ", ".join(str(issue["loc"][0]) for issue in error.errors() if issue["loc"])
        raise ValueError(f"the broker claim mapping is not usable ({names})") from None
    return TrustedIssuer(
        name=name,
        issuer=issuer,
        audience=audience,
        jwks_uri=jwks_uri,
        jwks=jwks,
        algorithms=algorithms,
        mapping=mapping,
    )


class JwtValidator:
    """Validates bearer tokens from the trusted issuers and maps their claims to an Identity."""

    def __init__(self, trusted: list[TrustedIssuer]) -> None:
        self._issuers: dict[str, _Issuer] = {}
        for config in trusted:
            if config.issuer in self._issuers:
                raise ValueError(f"issuer {config.name!r} is configured twice")
            self._issuers[config.issuer] = _Issuer(config)

    def validate(self, token: str) -> Identity:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("malformed token")
        header, unverified_issuer = _peek(token)
        issuer = self._issuers.get(unverified_issuer) if unverified_issuer is not None else None
        if issuer is None:
            raise InvalidToken("untrusted issuer")
        return issuer.validate(token, header)


class _Issuer:
    def __init__(self, config: TrustedIssuer) -> None:
        self.config = config
        self._static: jwt.PyJWKSet | None = None
        if config.jwks is not None:
            try:
                self._static = jwt.PyJWKSet.from_dict(config.jwks)
            except jwt.PyJWTError as error:
                raise ValueError(f"unusable JWKS for issuer {config.name!r}") from error

    def validate(self, token: str, header: dict[str, Any]) -> Identity:
        config = self.config
        if header.get("alg") not in config.algorithms:
            raise InvalidToken("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("missing key id")
        key = self._key(kid)
        if key.algorithm_name not in config.algorithms:
            raise InvalidToken("algorithm not allowed")
        try:
            claims: dict[str, Any] = _DECODER.decode(
                token,
                key=key,
                algorithms=list(config.algorithms),  # pinned from configuration, never from the header
                audience=list(config.audiences),
                issuer=config.issuer,
                leeway=config.leeway_seconds,
                options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_signature": True},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(_reason(error)) from None
        return _identity(config, claims)

    def _key(self, kid: str) -> jwt.PyJWK:
        if self._static is not None:
            for key in self._static.keys:
                if key.key_id == kid:
                    return key
            raise InvalidToken("unknown signing key")
        uri = self.config.jwks_uri or ""  # set whenever there is no static JWKS (checked by TrustedIssuer)
        try:
            return _remote_keys(uri).get_signing_key(kid)
        except jwt.PyJWKClientConnectionError:
            raise InvalidToken("signing keys unavailable") from None
        except jwt.PyJWTError:
            raise InvalidToken("unknown signing key") from None


def _peek(token: str) -> tuple[dict[str, Any], str | None]:
    """Header and issuer read without verification, used only to pick the trusted issuer.

    A plain split and decode: PyJWT's strict decode (every character of every segment checked,
    the signature verified) follows in ``_Issuer.validate``, so it runs once per token, not twice.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("malformed token")
    try:
        header, payload = (json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))) for part in parts[:2])
    except (ValueError, TypeError, binascii.Error):
        raise InvalidToken("malformed token") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise InvalidToken("malformed token")
    issuer = payload.get("iss")
    return header, issuer if isinstance(issuer, str) else None


_remote_lock = threading.Lock()
_remote_clients: dict[str, jwt.PyJWKClient] = {}


def _remote_keys(uri: str) -> jwt.PyJWKClient:
    # One client per JWKS address for the whole process: the key set is fetched once and reused
    # by every invocation until it expires, or when a token names a key we have not seen yet.
    with _remote_lock:
        client = _remote_clients.get(uri)
        if client is None:
            client = jwt.PyJWKClient(
                uri, cache_jwk_set=True, lifespan=JWKS_CACHE_SECONDS, timeout=JWKS_FETCH_TIMEOUT_SECONDS
            )
            _remote_clients[uri] = client
        return client


def _reason(error: jwt.PyJWTError) -> str:
    # Most specific first: several of these subclass one another.
    reasons: list[tuple[type[jwt.PyJWTError], str]] = [
        (jwt.ExpiredSignatureError, "token expired"),
        (jwt.ImmatureSignatureError, "token not yet valid"),
        (jwt.InvalidIssuerError, "wrong issuer"),
        (jwt.InvalidAudienceError, "wrong audience"),
        (jwt.MissingRequiredClaimError, "missing required claim"),
        (jwt.InvalidSignatureError, "bad signature"),
        (jwt.InvalidAlgorithmError, "algorithm not allowed"),
        (jwt.InvalidKeyError, "unusable signing key"),
        (jwt.DecodeError, "malformed token"),
    ]
    for kind, reason in reasons:
        if isinstance(error, kind):
            return reason
    return "invalid token"


def _identity(config: TrustedIssuer, claims: dict[str, Any]) -> Identity:
    mapping = config.mapping
    if mapping.person_claim is not None and _claim(claims, mapping.person_claim) in (None, ""):
        raise InvalidToken("not a person's token")
    if mapping.kind == "entra" and _claim(claims, "acct") == 1:
        # A guest (B2B) account in the tenant is not an employee. Entra sends "acct" as an optional
        # claim; infra/README.md says to turn it on.
        raise InvalidToken("guest accounts are not employees")
    subject = _text(claims, mapping.subject)
    if not subject:
        raise InvalidToken("missing subject")
    name = _text(claims, mapping.name) or ""
    email = _first_text(claims, (mapping.email,) if isinstance(mapping.email, str) else mapping.email)
    kind = _kind(mapping, claims)
    try:
        if kind is IdentityKind.EMPLOYEE:
            # Roles are honoured only from employee logins; a broker cannot make anyone an admin.
            return Identity(
                subject=f"{config.name}:{subject}",
                kind=kind,
                name=name,
                email=email,
                roles=_roles(_claim(claims, mapping.roles)),
            )
        if kind is IdentityKind.COMPANY:
            # The acting person's CPR number is not needed for a company response, so it is not kept.
            return Identity(
                subject=f"{config.name}:{subject}",
                kind=kind,
                name=name,
                cvr=_cvr(claims, mapping.cvr),
                company_name=_text(claims, mapping.company_name),
                email=email,
            )
        return Identity(
            subject=f"{config.name}:{subject}", kind=kind, name=name, cpr=_cpr(claims, mapping.cpr), email=email
        )
    except ValidationError:
        # pydantic errors quote the input; say nothing about it.
        raise InvalidToken("claims do not describe a person") from None


def _kind(mapping: ClaimMapping, claims: dict[str, Any]) -> IdentityKind:
    if mapping.kind == "entra":
        return IdentityKind.EMPLOYEE
    if mapping.kind == "claim" and _claim(claims, mapping.kind_claim) == mapping.employee_value:
        return IdentityKind.EMPLOYEE
    return IdentityKind.COMPANY if _claim(claims, mapping.cvr) not in (None, "") else IdentityKind.CITIZEN


def _cpr(claims: dict[str, Any], claim: str) -> str | None:
    value = _text(claims, claim)
    if value is None or not value.strip():
        return None  # a broker may be configured not to release it
    try:
        return normalise_cpr(value)
    except ValueError:
        raise InvalidToken("malformed CPR claim") from None


def _cvr(claims: dict[str, Any], claim: str) -> str:
    value = _text(claims, claim)
    if value is None or not is_valid_cvr(value.strip()):
        raise InvalidToken("malformed CVR claim")
    return value.strip()


def _roles(value: Any) -> frozenset[Role]:
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list):
        return frozenset()
    # Roles this portal does not know are ignored rather than refused: Entra may carry others.
    return frozenset(_ROLES_BY_VALUE[item] for item in value if isinstance(item, str) and item in _ROLES_BY_VALUE)


def _first_text(claims: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = _text(claims, name)
        if value:
            return value
    return None


def _text(claims: dict[str, Any], claim: str) -> str | None:
    value = _claim(claims, claim)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidToken(f"claim {claim!r} is not text")
    return value


def _claim(claims: dict[str, Any], claim: str) -> Any:
    """A claim by its literal name (``nemlogin.cpr``), else by a dotted path into nested objects."""
    if claim in claims:
        return claims[claim]
    value: Any = claims
    for part in claim.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value
