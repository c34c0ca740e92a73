"""Bearer tokens: who a genuine token says you are, and every way a forged or stale one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm

from local_host.dev_identity.issuer import DevIssuer, thumbprint
from shared.adapters import jwt_validator
from shared.adapters.jwt_validator import ClaimMapping, JwtValidator, TrustedIssuer
from shared.domain.identity import Identity, IdentityKind, Role
from shared.ports.identity import InvalidToken

DEV_ISSUER = "http://localhost:7071/api/dev"
AUDIENCE = "api://hearing-portal"
ENTRA_ISSUER = "https://login.microsoftonline.com/tenant-id/v2.0"
BROKER_ISSUER = "https://broker.example/oidc"
ANNA_CPR = "0101901234"


class SigningKey:
    """An RSA key of an issuer under test, and a way to sign arbitrary claims with it."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        self.kid = thumbprint(jwk)
        self.jwks = {"keys": [{**jwk, "kid": self.kid, "use": "sig"}]}

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, Any], kid: str | None = None, algorithm: str = "RS256") -> str:
        return jwt.encode(claims, self.key, algorithm=algorithm, headers={"kid": kid or self.kid})


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("dev") / "key.pem", DEV_ISSUER, AUDIENCE)


@pytest.fixture(scope="module")
def dev_key(dev: DevIssuer) -> SigningKey:
    dev.jwks()  # creates the key file
    key = serialization.load_pem_private_key(dev.key_path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return SigningKey(key)


@pytest.fixture(scope="module")
def entra_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def broker_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def validator(dev: DevIssuer, entra_key: SigningKey, broker_key: SigningKey) -> JwtValidator:
    return JwtValidator(
        [
            dev.trusted_issuer(),
            TrustedIssuer(
                name="entra",
                issuer=ENTRA_ISSUER,
                audience=AUDIENCE,
                jwks=entra_key.jwks,
                mapping=ClaimMapping(kind="entra", email="preferred_username"),
            ),
            TrustedIssuer(
                name="mitid",
                issuer=BROKER_ISSUER,
                audience=AUDIENCE,
                jwks=broker_key.jwks,
                mapping=ClaimMapping(kind="broker"),
            ),
        ]
    )


def now() -> datetime:
    return datetime.now(UTC)


def claims_for(issuer: str, **extra: Any) -> dict[str, Any]:
    issued = int(now().timestamp())
    return {"iss": issuer, "aud": AUDIENCE, "sub": "person-1", "iat": issued, "exp": issued + 600, **extra}


def refusal(validator: JwtValidator, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        validator.validate(token)
    return str(caught.value)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}.{b64(signature)}"


# --- who a genuine token says you are ---------------------------------------------------------


@pytest.mark.parametrize(
    ("persona_id", "kind", "cpr", "cvr", "company_name", "roles"),
    [
        ("citizen-anna", IdentityKind.CITIZEN, ANNA_CPR, None, None, frozenset()),
        ("citizen-bo", IdentityKind.CITIZEN, "1502851234", None, None, frozenset()),
        ("company-user", IdentityKind.COMPANY, None, "39162571", "Holm & Co ApS", frozenset()),
        ("employee", IdentityKind.EMPLOYEE, None, None, None, frozenset()),
        ("hearing-creator", IdentityKind.EMPLOYEE, None, None, None, frozenset({Role.HEARING_CREATOR})),
        ("admin", IdentityKind.EMPLOYEE, None, None, None, frozenset({Role.ADMIN})),
    ],
)
def test_every_dev_persona_maps_to_the_right_identity(
    validator: JwtValidator,
    dev: DevIssuer,
    persona_id: str,
    kind: IdentityKind,
    cpr: str | None,
    cvr: str | None,
    company_name: str | None,
    roles: frozenset[Role],
) -> None:
    identity = validator.validate(dev.issue(persona_id, now()))

    assert identity.subject == f"dev:{persona_id}"
    assert identity.kind is kind
    assert identity.cpr == cpr
    assert identity.cvr == cvr
    assert identity.company_name == company_name
    assert identity.roles == roles
    assert identity.name


def test_employee_personas_have_email_and_the_permissions_their_roles_give(
    validator: JwtValidator, dev: DevIssuer
) -> None:
    employee = validator.validate(dev.issue("employee", now()))
    creator = validator.validate(dev.issue("hearing-creator", now()))
    admin = validator.validate(dev.issue("admin", now()))

    assert employee.email == "erik.ansat@kommune.example"
    assert not employee.may_create_hearings and not employee.is_admin
    assert creator.may_create_hearings and not creator.is_admin
    assert admin.is_admin and admin.may_create_hearings


def test_entra_tokens_are_employees_and_unknown_roles_are_ignored(
    validator: JwtValidator, entra_key: SigningKey
) -> None:
    token = entra_key.sign(
        claims_for(ENTRA_ISSUER, name="Eva Entra", preferred_username="eva@kommune.example", roles=["Admin", "Reader"])
    )

    identity = validator.validate(token)

    assert identity.subject == "entra:person-1"
    assert identity.kind is IdentityKind.EMPLOYEE
    assert identity.email == "eva@kommune.example"
    assert identity.roles == frozenset({Role.ADMIN})


def test_broker_tokens_are_citizens_or_companies_and_never_carry_roles(
    validator: JwtValidator, broker_key: SigningKey
) -> None:
    citizen = validator.validate(
        broker_key.sign(
            claims_for(BROKER_ISSUER, name="Carl Borger", roles=["Admin"], **{"nemlogin.cpr": "010190-1234"})
        )
    )
    company = validator.validate(
        broker_key.sign(
            claims_for(
                BROKER_ISSUER,
                sub="person-2",
                name="Karin Holm",
                idp="entra",  # ignored: this issuer is a broker, whatever it claims
                **{"nemlogin.cvr": "39162571", "nemlogin.org_name": "Holm & Co ApS", "nemlogin.cpr": ANNA_CPR},
            )
        )
    )

    assert citizen.subject == "mitid:person-1"
    assert citizen.kind is IdentityKind.CITIZEN
    assert citizen.cpr == ANNA_CPR  # the hyphen form is normalised
    assert citizen.roles == frozenset()
    assert not citizen.is_admin
    assert company.kind is IdentityKind.COMPANY
    assert (company.cvr, company.company_name) == ("39162571", "Holm & Co ApS")
    assert company.cpr is None  # the acting person's CPR number is not kept for a company


def test_nested_claims_can_be_addressed_with_a_dotted_path(broker_key: SigningKey) -> None:
    validator = JwtValidator(
        [
            TrustedIssuer(
                name="mitid",
                issuer=BROKER_ISSUER,
                audience=AUDIENCE,
                jwks=broker_key.jwks,
                mapping=ClaimMapping(kind="broker", cpr="person.cpr"),
            )
        ]
    )

    identity = validator.validate(broker_key.sign(claims_for(BROKER_ISSUER, person={"cpr": ANNA_CPR})))

    assert identity.cpr == ANNA_CPR


def test_tokens_within_the_leeway_are_accepted(validator: JwtValidator, dev: DevIssuer) -> None:
    token = dev.issue("citizen-anna", now() - timedelta(hours=1, seconds=-5), lifetime=timedelta(hours=1))

    assert validator.validate(token).subject == "dev:citizen-anna"


# --- every way a token is refused ---------------------------------------------------------------


def test_alg_none_is_refused(validator: JwtValidator, dev: DevIssuer) -> None:
    token = handmade({"alg": "none", "typ": "JWT", "kid": dev.kid}, claims_for(DEV_ISSUER))

    assert refusal(validator, token) == "algorithm not allowed"


def test_hs256_signed_with_the_public_key_is_refused(validator: JwtValidator, dev_key: SigningKey) -> None:
    header = {"alg": "HS256", "typ": "JWT", "kid": dev_key.kid}
    claims = claims_for(DEV_ISSUER, idp="entra", roles=["Admin"])
    unsigned = handmade(header, claims).rsplit(".", 1)[0]
    signature = hmac.new(dev_key.public_pem, unsigned.encode(), hashlib.sha256).digest()

    assert refusal(validator, f"{unsigned}.{b64(signature)}") == "algorithm not allowed"


def test_expired_token_is_refused(validator: JwtValidator, dev: DevIssuer) -> None:
    token = dev.issue("citizen-anna", now() - timedelta(hours=9))

    assert refusal(validator, token) == "token expired"


def test_token_not_yet_valid_is_refused(validator: JwtValidator, dev_key: SigningKey) -> None:
    token = dev_key.sign(claims_for(DEV_ISSUER, nbf=int((now() + timedelta(hours=1)).timestamp())))

    assert refusal(validator, token) == "token not yet valid"


def test_token_issued_in_the_future_is_refused(validator: JwtValidator, dev: DevIssuer) -> None:
    token = dev.issue("citizen-anna", now() + timedelta(hours=1))

    assert refusal(validator, token) == "token not yet valid"


def test_wrong_issuer_is_refused(validator: JwtValidator, dev_key: SigningKey) -> None:
    token = dev_key.sign(claims_for("http://localhost:7071/api/other"))

    assert refusal(validator, token) == "untrusted issuer"


def test_key_of_one_trusted_issuer_cannot_sign_for_another(validator: JwtValidator, dev_key: SigningKey) -> None:
    token = dev_key.sign(claims_for(ENTRA_ISSUER, roles=["Admin"]))

    assert refusal(validator, token) == "unknown signing key"


def test_wrong_audience_is_refused(validator: JwtValidator, dev_key: SigningKey) -> None:
    token = dev_key.sign({**claims_for(DEV_ISSUER), "aud": "api://another-app"})

    assert refusal(validator, token) == "wrong audience"


def test_unknown_kid_is_refused(validator: JwtValidator, dev_key: SigningKey) -> None:
    token = dev_key.sign(claims_for(DEV_ISSUER), kid="some-other-key")

    assert refusal(validator, token) == "unknown signing key"


def test_missing_kid_is_refused(validator: JwtValidator, dev_key: SigningKey) -> None:
    token = jwt.encode(claims_for(DEV_ISSUER), dev_key.key, algorithm="RS256")

    assert refusal(validator, token) == "missing key id"


def test_tampered_payload_is_refused(validator: JwtValidator, dev: DevIssuer) -> None:
    header, _, signature = dev.issue("employee", now()).split(".")
    forged_claims = {**claims_for(DEV_ISSUER), "sub": "employee", "idp": "entra", "roles": ["Admin"]}
    forged = f"{header}.{b64(json.dumps(forged_claims).encode())}.{signature}"

    assert refusal(validator, forged) == "bad signature"


def test_token_without_sub_is_refused(validator: JwtValidator, dev_key: SigningKey) -> None:
    claims = claims_for(DEV_ISSUER)
    del claims["sub"]

    assert refusal(validator, dev_key.sign(claims)) == "missing required claim"


def test_token_without_exp_is_refused(validator: JwtValidator, dev_key: SigningKey) -> None:
    claims = claims_for(DEV_ISSUER)
    del claims["exp"]

    assert refusal(validator, dev_key.sign(claims)) == "missing required claim"


def test_token_from_an_issuer_not_trusted_is_refused(validator: JwtValidator) -> None:
    stranger = SigningKey.generate()

    assert refusal(validator, stranger.sign(claims_for("https://evil.example/"))) == "untrusted issuer"


@pytest.mark.parametrize("garbage", ["", "garbage", "a.b.c", "Bearer x.y.z", "é" * 10, "x" * 100_000])
def test_garbage_is_refused(validator: JwtValidator, garbage: str) -> None:
    assert refusal(validator, garbage) == "malformed token"


def test_company_with_an_invalid_cvr_is_refused(validator: JwtValidator, broker_key: SigningKey) -> None:
    token = broker_key.sign(claims_for(BROKER_ISSUER, **{"nemlogin.cvr": "39162572"}))

    assert refusal(validator, token) == "malformed CVR claim"


def test_a_validator_without_trusted_issuers_refuses_everything(dev: DevIssuer) -> None:
    assert refusal(JwtValidator([]), dev.issue("admin", now())) == "untrusted issuer"


# --- a CPR number never leaks ---------------------------------------------------------------------


def test_identity_text_never_shows_the_cpr_number(validator: JwtValidator, dev: DevIssuer) -> None:
    identity = validator.validate(dev.issue("citizen-anna", now()))

    assert identity.cpr == ANNA_CPR
    for text in (str(identity), repr(identity), f"{identity}", f"{identity!r}"):
        assert ANNA_CPR not in text


def bad_tokens_carrying_a_cpr(dev_key: SigningKey, broker_key: SigningKey) -> Iterator[str]:
    cpr = {"nemlogin.cpr": ANNA_CPR}
    yield dev_key.sign(claims_for(DEV_ISSUER, exp=int((now() - timedelta(hours=1)).timestamp()), **cpr))
    yield dev_key.sign({**claims_for(DEV_ISSUER, **cpr), "aud": "api://other"})
    yield dev_key.sign(claims_for(DEV_ISSUER, **cpr), kid="unknown")
    yield broker_key.sign(claims_for(BROKER_ISSUER, **{"nemlogin.cpr": ANNA_CPR + "9"}))
    yield broker_key.sign(claims_for(BROKER_ISSUER, **{"nemlogin.cpr": "3213901234"}))
    yield broker_key.sign(claims_for(BROKER_ISSUER, name=12345, **cpr))
    yield broker_key.sign(claims_for(BROKER_ISSUER, sub=ANNA_CPR, **{"nemlogin.cvr": ANNA_CPR[:8]}))
    yield handmade({"alg": "none", "kid": dev_key.kid}, claims_for(DEV_ISSUER, **cpr))


def test_refusals_never_mention_the_cpr_number_or_the_token(
    validator: JwtValidator, dev_key: SigningKey, broker_key: SigningKey
) -> None:
    for token in bad_tokens_carrying_a_cpr(dev_key, broker_key):
        with pytest.raises(InvalidToken) as caught:
            validator.validate(token)
        logged = "".join(traceback.format_exception(caught.value))
        assert ANNA_CPR not in logged
        assert ANNA_CPR[:6] not in logged
        assert token.split(".")[1] not in logged


# --- configuration --------------------------------------------------------------------------------


def test_trusted_issuer_refuses_unsafe_configuration(broker_key: SigningKey) -> None:
    base: dict[str, Any] = {
        "name": "mitid",
        "issuer": BROKER_ISSUER,
        "audience": AUDIENCE,
        "mapping": ClaimMapping(),
    }
    with pytest.raises(ValueError):
        TrustedIssuer(**base, jwks=broker_key.jwks, algorithms=("HS256",))
    with pytest.raises(ValueError):
        TrustedIssuer(**base, jwks=broker_key.jwks, algorithms=("none",))
    with pytest.raises(ValueError):
        TrustedIssuer(**base, algorithms=("RS256",))  # no keys at all
    with pytest.raises(ValueError):
        TrustedIssuer(**base, jwks=broker_key.jwks, jwks_uri="https://broker.example/jwks")
    with pytest.raises(ValueError):
        TrustedIssuer(**{**base, "name": "Has:Colon"}, jwks=broker_key.jwks)


def test_the_same_issuer_cannot_be_trusted_twice(dev: DevIssuer) -> None:
    with pytest.raises(ValueError):
        JwtValidator([dev.trusted_issuer(), dev.trusted_issuer()])


def test_remote_jwks_is_fetched_once_and_shared(monkeypatch: pytest.MonkeyPatch, entra_key: SigningKey) -> None:
    fetched: list[str] = []

    def fetch(client: jwt.PyJWKClient) -> dict[str, Any]:
        fetched.append(client.uri)
        return entra_key.jwks

    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", fetch)
    monkeypatch.setattr(jwt_validator, "_remote_clients", {})
    trusted = TrustedIssuer(
        name="entra",
        issuer=ENTRA_ISSUER,
        audience=AUDIENCE,
        jwks_uri="https://login.example/discovery/v2.0/keys",
        mapping=ClaimMapping(kind="entra"),
    )
    first, second = JwtValidator([trusted]), JwtValidator([trusted])

    one: Identity = first.validate(entra_key.sign(claims_for(ENTRA_ISSUER, name="Eva")))
    two: Identity = second.validate(entra_key.sign(claims_for(ENTRA_ISSUER, sub="person-2", name="Olav")))

    assert (one.subject, two.subject) == ("entra:person-1", "entra:person-2")
    assert fetched == ["https://login.example/discovery/v2.0/keys"]
    assert refusal(first, entra_key.sign(claims_for(ENTRA_ISSUER), kid="rotated-away")) == "unknown signing key"


def test_unreachable_remote_jwks_refuses_the_token(monkeypatch: pytest.MonkeyPatch, entra_key: SigningKey) -> None:
    def fetch(client: jwt.PyJWKClient) -> dict[str, Any]:
        raise jwt.PyJWKClientConnectionError("connection refused")

    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", fetch)
    monkeypatch.setattr(jwt_validator, "_remote_clients", {})
    validator = JwtValidator(
        [
            TrustedIssuer(
                name="entra",
                issuer=ENTRA_ISSUER,
                audience=AUDIENCE,
                jwks_uri="https://login.example/keys",
                mapping=ClaimMapping(kind="entra"),
            )
        ]
    )

    assert refusal(validator, entra_key.sign(claims_for(ENTRA_ISSUER))) == "signing keys unavailable"


# -- the segment check: the same verdicts as PyJWT's own -----------------------------------------------

_SEGMENT_BYTES = st.sampled_from(list(b"AZaz09-_=+/!. \x00\xff"))


def _verdict(decode: Any, segment: bytes) -> bytes | str:
    try:
        return bytes(decode(segment, "header"))
    except jwt.DecodeError as error:
        return f"refused: {error}"


@settings(max_examples=3000, deadline=None)
@given(st.lists(_SEGMENT_BYTES, max_size=24).map(bytes) | st.binary(max_size=24))
def test_a_token_segment_is_accepted_or_refused_exactly_as_pyjwt_would(segment: bytes) -> None:
    ours = _verdict(jwt_validator._LinearSegmentJWS._decode_base64url_segment, segment)
    assert ours == _verdict(jwt.PyJWS._decode_base64url_segment, segment)


@pytest.mark.parametrize("segment", [b"!!!!", b"eyJh\n", b"eyJhbGc===", b"eyJhbGciOi=", b"e", b"eyJ\xff", b"ab+/"])
def test_junk_in_a_token_segment_is_refused(segment: bytes) -> None:
    with pytest.raises(jwt.DecodeError):
        jwt_validator._LinearSegmentJWS._decode_base64url_segment(segment, "header")


def test_tokens_are_decoded_with_the_linear_segment_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # A PyJWT upgrade that no longer decodes through ``_jws`` would silently drop our class.
    checked: list[str] = []
    linear = jwt_validator._LinearSegmentJWS._decode_base64url_segment

    def counted(segment: bytes, name: str) -> bytes:
        checked.append(name)
        return linear(segment, name)

    monkeypatch.setattr(jwt_validator._LinearSegmentJWS, "_decode_base64url_segment", staticmethod(counted))
    token = jwt.encode({"sub": "anna"}, "a key of thirty-two bytes or more!", algorithm="HS256")
    assert jwt_validator._DECODER.decode(token, options={"verify_signature": False}) == {"sub": "anna"}
    assert checked == ["header", "payload", "crypto"]
