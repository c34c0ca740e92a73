"""The local development issuer: real signed tokens for fictitious people, never in production."""

from __future__ import annotations

import base64
import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from local_host.dev_identity.issuer import DevIssuer, thumbprint
from local_host.dev_identity.personas import PERSONAS
from shared.adapters.jwt_validator import JwtValidator
from shared.domain.danish_ids import is_valid_cvr, normalise_cpr
from shared.domain.identity import IdentityKind
from shared.ports.identity import InvalidToken
from shared.settings import Environment, Settings

ISSUER = "http://localhost:7071/api/dev"
AUDIENCE = "api://hearing-portal"


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dev-issuer")


@pytest.fixture(scope="module")
def issuer(key_dir: Path) -> DevIssuer:
    return DevIssuer(key_dir / "dev-issuer-key.pem", ISSUER, AUDIENCE)


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def test_tokens_survive_a_restart(issuer: DevIssuer, key_dir: Path) -> None:
    token = issuer.issue("citizen-anna", datetime.now(UTC))

    restarted = DevIssuer(key_dir / "dev-issuer-key.pem", ISSUER, AUDIENCE)

    assert restarted.jwks() == issuer.jwks()
    assert JwtValidator([restarted.trusted_issuer()]).validate(token).subject == "dev:citizen-anna"


def test_another_key_file_means_another_key(issuer: DevIssuer, tmp_path: Path) -> None:
    other = DevIssuer(tmp_path / "elsewhere" / "key.pem", ISSUER, AUDIENCE)
    token = other.issue("admin", datetime.now(UTC))

    assert other.kid != issuer.kid
    with pytest.raises(InvalidToken):
        JwtValidator([issuer.trusted_issuer()]).validate(token)


