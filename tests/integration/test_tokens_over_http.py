"""Signing in over real HTTP: the OpenID Connect code flow against the development issuer, every forged
or broken token refused with 401, and a host with production settings that knows nothing of the
development issuer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from local_host.azurite import Azurite
from local_host.dev_identity.issuer import KEY_FILE_NAME
from tests.local_host_fixture import LocalHostProcess, free_port, start_local_host

CLIENT_ID = "portal-web-dev"
CALLBACK = "http://localhost:5173/auth/callback"
RESPOND = "/api/hearings/demo-active/responses"
BROKER_ISSUER = "https://broker.example/oidc"
BROKER_AUDIENCE = "hearing-portal"


def base_env(azurite: Azurite, port: int) -> dict[str, str]:
    return {
        "PORTAL_DOCUMENT_STORE": "sqlite",
        "PORTAL_MESSAGE_BUS": "local",
        "PORTAL_ADJUSTABLE_CLOCK": "false",
        "PORTAL_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "AzureWebJobsStorage": azurite.connection_string,
    }


@pytest.fixture(scope="module")
def portal(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHostProcess]:
    port = free_port()
    env = {**base_env(azurite, port), "PORTAL_ENVIRONMENT": "development", "PORTAL_DEV_ISSUER": "true"}
    host = start_local_host("function_app", tmp_path_factory.mktemp("portal"), env, port, extra_args=("--seed",))
    try:
        yield host
    finally:
        host.stop()


@pytest.fixture(scope="module")
def broker_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def production(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory, broker_key: rsa.RSAPrivateKey
) -> Iterator[LocalHostProcess]:
    """The portal as deployed: production settings, a MitID broker with its own claim names, no dev issuer."""
    port = free_port()
    public: dict[str, Any] = RSAAlgorithm.to_jwk(broker_key.public_key(), as_dict=True)
    env = {
        **base_env(azurite, port),
        "PORTAL_ENVIRONMENT": "production",
        "PORTAL_DEV_ISSUER": "false",
        "PORTAL_BROKER_ISSUER": BROKER_ISSUER,
        "PORTAL_BROKER_AUDIENCE": BROKER_AUDIENCE,
        "PORTAL_BROKER_JWKS": json.dumps({"keys": [{**public, "kid": "broker-1", "use": "sig"}]}),
        "PORTAL_BROKER_CLAIMS": json.dumps({"cpr": "cprNumberIdentifier", "name": "fullName"}),
        "PORTAL_CPR_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),  # production has no development key
    }
    host = start_local_host("function_app", tmp_path_factory.mktemp("production"), env, port, extra_args=("--seed",))
    try:
        yield host
    finally:
        host.stop()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assert_refused(answer: httpx.Response) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["status"] == 401


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def persona_token(host: LocalHostProcess, persona: str) -> str:
    answer = host.request("POST", "/api/dev/token", json={"persona": persona})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["accessToken"])


# --- a generic OpenID Connect client ----------------------------------------------------------------


class ChooserForm(HTMLParser):
    """The persona page's form: its action, its hidden fields and the persona buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.hidden: dict[str, str] = {}
        self.personas: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and values.get("method", "").lower() == "post":
            self.action = values.get("action")
        elif tag == "input" and values.get("type") == "hidden":
            self.hidden[values["name"]] = values.get("value", "")
        elif tag == "button" and values.get("name") == "persona":
            self.personas.append(values["value"])


@dataclass
class SignIn:
    code: str
    verifier: str
    nonce: str


def authorize(client: httpx.Client, metadata: dict[str, Any], persona: str) -> SignIn:
    verifier = secrets.token_urlsafe(48)
    challenge = b64(hashlib.sha256(verifier.encode()).digest())
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    page = client.get(
        metadata["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": CALLBACK,
            "scope": "openid profile",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": state,
            "nonce": nonce,
        },
    )
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    form = ChooserForm()
    form.feed(page.text)
    assert form.action and persona in form.personas
    chosen = client.post(
        str(page.url.join(form.action)), data={**form.hidden, "persona": persona}, follow_redirects=False
    )
    assert chosen.status_code == 302, chosen.text
    location = chosen.headers["location"]
    assert location.startswith(CALLBACK + "?")
    back = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    assert back["state"] == state
    return SignIn(back["code"], verifier, nonce)


