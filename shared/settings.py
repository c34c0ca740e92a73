"""Settings from the environment (app settings in Azure, local.settings.json Values locally)."""

from __future__ import annotations

import json
import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, model_validator

# Azurite's well-known development account; public by design, useless outside a developer machine.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZURITE_PORT = 10000


def azurite_connection_string(port: int = AZURITE_PORT) -> str:
    """Azurite's development account on ``port`` of this machine ("UseDevelopmentStorage=true" is port 10000)."""
    return (
        "DefaultEndpointsProtocol=http;"
        f"AccountName={AZURITE_ACCOUNT};"
        f"AccountKey={AZURITE_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
    )


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseModel):
    environment: Environment = Environment.DEVELOPMENT
    hosted_in_azure: bool = False  # set by the Functions host in Azure, not by configuration
    data_dir: Path = Path(".data")
    public_base_url: str = "http://localhost:7071"
    web_base_url: str | None = None  # the web front end, for links in notifications

    document_store: str = Field(default="sqlite", pattern="^(sqlite|cosmos)$")
    cosmos_endpoint: str | None = None
    # Secrets are kept out of repr(), so a logged Settings shows none of them.
    cosmos_key: str | None = Field(default=None, repr=False)  # omit to use the managed identity
    cosmos_database: str = "hearings"

    message_bus: str = Field(default="local", pattern="^(local|servicebus)$")
    servicebus_namespace: str | None = None  # fully qualified, for the managed identity
    servicebus_connection_string: str | None = Field(default=None, repr=False)
    # Local queue behaviour, mirroring the Service Bus queue settings in infra/.
    queue_lock_seconds: float = Field(default=60, gt=0)
    # Service Bus hands a failed message back at once, so by default the local queue does too.
    queue_backoff_seconds: float = Field(default=0, ge=0)
    queue_max_deliveries: int = Field(default=5, ge=1)

    storage_connection_string: str = Field(default="UseDevelopmentStorage=true", repr=False)
    blob_endpoint: str | None = None  # for the managed identity in Azure

    dev_issuer: bool = False
    adjustable_clock: bool = False

    # Trusted token issuers beside the development issuer; one left unset is not trusted. Production
    # refuses to start without any: nobody could sign in, and that should show at deployment.
    token_audience: str = "api://hearing-portal"  # the audience of the development issuer's tokens
    entra_tenant_id: str | None = None  # the tenant's GUID, as in the v2.0 issuer
    entra_audiences: tuple[str, ...] = ()  # the API's application id URI and/or client id
    broker_name: str = "mitid"  # prefixes subjects; changing it changes everyone's subject
    broker_issuer: str | None = None
    broker_audience: str | None = None
    broker_jwks_uri: str | None = None
    broker_jwks: dict[str, Any] | None = None  # inline key set, for a broker that publishes none
    broker_claims: dict[str, Any] = Field(default_factory=dict)  # overrides the default claim names
    broker_algorithms: tuple[str, ...] = ("RS256",)

    # Notifications: the local outbox, or e-mail through Microsoft Graph with the app's own identity.
    mailer: str = Field(default="local", pattern="^(local|graph)$")
    graph_tenant_id: str | None = None
    graph_client_id: str | None = None
    graph_client_secret: SecretStr | None = None  # a Key Vault reference in Azure
    mail_sender: str | None = None  # the mailbox the portal sends from

    max_upload_bytes: int = 25 * 1024 * 1024

    # Base64 of 32 random bytes (a Key Vault reference in Azure): seals CPR numbers and e-mail
    # addresses and keys their look-up hashes. Development keeps a generated key in the data folder.
    personal_data_key: str | None = Field(default=None, repr=False)
    # Submissions, edits and withdrawals per identity in a sliding window.
    response_rate_limit: int = Field(default=10, ge=1)
    response_rate_window_seconds: float = Field(default=60, gt=0)
    # How long the intake path may use its copy of a hearing; 0 reads the hearing for every response.
    intake_cache_seconds: float = Field(default=2, ge=0)

    @model_validator(mode="after")
    def _production_is_locked_down(self) -> Settings:
        # Deployed in Azure counts as production for these switches whatever PORTAL_ENVIRONMENT says:
        # a test slot set to "development" must not mint Admin tokens for the internet.
        if self.environment is Environment.PRODUCTION or self.hosted_in_azure:
            if self.dev_issuer:
                raise ValueError("the development token issuer cannot be enabled in production or in Azure")
            if self.adjustable_clock:
                raise ValueError("the adjustable clock cannot be enabled in production or in Azure")
        if self.hosted_in_azure:
            # The embedded adapters keep data on the instance's own disk, which Azure discards.
            if self.document_store == "sqlite":
                raise ValueError("in Azure the documents live in Cosmos DB: set PORTAL_DOCUMENT_STORE=cosmos")
            if self.message_bus == "local":
                raise ValueError("in Azure messages go through Service Bus: set PORTAL_MESSAGE_BUS=servicebus")
            if self.blob_endpoint is None and "UseDevelopmentStorage" in self.storage_connection_string:
                raise ValueError("in Azure blob storage needs AzureWebJobsStorage__blobServiceUri")
        return self

    @model_validator(mode="after")
    def _issuers_are_complete(self) -> Settings:
        if self.entra_tenant_id is not None and not _GUID.fullmatch(self.entra_tenant_id):
            raise ValueError("PORTAL_ENTRA_TENANT_ID must be the tenant's id (a GUID), as in its token issuer")
        if (self.entra_tenant_id is None) != (not self.entra_audiences):
            raise ValueError("set both PORTAL_ENTRA_TENANT_ID and PORTAL_ENTRA_AUDIENCE, or neither")
        broker_parts = (self.broker_issuer, self.broker_audience, self.broker_jwks_uri, self.broker_jwks)
        if any(part is not None for part in broker_parts):
            if not self.broker_issuer or not self.broker_audience:
                raise ValueError("a broker needs PORTAL_BROKER_ISSUER and PORTAL_BROKER_AUDIENCE")
            if (self.broker_jwks_uri is None) == (self.broker_jwks is None):
                raise ValueError("a broker needs exactly one of PORTAL_BROKER_JWKS_URI and PORTAL_BROKER_JWKS")
        if self.environment is Environment.PRODUCTION:
            if not self.trusts_entra and not self.trusts_broker:
                raise ValueError(
                    "production trusts no token issuer: set PORTAL_ENTRA_TENANT_ID and PORTAL_ENTRA_AUDIENCE "
                    "and/or the PORTAL_BROKER_* settings"
                )
            for name, url in (
                ("PORTAL_BROKER_ISSUER", self.broker_issuer),
                ("PORTAL_BROKER_JWKS_URI", self.broker_jwks_uri),
            ):
                if url is not None and urlsplit(url).scheme != "https":
                    raise ValueError(f"{name} must be an https address in production")
        return self

    @model_validator(mode="after")
    def _mailer_is_complete(self) -> Settings:
        if self.mailer == "graph":
            missing = [
                name
                for name, value in (
                    ("PORTAL_GRAPH_TENANT_ID", self.graph_tenant_id),
                    ("PORTAL_GRAPH_CLIENT_ID", self.graph_client_id),
                    ("PORTAL_GRAPH_CLIENT_SECRET", self.graph_client_secret),
                    ("PORTAL_MAIL_SENDER", self.mail_sender),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"PORTAL_MAILER=graph needs {', '.join(missing)}")
            if self.graph_client_secret and self.graph_client_secret.get_secret_value().startswith("@Microsoft."):
                raise ValueError("PORTAL_GRAPH_CLIENT_SECRET is an unresolved Key Vault reference")
        return self

    @property
    def trusts_entra(self) -> bool:
        return self.entra_tenant_id is not None

    @property
    def trusts_broker(self) -> bool:
        return self.broker_issuer is not None

    @classmethod
    def from_environment(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)

        def flag(name: str) -> bool:
            return env.get(name, "").strip().lower() in {"1", "true", "yes"}

        values: dict[str, object] = {
            "environment": env.get("PORTAL_ENVIRONMENT", "production" if _running_in_azure(env) else "development"),
            "hosted_in_azure": _running_in_azure(env),
            "data_dir": env.get("PORTAL_DATA_DIR", ".data"),
            "public_base_url": env.get("PORTAL_PUBLIC_BASE_URL", "http://localhost:7071"),
            "web_base_url": env.get("PORTAL_WEB_BASE_URL") or None,
            "document_store": env.get("PORTAL_DOCUMENT_STORE", "sqlite"),
            "cosmos_endpoint": env.get("COSMOS_ENDPOINT") or None,
            "cosmos_key": env.get("COSMOS_KEY") or None,
            "cosmos_database": env.get("COSMOS_DATABASE", "hearings"),
            "message_bus": env.get("PORTAL_MESSAGE_BUS", "local"),
            "servicebus_namespace": env.get("ServiceBusConnection__fullyQualifiedNamespace") or None,
            "servicebus_connection_string": env.get("ServiceBusConnection") or None,
            "personal_data_key": env.get("PORTAL_CPR_KEY") or None,
            "response_rate_limit": env.get("PORTAL_RESPONSE_RATE_LIMIT") or 10,
            "response_rate_window_seconds": env.get("PORTAL_RESPONSE_RATE_WINDOW_SECONDS") or 60,
            "intake_cache_seconds": env.get("PORTAL_INTAKE_CACHE_SECONDS") or 2,
            "queue_lock_seconds": env.get("PORTAL_QUEUE_LOCK_SECONDS") or 60,
            "queue_backoff_seconds": env.get("PORTAL_QUEUE_BACKOFF_SECONDS") or 0,
            "queue_max_deliveries": env.get("PORTAL_QUEUE_MAX_DELIVERIES") or 5,
            "storage_connection_string": env.get("AzureWebJobsStorage", "UseDevelopmentStorage=true"),
            "blob_endpoint": env.get("AzureWebJobsStorage__blobServiceUri") or None,
            "dev_issuer": flag("PORTAL_DEV_ISSUER"),
            "adjustable_clock": flag("PORTAL_ADJUSTABLE_CLOCK"),
            "token_audience": env.get("PORTAL_TOKEN_AUDIENCE", "api://hearing-portal"),
            "entra_tenant_id": env.get("PORTAL_ENTRA_TENANT_ID") or None,
            "entra_audiences": _items(env.get("PORTAL_ENTRA_AUDIENCE", "")),
            "broker_name": env.get("PORTAL_BROKER_NAME") or "mitid",
            "broker_issuer": env.get("PORTAL_BROKER_ISSUER") or None,
            "broker_audience": env.get("PORTAL_BROKER_AUDIENCE") or None,
            "broker_jwks_uri": env.get("PORTAL_BROKER_JWKS_URI") or None,
            "broker_jwks": _json_object(env, "PORTAL_BROKER_JWKS"),
            "broker_claims": _json_object(env, "PORTAL_BROKER_CLAIMS") or {},
            "broker_algorithms": _items(env.get("PORTAL_BROKER_ALGORITHMS", "")) or ("RS256",),
            "mailer": env.get("PORTAL_MAILER") or "local",
            "graph_tenant_id": env.get("PORTAL_GRAPH_TENANT_ID") or None,
            "graph_client_id": env.get("PORTAL_GRAPH_CLIENT_ID") or None,
            "graph_client_secret": env.get("PORTAL_GRAPH_CLIENT_SECRET") or None,
            "mail_sender": env.get("PORTAL_MAIL_SENDER") or None,
        }
        return cls.model_validate(values)


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _items(value: str) -> tuple[str, ...]:
    """A list setting: items separated by commas or white space."""
    return tuple(item for item in re.split(r"[\s,]+", value) if item)


def _json_object(env: dict[str, str], name: str) -> dict[str, Any] | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise ValueError(f"{name} is not valid JSON") from None
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object")
    return value


def _running_in_azure(env: dict[str, str]) -> bool:
    # Set by the Functions host in Azure; a deployed app is production unless told otherwise.
    return bool(env.get("WEBSITE_INSTANCE_ID") or env.get("WEBSITE_SITE_NAME"))
