"""Signing in against the development issuer as an OpenID Connect client would: code flow with PKCE."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import azure.functions as func
import jwt
import pytest

from local_host.dev_identity import functions as dev_login
from local_host.dev_identity.issuer import DevIssuer
from local_host.dev_identity.sign_in import (
    AuthorizationCodes,
    AuthorizationError,
    AuthorizationRequest,
    DevSignIn,
    OAuthError,
    form_fields,
    s256,
)
from shared.adapters.jwt_validator import JwtValidator
from shared.domain.identity import IdentityKind, Role

ISSUER = "http://localhost:7071/api/dev"
AUDIENCE = "api://hearing-portal"
CLIENT = "portal-web"
CALLBACK = "http://localhost:5173/callback"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636, appendix B
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dev-issuer") / "dev-issuer-key.pem"


@pytest.fixture(scope="module")
def dev(key_path: Path) -> DevIssuer:
    return DevIssuer(key_path, ISSUER, AUDIENCE)


@pytest.fixture
def sign_in(dev: DevIssuer) -> DevSignIn:
    return DevSignIn(dev, AuthorizationCodes())


def authorize_params(**changes: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": CALLBACK,
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        "scope": "openid profile",
        "state": "state-123",
        "nonce": "nonce-456",
        **changes,
    }
    return {name: value for name, value in params.items() if value is not None}


def token_form(code: str, **changes: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": CLIENT,
        "code_verifier": VERIFIER,
        **changes,
    }


def query_of(location: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def code_for(sign_in: DevSignIn, persona: str = "hearing-creator", now: datetime = NOW) -> str:
    request = sign_in.authorization_request(authorize_params())
    return query_of(sign_in.approve(request, persona, now))["code"]


def oauth_error(action: Callable[[], object]) -> OAuthError:
    with pytest.raises(OAuthError) as caught:
        action()
    return caught.value


# --- the provider's description of itself ----------------------------------------------------------


def test_discovery_describes_a_code_flow_provider_with_pkce(sign_in: DevSignIn) -> None:
    metadata = sign_in.discovery()

    assert metadata["issuer"] == ISSUER
    assert metadata["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert metadata["token_endpoint"] == f"{ISSUER}/token"
    assert metadata["jwks_uri"] == f"{ISSUER}/jwks.json"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["grant_types_supported"] == ["authorization_code"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["subject_types_supported"] == ["public"]
    assert metadata["scopes_supported"] == ["openid", "profile"]
    assert metadata["token_endpoint_auth_methods_supported"] == ["none"]


def test_s256_matches_the_rfc_7636_example() -> None:
    assert s256(VERIFIER) == CHALLENGE


# --- the code flow ---------------------------------------------------------------------------------


def test_a_chosen_persona_signs_in_with_an_access_token_and_an_id_token(sign_in: DevSignIn, dev: DevIssuer) -> None:
    now = datetime.now(UTC)  # the access token is validated against real time
    request = sign_in.authorization_request(authorize_params())
    back = query_of(sign_in.approve(request, "hearing-creator", now))
    assert back["state"] == "state-123"

    answer = sign_in.exchange(token_form(back["code"]), now)

    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 8 * 3600
    assert answer["scope"] == "openid profile"
    identity = JwtValidator([dev.trusted_issuer()]).validate(answer["access_token"])
    assert identity.subject == "dev:hearing-creator"
    assert identity.kind is IdentityKind.EMPLOYEE and identity.roles == frozenset({Role.HEARING_CREATOR})
    id_token = jwt.decode(
        answer["id_token"], key=jwt.PyJWK(dev.jwks()["keys"][0]), algorithms=["RS256"], audience=CLIENT
    )
    assert id_token["iss"] == ISSUER
    assert id_token["sub"] == "hearing-creator"
    assert id_token["nonce"] == "nonce-456"
    assert id_token["name"] == "Henriette Sagsbehandler"


def test_a_code_is_redeemed_once(sign_in: DevSignIn) -> None:
    code = code_for(sign_in)
    sign_in.exchange(token_form(code), NOW)

    replay = oauth_error(lambda: sign_in.exchange(token_form(code), NOW))

    assert replay.body()["error"] == "invalid_grant"


def test_a_code_lives_for_a_minute(sign_in: DevSignIn) -> None:
    fresh, stale = code_for(sign_in), code_for(sign_in)

    assert sign_in.exchange(token_form(fresh), NOW + timedelta(seconds=59))["access_token"]
    assert oauth_error(lambda: sign_in.exchange(token_form(stale), NOW + timedelta(seconds=60))).error == (
        "invalid_grant"
    )


def test_a_wrong_verifier_is_refused_and_spends_the_code(sign_in: DevSignIn) -> None:
    code = code_for(sign_in)

    wrong = oauth_error(lambda: sign_in.exchange(token_form(code, code_verifier="x" * 43), NOW))
    retry = oauth_error(lambda: sign_in.exchange(token_form(code), NOW))

    assert wrong.error == "invalid_grant" and "code_verifier" in wrong.description
    assert retry.error == "invalid_grant"


@pytest.mark.parametrize(
    "changes", [{"client_id": "another-client"}, {"redirect_uri": "http://localhost:5173/elsewhere"}]
)
def test_a_code_is_bound_to_its_client_and_redirect_address(sign_in: DevSignIn, changes: dict[str, str]) -> None:
    code = code_for(sign_in)

    assert oauth_error(lambda: sign_in.exchange(token_form(code, **changes), NOW)).error == "invalid_grant"


def test_an_unknown_code_is_an_invalid_grant(sign_in: DevSignIn) -> None:
    assert oauth_error(lambda: sign_in.exchange(token_form("made-up"), NOW)).error == "invalid_grant"


def test_token_requests_must_be_complete_code_grants(sign_in: DevSignIn) -> None:
    code = code_for(sign_in)
    incomplete = {name: value for name, value in token_form(code).items() if name != "code_verifier"}

    assert oauth_error(lambda: sign_in.exchange(incomplete, NOW)).error == "invalid_request"
    password = token_form(code, grant_type="password")
    assert oauth_error(lambda: sign_in.exchange(password, NOW)).error == "unsupported_grant_type"


def test_pending_codes_are_bounded_and_expired_ones_forgotten(dev: DevIssuer) -> None:
    codes = AuthorizationCodes(capacity=2)
    request = AuthorizationRequest(CLIENT, CALLBACK, CHALLENGE, "openid")
    codes.issue("admin", request, NOW)
    codes.issue("admin", request, NOW)

    assert oauth_error(lambda: codes.issue("admin", request, NOW)).error == "temporarily_unavailable"
    assert codes.issue("admin", request, NOW + timedelta(minutes=2))


# --- the authorization request -------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "http://localhost:5173/callback",
        "http://localhost/callback",
        "http://127.0.0.1:8080/auth/callback?tenant=dev",
        "https://localhost:3000/cb",
        "http://localhost:7071/portal/callback",
    ],
)
def test_loopback_redirect_addresses_are_allowed(sign_in: DevSignIn, uri: str) -> None:
    assert sign_in.redirect_allowed(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "https://evil.example/callback",
        "http://localhost.evil.example/callback",
        "http://localhost@evil.example/callback",
        "http://evil.example\\@localhost/callback",
        "http://localhost:5173/callback#fragment",
        "javascript:alert(1)//localhost",
        "//localhost/callback",
        "/callback",
        "http://localhost:99999/callback",
        "http://127.0.0.1.nip.io/callback",
        "http://localhost:5173/call back",
        "ftp://localhost/callback",
    ],
)
def test_other_redirect_addresses_are_refused(sign_in: DevSignIn, uri: str) -> None:
    assert not sign_in.redirect_allowed(uri)


def test_the_portals_own_origin_is_allowed_and_only_that(key_path: Path) -> None:
    hosted = DevSignIn(DevIssuer(key_path, "https://portal.example/api/dev", AUDIENCE), AuthorizationCodes())

    assert hosted.redirect_allowed("https://portal.example/callback")
    assert hosted.redirect_allowed("https://portal.example:443/app/callback")
    assert not hosted.redirect_allowed("http://portal.example/callback")
    assert not hosted.redirect_allowed("https://portal.example:8443/callback")
    assert not hosted.redirect_allowed("https://other.portal.example/callback")


def test_a_bad_redirect_address_is_told_to_the_person_not_the_address(sign_in: DevSignIn) -> None:
    with pytest.raises(AuthorizationError) as caught:
        sign_in.authorization_request(authorize_params(redirect_uri="https://evil.example/cb"))

    assert caught.value.redirect() is None


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain", "code_challenge": VERIFIER}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
    ],
)
def test_other_bad_requests_go_back_to_the_client_with_the_state(
    sign_in: DevSignIn, changes: dict[str, str | None], error: str
) -> None:
    with pytest.raises(AuthorizationError) as caught:
        sign_in.authorization_request(authorize_params(**changes))

    location = caught.value.redirect()
    assert location is not None and location.startswith(CALLBACK + "?")
    assert query_of(location)["error"] == error
    assert query_of(location)["state"] == "state-123"


def test_the_chooser_page_offers_every_persona_and_escapes_what_the_client_sent(sign_in: DevSignIn) -> None:
    hostile = '"><script>alert(1)</script>'
    page = sign_in.chooser_page(sign_in.authorization_request(authorize_params(state=hostile)))

    for persona in ("citizen-anna", "citizen-bo", "company-user", "employee", "hearing-creator", "admin"):
        assert f'name="persona" value="{persona}"' in page
    assert '<form method="post" action="authorize">' in page
    assert f'name="code_challenge" value="{CHALLENGE}"' in page
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_an_unknown_persona_is_refused_and_cancelling_tells_the_client(sign_in: DevSignIn) -> None:
    request = sign_in.authorization_request(authorize_params())

    with pytest.raises(AuthorizationError) as caught:
        sign_in.approve(request, "mallory", NOW)
    cancelled = query_of(sign_in.deny(request))

    assert caught.value.error == "invalid_request"
    assert cancelled == {"error": "access_denied", "error_description": "sign-in was cancelled", "state": "state-123"}


def test_a_form_with_a_repeated_field_is_refused() -> None:
    assert form_fields(b"a=1&b=two+words&c=") == {"a": "1", "b": "two words", "c": ""}
    assert oauth_error(lambda: form_fields(b"code=1&code=2")).error == "invalid_request"
    assert oauth_error(lambda: form_fields(b"\xff\xfe")).error == "invalid_request"


# --- the HTTP functions ----------------------------------------------------------------------------


def handler(name: str) -> Callable[[func.HttpRequest], func.HttpResponse]:
    builder = getattr(dev_login, name)
    user_function: Callable[[func.HttpRequest], func.HttpResponse] = builder.build(
        func.AuthLevel.ANONYMOUS
    ).get_user_function()
    return user_function


def install(dev_issuer: DevIssuer | None, monkeypatch: pytest.MonkeyPatch) -> None:
    # The sign-in endpoints need nothing from the composition root but the issuer.
    monkeypatch.setattr(dev_login, "_issuer", dev_issuer)


@pytest.fixture
def enabled(dev: DevIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    install(dev, monkeypatch)


def call(
    name: str, method: str = "GET", params: dict[str, str] | None = None, body: bytes = b"", content_type: str = ""
) -> func.HttpResponse:
    headers = {"content-type": content_type} if content_type else {}
    request = func.HttpRequest(method, f"{ISSUER}/x", headers=headers, params=params or {}, route_params={}, body=body)
    return handler(name)(request)


def test_discovery_and_keys_can_be_read_from_any_origin(enabled: None, dev: DevIssuer) -> None:
    discovery = call("dev_discovery")
    keys = call("dev_jwks")

    assert json.loads(discovery.get_body())["issuer"] == ISSUER
    assert json.loads(keys.get_body()) == dev.jwks()
    assert discovery.headers["Access-Control-Allow-Origin"] == keys.headers["Access-Control-Allow-Origin"] == "*"


def test_the_authorization_endpoint_shows_a_page_that_cannot_be_framed(enabled: None) -> None:
    page = call("dev_authorize_page", params=authorize_params())
    refused = call("dev_authorize_page", params=authorize_params(redirect_uri="https://evil.example/cb"))

    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert refused.status_code == 400 and "Location" not in refused.headers
    assert "redirect_uri" in refused.get_body().decode()


def test_the_code_flow_through_the_functions(enabled: None) -> None:
    chosen = call(
        "dev_authorize_choice",
        "POST",
        body=urlencode({**authorize_params(), "persona": "citizen-anna"}).encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert chosen.status_code == 302
    code = query_of(chosen.headers["Location"])["code"]
    form = urlencode(token_form(code)).encode()

    first = call("dev_token", "POST", body=form, content_type="application/x-www-form-urlencoded; charset=utf-8")
    second = call("dev_token", "POST", body=form, content_type="application/x-www-form-urlencoded")

    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    assert {"access_token", "id_token", "token_type", "expires_in"} <= set(json.loads(first.get_body()))
    assert second.status_code == 400
    assert json.loads(second.get_body())["error"] == "invalid_grant"


def test_a_json_body_is_the_shortcut_for_tests_and_scripts(enabled: None) -> None:
    answer = call("dev_token", "POST", body=b'{"persona": "admin"}', content_type="application/json")
    unknown = call("dev_token", "POST", body=b'{"persona": "mallory"}', content_type="application/json")
    curl_style = call(
        "dev_token", "POST", body=b'{"persona": "admin"}', content_type="application/x-www-form-urlencoded"
    )

    assert answer.status_code == curl_style.status_code == 200
    body: dict[str, Any] = json.loads(answer.get_body())
    assert body["tokenType"] == "Bearer" and body["accessToken"].count(".") == 2
    assert unknown.status_code == 422


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("dev_discovery", "GET"),
        ("dev_jwks", "GET"),
        ("dev_personas", "GET"),
        ("dev_authorize_page", "GET"),
        ("dev_authorize_choice", "POST"),
        ("dev_token", "POST"),
    ],
)
def test_every_endpoint_is_not_found_without_the_development_issuer(
    monkeypatch: pytest.MonkeyPatch, name: str, method: str
) -> None:
    install(None, monkeypatch)

    answer = call(
        name, method, params=authorize_params(), body=b'{"persona": "admin"}', content_type="application/json"
    )

    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"
