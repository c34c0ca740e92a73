"""The OpenID Connect authorization code flow with PKCE, as the portal's web client.

The issuer's discovery document says where to send the person and where to redeem the code. The
access token from the token endpoint is what the API's services validate (the ``tokens`` port); the
ID token's nonce ties the answer to this sign-in.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_SECONDS = 10


class SignInFailed(Exception):
    pass


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    nonce: str
    verifier: str
    return_to: str

    @classmethod
    def start(cls, return_to: str) -> PendingSignIn:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48), return_to)

    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@functools.cache
def discovery(issuer: str) -> dict[str, Any]:
    document = _get_json(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
    if document.get("issuer") != issuer.rstrip("/"):
        raise SignInFailed("the issuer's discovery document names another issuer")
    return document


def authorization_url(issuer: str, client_id: str, redirect_uri: str, pending: PendingSignIn) -> str:
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid profile",
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": pending.challenge(),
            "code_challenge_method": "S256",
        }
    )
    return f"{discovery(issuer)['authorization_endpoint']}?{query}"


def redeem(issuer: str, client_id: str, redirect_uri: str, code: str, pending: PendingSignIn) -> str:
    """The access token for an authorization code; raises SignInFailed."""
    form = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "code_verifier": pending.verifier,
        }
    ).encode("ascii")
    request = urllib.request.Request(  # noqa: S310 - the configured issuer's https (or local http) endpoint
        discovery(issuer)["token_endpoint"],
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            body = json.loads(answer.read())
    except (OSError, ValueError) as error:
        raise SignInFailed(f"the token endpoint refused the code: {error}") from None
    id_token, access_token = body.get("id_token"), body.get("access_token")
    if not isinstance(id_token, str) or not isinstance(access_token, str):
        raise SignInFailed("the token endpoint sent no tokens")
    # The ID token came straight from the token endpoint over our own request; its nonce binds it to this
    # sign-in. Its signature, issuer and audience are checked by the services when they validate the access token.
    import jwt  # the sign-in return loads it; other pages do not

    claims = jwt.decode(id_token, options={"verify_signature": False})
    if claims.get("nonce") != pending.nonce:
        raise SignInFailed("the ID token's nonce does not match this sign-in")
    return access_token


def _get_json(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            document = json.loads(answer.read())
    except (OSError, ValueError) as error:
        raise SignInFailed(f"could not read {url}: {error}") from None
    if not isinstance(document, dict):
        raise SignInFailed(f"{url} is not a JSON object")
    return document