def exchange(client: httpx.Client, metadata: dict[str, Any], code: str, verifier: str) -> httpx.Response:
    return client.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": CLIENT_ID,
            "code_verifier": verifier,
        },
    )


def test_an_oidc_client_signs_in_with_the_code_flow(portal: LocalHostProcess) -> None:
    issuer = f"{portal.base_url}/api/dev"
    with httpx.Client(timeout=30) as client:
        metadata = client.get(f"{issuer}/.well-known/openid-configuration").json()
        assert metadata["issuer"] == issuer
        assert "S256" in metadata["code_challenge_methods_supported"]
        keys = jwt.PyJWKSet.from_dict(client.get(metadata["jwks_uri"]).json())

        sign_in = authorize(client, metadata, "hearing-creator")
        tokens = exchange(client, metadata, sign_in.code, sign_in.verifier)
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] > 0

        id_token = jwt.decode(
            body["id_token"], key=keys.keys[0], algorithms=["RS256"], audience=CLIENT_ID, issuer=issuer
        )
        assert id_token["nonce"] == sign_in.nonce
        mine = portal.request("GET", "/api/hearings", params={"mine": "true"}, headers=bearer(body["access_token"]))
        assert mine.status_code == 200, mine.text

        replay = exchange(client, metadata, sign_in.code, sign_in.verifier)
        assert replay.status_code == 400
        assert replay.json()["error"] == "invalid_grant"

        another = authorize(client, metadata, "citizen-anna")
        wrong = exchange(client, metadata, another.code, secrets.token_urlsafe(48))
        assert wrong.status_code == 400
        assert wrong.json()["error"] == "invalid_grant"


def test_the_chooser_never_sends_anyone_to_a_foreign_address(portal: LocalHostProcess) -> None:
    answer = portal.request(
        "GET",
        "/api/dev/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": "https://evil.example/callback",
            "scope": "openid",
            "code_challenge": b64(hashlib.sha256(b"x" * 43).digest()),
            "code_challenge_method": "S256",
        },
        follow_redirects=False,
    )

    assert answer.status_code == 400
    assert "location" not in answer.headers


# --- forged and broken tokens ---------------------------------------------------------------------


@dataclass
class DevKeys:
    issuer: str
    kid: str
    private: rsa.RSAPrivateKey
    public_pem: bytes
    genuine: str  # a real token for citizen-anna

    def sign(self, claims: dict[str, Any], kid: str | None = None, key: rsa.RSAPrivateKey | None = None) -> str:
        return jwt.encode(claims, key or self.private, algorithm="RS256", headers={"kid": kid or self.kid})

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": "api://hearing-portal",
            "sub": "admin",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "name": "Mallory",
            "idp": "entra",
            "roles": ["Admin"],
        }
        return {**claims, **changes}


@pytest.fixture(scope="module")
def dev_keys(portal: LocalHostProcess) -> DevKeys:
    genuine = persona_token(portal, "citizen-anna")  # also makes sure the key file exists
    (jwk,) = portal.request("GET", "/api/dev/jwks.json").json()["keys"]
    private = serialization.load_pem_private_key((portal.data_dir / KEY_FILE_NAME).read_bytes(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    issuer = portal.request("GET", "/api/dev/.well-known/openid-configuration").json()["issuer"]
    return DevKeys(issuer, jwk["kid"], private, public_pem, genuine)


def alg_none(keys: DevKeys) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": keys.kid}
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(keys.claims()).encode())}."


def hs256_with_the_public_key(keys: DevKeys) -> str:
    header = {"alg": "HS256", "typ": "JWT", "kid": keys.kid}
    unsigned = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(keys.claims()).encode())}"
    return f"{unsigned}.{b64(hmac.new(keys.public_pem, unsigned.encode(), hashlib.sha256).digest())}"


def expired(keys: DevKeys) -> str:
    now = int(time.time())
    return keys.sign(keys.claims(iat=now - 7200, nbf=now - 7200, exp=now - 3600))


def not_yet_valid(keys: DevKeys) -> str:
    return keys.sign(keys.claims(nbf=int(time.time()) + 3600))


