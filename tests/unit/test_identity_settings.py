"""Which logins the portal trusts comes from its settings: Entra ID, a MitID broker, the development issuer."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared import bootstrap
from shared.adapters import jwt_validator
from shared.domain.identity import IdentityKind, Role
from shared.ports.identity import InvalidToken, TokenValidator
from shared.settings import Environment, Settings

TENANT = "0d1f6a4e-5b7c-4e55-9a35-2b1f0c9e7a11"
OTHER_TENANT = "f3a1c2d4-0000-4000-8000-000000000002"
CLIENT_ID = "6e8d2c1a-3b4f-4c5d-8e9f-0a1b2c3d4e5f"
APP_ID_URI = "api://hearing-portal"
ENTRA_ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
ENTRA_KEYS = f"https://login.microsoftonline.com/{TENANT}/discovery/v2.0/keys"
BROKER_ISSUER = "https://broker.example/oidc"
BROKER_AUDIENCE = "hearing-portal-citizens"
ANNA_CPR = "0101901234"


class Key:
    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public: dict[str, Any] = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        # As Entra publishes them: no "alg" in the key.
        self.jwks = {"keys": [{**public, "kid": kid, "use": "sig"}]}

    def sign(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        return jwt.encode(
            {"iat": now, "nbf": now, "exp": now + 600, **claims}, self.private, "RS256", {"kid": self.kid}
        )


@pytest.fixture(scope="module")
def entra_key() -> Key:
    return Key("entra-key-1")


@pytest.fixture(scope="module")
def broker_key() -> Key:
    return Key("broker-key-1")


@pytest.fixture
def entra_jwks(monkeypatch: pytest.MonkeyPatch, entra_key: Key) -> list[str]:
    """Serves the Entra key set without a network; returns the addresses it was fetched from."""
    fetched: list[str] = []

    def fetch(client: jwt.PyJWKClient) -> dict[str, Any]:
        fetched.append(client.uri)
        return entra_key.jwks

    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", fetch)
    monkeypatch.setattr(jwt_validator, "_remote_clients", {})
    return fetched


def validator_for(env: dict[str, str]) -> TokenValidator:
    return bootstrap._tokens(Settings.from_environment(env))


def entra_env() -> dict[str, str]:
    return {"PORTAL_ENTRA_TENANT_ID": TENANT, "PORTAL_ENTRA_AUDIENCE": f"{APP_ID_URI}, {CLIENT_ID}"}


def broker_env(broker_key: Key, **extra: str) -> dict[str, str]:
    return {
        "PORTAL_BROKER_ISSUER": BROKER_ISSUER,
        "PORTAL_BROKER_AUDIENCE": BROKER_AUDIENCE,
        "PORTAL_BROKER_JWKS": json.dumps(broker_key.jwks),
        **extra,
    }


def entra_claims(**extra: Any) -> dict[str, Any]:
    return {
        "iss": ENTRA_ISSUER,
        "aud": CLIENT_ID,
        "tid": TENANT,
        "oid": "8f0e6c52-0c7a-4a0e-9d1b-7a1b2c3d4e5f",
        "sub": "pairwise-subject-for-this-app",
        "scp": "access_as_user",
        "name": "Henriette Sagsbehandler",
        "preferred_username": "henriette@kommune.example",
        "roles": ["HearingCreator"],
        **extra,
    }


def refusal(validator: TokenValidator, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        validator.validate(token)
    return str(caught.value)


# --- Entra ID -------------------------------------------------------------------------------------


def test_entra_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_environment(entra_env())

    assert settings.entra_tenant_id == TENANT
    assert settings.entra_audiences == (APP_ID_URI, CLIENT_ID)
    assert settings.trusts_entra and not settings.trusts_broker


def test_an_employee_signs_in_with_an_entra_access_token(entra_key: Key, entra_jwks: list[str]) -> None:
    validator = validator_for(entra_env())

    identity = validator.validate(entra_key.sign(entra_claims()))

    assert identity.kind is IdentityKind.EMPLOYEE
    assert identity.subject == "entra:8f0e6c52-0c7a-4a0e-9d1b-7a1b2c3d4e5f"  # oid, the same in every app
    assert identity.email == "henriette@kommune.example"
    assert identity.roles == frozenset({Role.HEARING_CREATOR})
    assert identity.name == "Henriette Sagsbehandler"
    assert entra_jwks == [ENTRA_KEYS]


def test_entra_tokens_for_the_app_id_uri_are_accepted_and_email_is_a_fallback(
    entra_key: Key, entra_jwks: list[str]
) -> None:
    validator = validator_for(entra_env())
    claims = entra_claims(aud=APP_ID_URI, roles=["Admin"], email="ada@kommune.example")
    del claims["preferred_username"]

    identity = validator.validate(entra_key.sign(claims))

    assert identity.email == "ada@kommune.example"
    assert identity.is_admin


def test_the_entra_key_set_is_fetched_once_for_many_invocations(entra_key: Key, entra_jwks: list[str]) -> None:
    for _ in range(3):
        validator_for(entra_env()).validate(entra_key.sign(entra_claims()))

    assert entra_jwks == [ENTRA_KEYS]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"scp": None}, "not a person's token"),  # an application's own token, even with app roles
        ({"acct": 1}, "guest accounts are not employees"),  # a B2B guest in the tenant
        ({"aud": "api://another-app"}, "wrong audience"),
        ({"iss": f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"}, "untrusted issuer"),
        ({"iss": f"https://sts.windows.net/{TENANT}/"}, "untrusted issuer"),  # v1.0 tokens are not accepted
    ],
)
def test_other_entra_tokens_are_refused(
    entra_key: Key, entra_jwks: list[str], changes: dict[str, Any], reason: str
) -> None:
    claims = {name: value for name, value in {**entra_claims(), **changes}.items() if value is not None}

    assert refusal(validator_for(entra_env()), entra_key.sign(claims)) == reason


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORTAL_ENTRA_TENANT_ID": "contoso.onmicrosoft.com", "PORTAL_ENTRA_AUDIENCE": APP_ID_URI}, "GUID"),
        ({"PORTAL_ENTRA_TENANT_ID": TENANT}, "PORTAL_ENTRA_AUDIENCE"),
        ({"PORTAL_ENTRA_AUDIENCE": APP_ID_URI}, "PORTAL_ENTRA_TENANT_ID"),
    ],
)
def test_incomplete_entra_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_environment(env)


# --- a MitID broker --------------------------------------------------------------------------------


def test_a_brokers_claim_names_come_from_the_settings(broker_key: Key) -> None:
    mapping = {"cpr": "cprNumberIdentifier", "cvr": "cvrNumberIdentifier", "company_name": "organizationName"}
    validator = validator_for(broker_env(broker_key, PORTAL_BROKER_CLAIMS=json.dumps(mapping)))
    base = {"iss": BROKER_ISSUER, "aud": BROKER_AUDIENCE}

    citizen = validator.validate(
        broker_key.sign(
            {**base, "sub": "c-1", "name": "Anna Jensen", "cprNumberIdentifier": ANNA_CPR, "roles": ["Admin"]}
        )
    )
    company = validator.validate(
        broker_key.sign(
            {
                **base,
                "sub": "c-2",
                "name": "Karin Holm",
                "cvrNumberIdentifier": "39162571",
                "organizationName": "Holm & Co ApS",
            }
        )
    )

    assert (citizen.kind, citizen.subject, citizen.cpr) == (IdentityKind.CITIZEN, "mitid:c-1", ANNA_CPR)
    assert citizen.roles == frozenset() and not citizen.is_admin  # a broker cannot make anyone an admin
    assert (company.kind, company.cvr, company.company_name) == (IdentityKind.COMPANY, "39162571", "Holm & Co ApS")


def test_the_default_broker_claims_are_nemlog_ins(broker_key: Key) -> None:
    validator = validator_for(broker_env(broker_key))
    token = broker_key.sign(
        {"iss": BROKER_ISSUER, "aud": BROKER_AUDIENCE, "sub": "c-3", "name": "Bo", "nemlogin.cpr": "1502851234"}
    )

    assert validator.validate(token).cpr == "1502851234"


def test_an_unknown_claim_mapping_field_stops_the_start(broker_key: Key) -> None:
    with pytest.raises(ValueError, match="claim mapping") as caught:
        validator_for(broker_env(broker_key, PORTAL_BROKER_CLAIMS='{"social_security": "ssn"}'))

    assert "social_security" in str(caught.value)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"PORTAL_BROKER_CLAIMS": "{cpr: cprNumberIdentifier}"}, "PORTAL_BROKER_CLAIMS is not valid JSON"),
        ({"PORTAL_BROKER_CLAIMS": '["cpr"]'}, "PORTAL_BROKER_CLAIMS must be a JSON object"),
        ({"PORTAL_BROKER_JWKS_URI": "https://broker.example/jwks"}, "exactly one of"),
        ({"PORTAL_BROKER_AUDIENCE": ""}, "PORTAL_BROKER_AUDIENCE"),
    ],
)
def test_broken_broker_settings_are_refused(broker_key: Key, extra: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_environment(broker_env(broker_key, **extra))


def test_a_broker_without_a_jwks_is_not_trusted_half_way() -> None:
    with pytest.raises(ValueError, match="exactly one of"):
        Settings.from_environment({"PORTAL_BROKER_ISSUER": BROKER_ISSUER, "PORTAL_BROKER_AUDIENCE": BROKER_AUDIENCE})


# --- production -----------------------------------------------------------------------------------


def test_production_cannot_enable_the_development_issuer() -> None:
    with pytest.raises(ValueError, match="development token issuer"):
        Settings(environment=Environment.PRODUCTION, dev_issuer=True)
    with pytest.raises(ValueError, match="development token issuer"):
        Settings(
            environment=Environment.PRODUCTION,
            dev_issuer=True,
            entra_tenant_id=TENANT,
            entra_audiences=(APP_ID_URI,),
        )


AZURE_ADAPTERS = {
    "PORTAL_DOCUMENT_STORE": "cosmos",
    "COSMOS_ENDPOINT": "https://hearings.documents.azure.com:443/",
    "PORTAL_MESSAGE_BUS": "servicebus",
    "ServiceBusConnection__fullyQualifiedNamespace": "hearings.servicebus.windows.net",
    "AzureWebJobsStorage__blobServiceUri": "https://hearings.blob.core.windows.net/",
}


def test_production_without_any_trusted_issuer_does_not_start() -> None:
    with pytest.raises(ValueError, match="production trusts no token issuer"):
        Settings(environment=Environment.PRODUCTION)
    with pytest.raises(ValueError, match="production trusts no token issuer"):
        Settings.from_environment({**AZURE_ADAPTERS, "WEBSITE_INSTANCE_ID": "abc"})  # deployed apps are production


def test_production_with_entra_or_a_broker_starts(broker_key: Key) -> None:
    entra = Settings.from_environment({"PORTAL_ENVIRONMENT": "production", **entra_env()})
    broker = Settings.from_environment({"PORTAL_ENVIRONMENT": "production", **broker_env(broker_key)})

    assert entra.trusts_entra and broker.trusts_broker


def test_production_fetches_broker_keys_over_https_only() -> None:
    with pytest.raises(ValueError, match="https"):
        Settings.from_environment(
            {
                "PORTAL_ENVIRONMENT": "production",
                "PORTAL_BROKER_ISSUER": BROKER_ISSUER,
                "PORTAL_BROKER_AUDIENCE": BROKER_AUDIENCE,
                "PORTAL_BROKER_JWKS_URI": "http://broker.example/jwks",
            }
        )


def test_development_trusts_only_the_development_issuer_by_default() -> None:
    settings = Settings.from_environment({})

    assert not settings.trusts_entra and not settings.trusts_broker
    assert refusal(bootstrap._tokens(settings), Key("k").sign({"iss": ENTRA_ISSUER})) == "untrusted issuer"


# --- e-mail through Graph -------------------------------------------------------------------------


def test_the_graph_mailer_needs_its_credentials_and_a_sender() -> None:
    with pytest.raises(ValueError, match="PORTAL_GRAPH_CLIENT_SECRET, PORTAL_MAIL_SENDER"):
        Settings.from_environment(
            {"PORTAL_MAILER": "graph", "PORTAL_GRAPH_TENANT_ID": TENANT, "PORTAL_GRAPH_CLIENT_ID": CLIENT_ID}
        )


def test_the_graph_client_secret_is_never_shown() -> None:
    settings = Settings.from_environment(
        {
            "PORTAL_MAILER": "graph",
            "PORTAL_GRAPH_TENANT_ID": TENANT,
            "PORTAL_GRAPH_CLIENT_ID": CLIENT_ID,
            "PORTAL_GRAPH_CLIENT_SECRET": "very-secret-value",
            "PORTAL_MAIL_SENDER": "hoeringer@kommune.example",
        }
    )

    assert settings.graph_client_secret is not None
    assert settings.graph_client_secret.get_secret_value() == "very-secret-value"
    assert "very-secret-value" not in repr(settings) and "very-secret-value" not in str(settings)
