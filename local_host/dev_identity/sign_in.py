"""Sign-in against the local development issuer as a standard OpenID Connect provider.

Authorization code flow with PKCE (S256 only) and a page to choose a persona, so any OIDC client
library can sign in locally exactly as it would against the real broker; pointing the client at
the broker instead is a change of configuration.

Authorization codes are kept in the process that issued them (``AuthorizationCodes``): the issuer
only runs on a developer machine, in one host process, and a code lives for a minute. A restart
between choosing a persona and redeeming the code means signing in again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from jinja2 import Environment

from local_host.dev_identity.port import DevTokenIssuer

CODE_LIFETIME = timedelta(seconds=60)
MAX_PENDING_CODES = 10_000
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1"})
SUPPORTED_SCOPES = ("openid", "profile")

_CLIENT_ID = re.compile(r"[\x21-\x7e]{1,200}")
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # BASE64URL(SHA-256(verifier)), RFC 7636 section 4.2
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 section 4.1
_MAX_TEXT = 1000  # state and nonce are opaque to us; bounded all the same


class OAuthError(Exception):
    """An RFC 6749 error: ``error`` is the code (``invalid_grant``), ``description`` says why."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class AuthorizationError(OAuthError):
    """A refused authorization request. With a trusted ``redirect_uri`` the client is told through
    it (RFC 6749 section 4.1.2.1); without one the person sees an error page and goes nowhere."""

    def __init__(self, error: str, description: str, redirect_uri: str | None = None, state: str | None = None) -> None:
        super().__init__(error, description)
        self.redirect_uri = redirect_uri
        self.state = state

    def redirect(self) -> str | None:
        if self.redirect_uri is None:
            return None
        return with_query(self.redirect_uri, {**self.body(), **({"state": self.state} if self.state else {})})


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    code_challenge: str
    scope: str
    state: str | None = None
    nonce: str | None = None

    def hidden_fields(self) -> dict[str, str]:
        """The request as the form fields the chooser page posts back."""
        fields = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
            "scope": self.scope,
        }
        if self.state is not None:
            fields["state"] = self.state
        if self.nonce is not None:
            fields["nonce"] = self.nonce
        return fields


@dataclass(frozen=True)
class Grant:
    """What a code stands for until it is redeemed."""

    persona_id: str
    request: AuthorizationRequest
    expires_at: datetime


class AuthorizationCodes:
    """Single-use, short-lived codes, held in this process; safe to share between threads.

    Only a hash of each code is kept, so the table never holds anything that could be redeemed.
    """

    def __init__(self, lifetime: timedelta = CODE_LIFETIME, capacity: int = MAX_PENDING_CODES) -> None:
        self.lifetime = lifetime
        self._capacity = capacity
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def issue(self, persona_id: str, request: AuthorizationRequest, now: datetime) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._forget_expired(now)
            if len(self._grants) >= self._capacity:
                raise OAuthError("temporarily_unavailable", "too many sign-ins are waiting; try again shortly")
            self._grants[_digest(code)] = Grant(persona_id, request, now + self.lifetime)
        return code

    def redeem(self, code: str, now: datetime) -> Grant | None:
        """The grant, once: a second redemption, or one after expiry, finds nothing."""
        with self._lock:
            grant = self._grants.pop(_digest(code), None)
        if grant is None or now >= grant.expires_at:
            return None
        return grant

    def _forget_expired(self, now: datetime) -> None:
        for key in [key for key, grant in self._grants.items() if now >= grant.expires_at]:
            del self._grants[key]