def wrong_issuer(keys: DevKeys) -> str:
    return keys.sign(keys.claims(iss="http://127.0.0.1:1/api/dev"))


def wrong_audience(keys: DevKeys) -> str:
    return keys.sign(keys.claims(aud="api://another-app"))


def unknown_kid(keys: DevKeys) -> str:
    return keys.sign(keys.claims(), kid="not-a-key-of-this-issuer")


def another_key_with_the_right_kid(keys: DevKeys) -> str:
    return keys.sign(keys.claims(), key=rsa.generate_private_key(public_exponent=65537, key_size=2048))


def tampered_payload(keys: DevKeys) -> str:
    header, payload, signature = keys.genuine.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update({"idp": "entra", "roles": ["Admin"]})
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def not_a_jwt(keys: DevKeys) -> str:
    return "not.a.token"


# Each forgery and the reason the refusal gives (the problem's detail names it; never the token).
FORGERIES: list[tuple[Callable[[DevKeys], str], str]] = [
    (alg_none, "algorithm not allowed"),
    (hs256_with_the_public_key, "algorithm not allowed"),
    (expired, "token expired"),
    (not_yet_valid, "token not yet valid"),
    (wrong_issuer, "untrusted issuer"),
    (wrong_audience, "wrong audience"),
    (unknown_kid, "unknown signing key"),
    (another_key_with_the_right_kid, "bad signature"),
    (tampered_payload, "bad signature"),
    (not_a_jwt, "malformed token"),
]


@pytest.mark.parametrize(("forge", "reason"), FORGERIES, ids=[forge.__name__ for forge, _ in FORGERIES])
def test_forged_and_broken_tokens_are_refused(
    portal: LocalHostProcess, dev_keys: DevKeys, forge: Callable[[DevKeys], str], reason: str
) -> None:
    token = forge(dev_keys)

    answer = portal.request("POST", RESPOND, headers=bearer(token), json={"text": "Forfalsket svar"})

    assert_refused(answer)
    assert answer.json()["detail"].endswith(reason)
    assert token not in answer.text


def test_the_genuine_token_the_forgeries_start_from_is_accepted(portal: LocalHostProcess, dev_keys: DevKeys) -> None:
    answer = portal.request("POST", RESPOND, headers=bearer(dev_keys.genuine), json={"text": "Et ægte svar"})

    assert answer.status_code == 201, answer.text


# --- production settings ------------------------------------------------------------------------------


def test_production_refuses_development_tokens(portal: LocalHostProcess, production: LocalHostProcess) -> None:
    dev_token = persona_token(portal, "admin")

    answer = production.request("POST", RESPOND, headers=bearer(dev_token), json={"text": "Hej"})

    assert_refused(answer)
    assert "issuer" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/api/dev/.well-known/openid-configuration", {}),
        ("GET", "/api/dev/jwks.json", {}),
        ("GET", "/api/dev/personas", {}),
        ("GET", "/api/dev/authorize", {"params": {"client_id": CLIENT_ID, "redirect_uri": CALLBACK}}),
        ("POST", "/api/dev/authorize", {"data": {"persona": "admin", "redirect_uri": CALLBACK}}),
        ("POST", "/api/dev/token", {"json": {"persona": "admin"}}),
        ("POST", "/api/dev/token", {"data": {"grant_type": "authorization_code", "code": "x"}}),
    ],
)
def test_production_has_no_development_issuer(
    production: LocalHostProcess, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    answer = production.request(method, path, follow_redirects=False, **kwargs)

    assert answer.status_code == 404, answer.text


def test_production_accepts_its_brokers_tokens_with_the_configured_claim_names(
    production: LocalHostProcess, broker_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": BROKER_ISSUER,
            "aud": BROKER_AUDIENCE,
            "sub": "broker-subject-1",
            "iat": now,
            "exp": now + 600,
            "fullName": "Anna Jensen",
            "cprNumberIdentifier": "0101901234",
        },
        broker_key,
        algorithm="RS256",
        headers={"kid": "broker-1"},
    )

    answer = production.request("POST", RESPOND, headers=bearer(token), json={"text": "Jeg støtter planen."})

    assert answer.status_code == 201, answer.text