def test_issuers_starting_together_share_one_key(tmp_path: Path) -> None:
    issuers = [DevIssuer(tmp_path / "dev-issuer-key.pem", ISSUER, AUDIENCE) for _ in range(4)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        kids = set(pool.map(lambda issuer: issuer.kid, issuers))

    assert len(kids) == 1
    assert [path.name for path in tmp_path.iterdir()] == ["dev-issuer-key.pem"]


def test_key_file_is_pem_and_only_readable_by_its_owner(issuer: DevIssuer) -> None:
    issuer.jwks()

    assert issuer.key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    if os.name == "posix":
        assert issuer.key_path.stat().st_mode & 0o777 == 0o600
    assert [path.name for path in issuer.key_path.parent.iterdir()] == [issuer.key_path.name]


def test_jwks_publishes_only_the_public_key_with_its_thumbprint_as_kid(issuer: DevIssuer) -> None:
    (key,) = issuer.jwks()["keys"]

    assert set(key) == {"kty", "n", "e", "kid", "use", "alg"}
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert key["kid"] == thumbprint(key) == issuer.kid
    assert len(base64.urlsafe_b64decode(key["n"] + "==")) * 8 == 2048


def test_thumbprint_matches_rfc_7638_example() -> None:
    # The example key of RFC 7638, section 3.1.
    key = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
        "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQ"
        "MicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcR"
        "wr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }

    assert thumbprint(key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_issued_tokens_look_like_a_brokers(issuer: DevIssuer) -> None:
    now = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)

    token = issuer.issue("company-user", now, lifetime=timedelta(hours=1))
    claims = claims_of(token)

    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT", "kid": issuer.kid}
    assert claims["iss"] == ISSUER and claims["aud"] == AUDIENCE and claims["sub"] == "company-user"
    assert claims["iat"] == claims["nbf"] == int(now.timestamp())
    assert claims["exp"] == int(now.timestamp()) + 3600
    assert claims["name"] == "Karin Holm"
    assert claims["idp"] == "mitid-erhverv"
    assert claims["nemlogin.org_name"] == "Holm & Co ApS"
    assert is_valid_cvr(claims["nemlogin.cvr"])
    assert "nemlogin.cpr" not in claims


def test_citizens_carry_a_cpr_and_employees_an_email_and_roles(issuer: DevIssuer) -> None:
    now = datetime.now(UTC)
    anna = claims_of(issuer.issue("citizen-anna", now))
    admin = claims_of(issuer.issue("admin", now))

    assert anna["idp"] == "mitid" and normalise_cpr(anna["nemlogin.cpr"]) == "0101901234"
    assert admin["idp"] == "entra" and admin["roles"] == ["Admin"] and admin["email"].endswith(".example")


def test_unknown_persona_is_a_key_error(issuer: DevIssuer) -> None:
    with pytest.raises(KeyError):
        issuer.issue("mallory", datetime.now(UTC))


def test_naive_time_and_non_positive_lifetime_are_refused(issuer: DevIssuer) -> None:
    with pytest.raises(ValueError):
        issuer.issue("admin", datetime(2030, 1, 1))
    with pytest.raises(ValueError):
        issuer.issue("admin", datetime.now(UTC), lifetime=timedelta())


def test_personas_are_listed_with_distinct_ids(issuer: DevIssuer) -> None:
    ids = [persona.id for persona in issuer.personas()]

    assert ids == ["citizen-anna", "citizen-bo", "company-user", "employee", "hearing-creator", "admin"]
    assert all(persona.label and persona.description for persona in PERSONAS)


def test_every_persona_signs_in(issuer: DevIssuer) -> None:
    validator = JwtValidator([issuer.trusted_issuer()])
    kinds = {persona.id: validator.validate(issuer.issue(persona.id, datetime.now(UTC))).kind for persona in PERSONAS}

    assert kinds == {
        "citizen-anna": IdentityKind.CITIZEN,
        "citizen-bo": IdentityKind.CITIZEN,
        "company-user": IdentityKind.COMPANY,
        "employee": IdentityKind.EMPLOYEE,
        "hearing-creator": IdentityKind.EMPLOYEE,
        "admin": IdentityKind.EMPLOYEE,
    }


def test_for_settings_derives_issuer_audience_and_key_file(tmp_path: Path) -> None:
    settings = Settings(public_base_url="http://localhost:7071/", token_audience="api://portal-dev", dev_issuer=True)

    issuer = DevIssuer.for_settings(settings, tmp_path)

    assert issuer.issuer == "http://localhost:7071/api/dev"
    assert issuer.audience == "api://portal-dev"
    assert issuer.key_path == tmp_path / "dev-issuer-key.pem"
    assert not issuer.key_path.exists()  # the key is made on first use, not before


def test_for_settings_refuses_production(tmp_path: Path) -> None:
    production = Settings(
        environment=Environment.PRODUCTION,
        entra_tenant_id="00000000-0000-0000-0000-000000000001",
        entra_audiences=("api://hearing-portal",),
    )
    forced_on = Settings.model_construct(environment=Environment.PRODUCTION, dev_issuer=True)

    for settings in (production, forced_on):
        with pytest.raises(RuntimeError):
            DevIssuer.for_settings(settings, tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- Danish numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [("0101901234", "0101901234"), ("010190-1234", "0101901234"), (" 2902004321 ", "2902004321")],
)
def test_cpr_numbers_are_normalised(written: str, normalised: str) -> None:
    assert normalise_cpr(written) == normalised


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "010190123",
        "01019012345",
        "0101901234x",
        "010190--1234",
        "3213901234",
        "0013901234",
        "2902011234",
        "٠١٠١٩٠١٢٣٤",
    ],
)
def test_malformed_cpr_numbers_are_refused_without_repeating_them(bad: str) -> None:
    with pytest.raises(ValueError) as caught:
        normalise_cpr(bad)
    assert not bad.strip() or bad.strip() not in str(caught.value)


def test_cpr_numbers_are_not_held_to_modulus_11() -> None:
    # 0101909995 fails the old modulus-11 rule; numbers issued since 2007 need not pass it.
    assert normalise_cpr("0101909995") == "0101909995"


@pytest.mark.parametrize("good", ["39162571", "12345674", "29384711"])
def test_valid_cvr_numbers_pass(good: str) -> None:
    assert is_valid_cvr(good)


@pytest.mark.parametrize(
    "bad", ["39162572", "1234567", "123456740", "0000000000", "00000000", "1234 567", "", "٣٩١٦٢٥٧١"]
)
def test_invalid_cvr_numbers_fail(bad: str) -> None:
    assert not is_valid_cvr(bad)