class DevSignIn:
    """The OpenID Connect endpoints' logic, in front of the development token issuer."""

    def __init__(self, issuer: DevTokenIssuer, codes: AuthorizationCodes) -> None:
        self._issuer = issuer
        self._codes = codes
        self.base = issuer.issuer.rstrip("/")
        parts = urlsplit(self.base)
        self._own_origin = (parts.scheme, parts.hostname, _port(parts.scheme, parts.port))

    def discovery(self) -> dict[str, Any]:
        """The OpenID Provider metadata (OpenID Connect Discovery 1.0, section 3)."""
        return {
            "issuer": self.base,
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token",
            "jwks_uri": f"{self.base}/jwks.json",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(SUPPORTED_SCOPES),
            "token_endpoint_auth_methods_supported": ["none"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name", "idp"],
        }

    def authorization_request(self, params: Mapping[str, str]) -> AuthorizationRequest:
        """The validated request; raises AuthorizationError."""
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if not _CLIENT_ID.fullmatch(client_id):
            raise AuthorizationError("invalid_request", "client_id is missing or malformed")
        if not self.redirect_allowed(redirect_uri):
            raise AuthorizationError(
                "invalid_request",
                "redirect_uri must be an http://localhost or http://127.0.0.1 address, or one of the portal's own",
            )
        # From here on the client can be told through its redirect address.
        state = params.get("state") or None
        if state is not None and len(state) > _MAX_TEXT:
            raise AuthorizationError("invalid_request", "state is too long", redirect_uri)

        def refuse(error: str, description: str) -> AuthorizationError:
            return AuthorizationError(error, description, redirect_uri, state)

        if params.get("response_type") != "code":
            raise refuse("unsupported_response_type", "only response_type=code is supported")
        if params.get("code_challenge_method") != "S256":
            raise refuse("invalid_request", "PKCE is required: code_challenge_method=S256")
        challenge = params.get("code_challenge", "")
        if not _CHALLENGE.fullmatch(challenge):
            raise refuse("invalid_request", "code_challenge must be the 43-character S256 challenge")
        scopes = params.get("scope", "").split()
        if "openid" not in scopes:
            raise refuse("invalid_scope", "scope must include openid")
        nonce = params.get("nonce") or None
        if nonce is not None and len(nonce) > _MAX_TEXT:
            raise refuse("invalid_request", "nonce is too long")
        granted = " ".join(scope for scope in SUPPORTED_SCOPES if scope in scopes)
        return AuthorizationRequest(client_id, redirect_uri, challenge, granted, state, nonce)

    def redirect_allowed(self, uri: str) -> bool:
        """Loopback addresses (a developer's app on any port) or the portal's own origin: no open redirect."""
        if not uri or len(uri) > 2000 or any(ch in uri for ch in "\\ \t\r\n") or not uri.isprintable():
            return False
        try:
            parts = urlsplit(uri)
            port = _port(parts.scheme, parts.port)
        except ValueError:
            return False
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.fragment or "@" in parts.netloc:
            return False
        if parts.hostname in LOOPBACK_HOSTS:
            return True
        return (parts.scheme, parts.hostname, port) == self._own_origin

    def chooser_page(self, request: AuthorizationRequest) -> str:
        personas = [
            {"id": persona.id, "label": persona.label, "description": persona.description}
            for persona in self._issuer.personas()
        ]
        return _CHOOSER.render(fields=request.hidden_fields(), personas=personas, client_id=request.client_id)

    def approve(self, request: AuthorizationRequest, persona_id: str, now: datetime) -> str:
        """The redirect back to the client with a code for the chosen persona."""
        if persona_id not in {persona.id for persona in self._issuer.personas()}:
            raise AuthorizationError("invalid_request", "no such persona", request.redirect_uri, request.state)
        code = self._codes.issue(persona_id, request, now)
        return with_query(request.redirect_uri, {"code": code, **({"state": request.state} if request.state else {})})

    def deny(self, request: AuthorizationRequest) -> str:
        error = AuthorizationError("access_denied", "sign-in was cancelled", request.redirect_uri, request.state)
        return error.redirect() or request.redirect_uri

    def exchange(self, form: Mapping[str, str], now: datetime) -> dict[str, Any]:
        """The token answer for an authorization code; raises OAuthError."""
        if form.get("grant_type") != "authorization_code":
            raise OAuthError("unsupported_grant_type", "only grant_type=authorization_code is supported")
        missing = [name for name in ("code", "redirect_uri", "client_id", "code_verifier") if not form.get(name)]
        if missing:
            raise OAuthError("invalid_request", f"missing {', '.join(missing)}")
        # Redeemed first, so a code is spent by any attempt, right or wrong.
        grant = self._codes.redeem(form["code"], now)
        if grant is None:
            raise OAuthError("invalid_grant", "the code is unknown, already used or expired")
        request = grant.request
        if form["client_id"] != request.client_id:
            raise OAuthError("invalid_grant", "the code was issued to another client")
        if form["redirect_uri"] != request.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
        verifier = form["code_verifier"]
        if not _VERIFIER.fullmatch(verifier) or not hmac.compare_digest(s256(verifier), request.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        return {
            "access_token": self._issuer.issue(grant.persona_id, now),
            "id_token": self._issuer.issue_id_token(grant.persona_id, now, request.client_id, request.nonce),
            "token_type": "Bearer",
            "expires_in": int(self._issuer.token_lifetime.total_seconds()),
            "scope": request.scope,
        }


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def form_fields(body: bytes) -> dict[str, str]:
    """An application/x-www-form-urlencoded body; a repeated or undecodable field is refused."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "the body is not a readable form") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise OAuthError("invalid_request", f"{name} is repeated")
        fields[name] = value
    return fields


def with_query(uri: str, params: Mapping[str, str]) -> str:
    separator = "&" if urlsplit(uri).query else "?"
    return f"{uri}{separator}{urlencode(params)}"


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else {"http": 80, "https": 443}.get(scheme)


_CHOOSER = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development sign-in</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
button { display: block; width: 100%; text-align: left; margin: .5rem 0; padding: .75rem; font: inherit; }
.note { background: #fff3cd; padding: .75rem; }
small { display: block; color: #555; }
</style>
</head>
<body>
<h1>Development sign-in</h1>
<p class="note">Local development issuer: every person here is made up. {{ client_id }} asks who you are.</p>
<form method="post" action="authorize">
{% for name, value in fields.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
{% for persona in personas %}<button type="submit" name="persona" value="{{ persona.id }}">
<strong>{{ persona.label }}</strong><small>{{ persona.description }}</small></button>
{% endfor %}
<button type="submit" name="cancel" value="1">Cancel</button>
</form>
</body>
</html>
"""
)

_ERROR_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in refused</title></head>
<body><h1>Sign-in refused</h1><p>{{ error }}: {{ description }}</p></body>
</html>
"""
)


def error_page(error: OAuthError) -> str:
    return _ERROR_PAGE.render(error=error.error, description=error.description)
