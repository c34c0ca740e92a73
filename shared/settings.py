"""Settings from the environment (app settings in Azure, local.settings.json Values locally).

One model says everything about a setting: its field, its environment name (the alias), its type, its
default and what it means. ``Settings.from_environment()`` reads the environment; ``Settings(...)`` takes
keyword field names only and never the environment, so tests are not steered by the shell they run in.
The README's settings table is generated from this model (``python -m shared.settings_table``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources import EnvSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

# Azurite's well-known development account; public by design, useless outside a developer machine.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZURITE_PORT = 10000
TELEMETRY_EXPORTERS = frozenset({"console", "otlp", "memory"})


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


def shown_default(text: str) -> dict[str, Any]:
    """How the settings table shows a default that is not a plain value (computed, generated, or a secret)."""
    return {"shown_default": text}


# A list setting in the environment is items separated by commas or white space, not JSON.
Items = Annotated[tuple[str, ...], NoDecode]
# A JSON object setting; parsed by the model so that a mistake names the setting.
JsonObject = Annotated[dict[str, Any], NoDecode]


# Azure scales one app as a whole, so deadline-day intake and the queue consumers run as two apps
# from one package; each app's PORTAL_FUNCTION_GROUP says which functions it indexes.
FunctionGroup = Literal["all", "intake", "workers"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=True,  # AzureWebJobsStorage and ServiceBusConnection are spelled as Azure spells them
        env_ignore_empty=True,  # an empty value in local.settings.json means "not set"
        populate_by_name=True,  # Settings(dev_issuer=True) as well as the environment names
        extra="forbid",
        hide_input_in_errors=True,  # a refused start-up must not print the connection strings it was given
        defer_build=True,  # validators built when the settings are first read, not when the function app is indexed
    )

    # Set by the Functions host in Azure, not by configuration; it must come first, environment's default reads it.
    hosted_in_azure: bool = Field(
        default=False,
        validation_alias=AliasChoices("WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME"),
        description="set by the Functions host in Azure: the app is deployed, so it needs the Azure adapters "
        "and refuses the development switches",
        json_schema_extra=shown_default("unset"),
    )
    environment: Environment = Field(
        default_factory=lambda values: Environment.PRODUCTION if values["hosted_in_azure"] else Environment.DEVELOPMENT,
        alias="PORTAL_ENVIRONMENT",
        description="`development` or `production` (production refuses the development issuer and clock, "
        "and needs a trusted token issuer)",
        json_schema_extra=shown_default("production in Azure, else development"),
    )
    data_dir: Path = Field(
        default=Path(".data"),
        alias="PORTAL_DATA_DIR",
        description="folder for SQLite, the local queue, the outbox, the development issuer's key",
    )
    public_base_url: str = Field(
        default="http://localhost:7071",
        alias="PORTAL_PUBLIC_BASE_URL",
        description="the portal's own address, for links to its web pages and API and the development issuer "
        "(the local host follows its `--port`)",
    )
    web_base_url: str | None = Field(
        default=None,
        alias="PORTAL_WEB_BASE_URL",
        description="where the web pages that links in notifications lead to are served, when not by the portal itself",
        json_schema_extra=shown_default("the portal's own pages at `PORTAL_PUBLIC_BASE_URL`"),
    )
    web_session_key: SecretStr | None = Field(
        default=None,
        repr=False,
        alias="PORTAL_WEB_SESSION_KEY",
        description="encrypts and signs the web pages' session cookies; set it (Key Vault in Azure) when more than one "
        "instance serves pages",
        json_schema_extra=shown_default("a random key per process: a restart signs everyone out"),
    )
    web_sign_in_issuer: str | None = Field(
        default=None,
        alias="PORTAL_WEB_SIGN_IN_ISSUER",
        description="the OpenID Connect issuer the web pages sign people in with (code flow with PKCE)",
        json_schema_extra=shown_default("the development issuer when enabled, else the MitID broker"),
    )
    web_client_id: str = Field(
        default="hearing-portal-web",
        alias="PORTAL_WEB_CLIENT_ID",
        description="the web pages' client id at the sign-in issuer",
    )

    document_store: str = Field(
        default="sqlite", pattern="^(sqlite|cosmos)$", alias="PORTAL_DOCUMENT_STORE", description="`sqlite` or `cosmos`"
    )
    cosmos_endpoint: str | None = Field(
        default=None, alias="COSMOS_ENDPOINT", description="the Cosmos DB account, with `PORTAL_DOCUMENT_STORE=cosmos`"
    )
    # Secrets are kept out of repr(), so a logged Settings shows none of them.
    cosmos_key: str | None = Field(
        default=None,
        repr=False,
        alias="COSMOS_KEY",
        description="the Cosmos DB key; leave unset to connect with the managed identity",
    )
    cosmos_database: str = Field(default="hearings", alias="COSMOS_DATABASE", description="the Cosmos DB database")

    message_bus: str = Field(
        default="local",
        pattern="^(local|servicebus)$",
        alias="PORTAL_MESSAGE_BUS",
        description="`local` or `servicebus`",
    )
    servicebus_namespace: str | None = Field(
        default=None,
        alias="ServiceBusConnection__fullyQualifiedNamespace",
        description="the Service Bus namespace, reached with the managed identity",
    )
    servicebus_connection_string: str | None = Field(
        default=None,
        repr=False,
        alias="ServiceBusConnection",
        description="a Service Bus connection string, instead of the managed identity",
    )
    # Local queue behaviour, mirroring the Service Bus queue in infra/ (lockDuration, maxDeliveryCount).
    queue_lock_seconds: float = Field(
        default=60, gt=0, alias="PORTAL_QUEUE_LOCK_SECONDS", description="local queue: how long a delivery is locked"
    )
    # Service Bus hands an abandoned message back at once (the Functions host has no retry delay for it), so
    # the local queue does too by default: what fails fast in Azure fails as fast on a developer's machine.
    queue_backoff_seconds: float = Field(
        default=0,
        ge=0,
        alias="PORTAL_QUEUE_BACKOFF_SECONDS",
        description="local queue: first wait before a failed message is delivered again, doubling each time",
    )
    queue_max_deliveries: int = Field(
        default=5,
        ge=1,
        alias="PORTAL_QUEUE_MAX_DELIVERIES",
        description="local queue: deliveries before a message is dead-lettered",
    )
    blob_retry_base_seconds: float = Field(
        default=1,
        ge=0,
        alias="PORTAL_BLOB_RETRY_BASE_SECONDS",
        description="local host: first wait before a failed blob is tried again, doubling each time (at most 5 min)",
    )

    storage_connection_string: str = Field(
        default="UseDevelopmentStorage=true",
        repr=False,
        alias="AzureWebJobsStorage",
        description="blob storage connection (Azurite locally)",
    )
    blob_endpoint: str | None = Field(
        default=None,
        alias="AzureWebJobsStorage__blobServiceUri",
        description="the blob service, reached with the managed identity in Azure",
    )

    dev_issuer: bool = Field(
        default=False,
        alias="PORTAL_DEV_ISSUER",
        description="enable the development token issuer and its sign-in page",
    )
    adjustable_clock: bool = Field(
        default=False, alias="PORTAL_ADJUSTABLE_CLOCK", description="let `/admin/clock` move time (tests)"
    )

    # Trusted token issuers beside the development issuer; one left unset is not trusted. Production
    # refuses to start without any: nobody could sign in, and that should show at deployment.
    token_audience: str = Field(
        default="api://hearing-portal",
        alias="PORTAL_TOKEN_AUDIENCE",
        description="the audience of the development issuer's tokens",
    )
    entra_tenant_id: str | None = Field(
        default=None, alias="PORTAL_ENTRA_TENANT_ID", description="the Entra ID tenant's GUID, as in its token issuer"
    )
    entra_audiences: Items = Field(
        default=(),
        alias="PORTAL_ENTRA_AUDIENCE",
        description="the API's application id URI and/or client id, separated by commas",
        json_schema_extra=shown_default("none"),
    )
    broker_name: str = Field(
        default="mitid",
        alias="PORTAL_BROKER_NAME",
        description="prefixes the broker's subjects; changing it changes everyone's subject",
    )
    broker_issuer: str | None = Field(
        default=None, alias="PORTAL_BROKER_ISSUER", description="the MitID broker's token issuer"
    )
    broker_audience: str | None = Field(
        default=None, alias="PORTAL_BROKER_AUDIENCE", description="the audience of the broker's tokens"
    )
    broker_jwks_uri: str | None = Field(
        default=None, alias="PORTAL_BROKER_JWKS_URI", description="where the broker publishes its signing keys"
    )
    broker_jwks: JsonObject | None = Field(
        default=None,
        alias="PORTAL_BROKER_JWKS",
        description="the broker's key set inline (JSON), for a broker that publishes none",
    )
    broker_claims: JsonObject = Field(
        default_factory=dict,
        alias="PORTAL_BROKER_CLAIMS",
        description="JSON mapping of identity fields to the broker's claim names, "
        'such as `{"cpr": "cprNumberIdentifier"}`',
        json_schema_extra=shown_default("NemLog-in's claim names"),
    )
    broker_algorithms: Items = Field(
        default=("RS256",),
        alias="PORTAL_BROKER_ALGORITHMS",
        description="the signing algorithms accepted from the broker, separated by commas",
        json_schema_extra=shown_default("`RS256`"),
    )

    # Notifications: the local outbox, or e-mail through Microsoft Graph with the app's own identity or SMTP.
    mailer: str = Field(
        default="local",
        pattern="^(local|smtp|graph)$",
        alias="PORTAL_MAILER",
        description="`local` (an outbox folder; a blob container in Azure), `smtp` or `graph` "
        "(e-mail through Microsoft Graph)",
    )
    graph_tenant_id: str | None = Field(
        default=None,
        alias="PORTAL_GRAPH_TENANT_ID",
        description="Graph (mail, staff directory): the tenant of the app registration",
    )
    graph_client_id: str | None = Field(
        default=None,
        alias="PORTAL_GRAPH_CLIENT_ID",
        description="Graph (mail, staff directory): the app registration's client id",
    )
    graph_client_secret: SecretStr | None = Field(
        default=None,
        alias="PORTAL_GRAPH_CLIENT_SECRET",
        description="Graph (mail, staff directory): the client secret (a Key Vault reference in Azure)",
    )
    staff_directory: str = Field(
        default="none",
        pattern="^(none|graph)$",
        alias="PORTAL_STAFF_DIRECTORY",
        description="`none` (the portal knows the employees who have signed in) or `graph` (also Entra ID's users, "
        "through Microsoft Graph with the PORTAL_GRAPH_* app registration and User.Read.All)",
    )
    mail_sender: str | None = Field(
        default=None,
        alias="PORTAL_MAIL_SENDER",
        description="Graph and SMTP mail: the address the portal sends from",
    )
    smtp_host: str | None = Field(default=None, alias="PORTAL_SMTP_HOST", description="SMTP mail: the server")
    smtp_port: int = Field(default=587, ge=1, le=65535, alias="PORTAL_SMTP_PORT", description="SMTP mail: its port")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls",
        alias="PORTAL_SMTP_SECURITY",
        description="SMTP mail: `starttls` (587), `ssl` (implicit TLS, 465) or `none` (no login allowed)",
    )
    smtp_username: str | None = Field(default=None, alias="PORTAL_SMTP_USERNAME", description="SMTP mail: the login")
    smtp_password: SecretStr | None = Field(
        default=None,
        alias="PORTAL_SMTP_PASSWORD",
        description="SMTP mail: the login's password (a Key Vault reference in Azure)",
    )
    digital_post: Literal["outbox", "ngdp"] = Field(
        default="outbox",
        alias="PORTAL_DIGITAL_POST",
        description="`outbox` (kept beside the e-mail outbox, with its MeMo message) or `ngdp` (sent through NgDP)",
    )
    ngdp_endpoint: str | None = Field(
        default=None,
        alias="PORTAL_DIGITAL_POST_ENDPOINT",
        description="Digital Post: NgDP's KombiPostAfsend address (https)",
    )
    ngdp_certificate: SecretStr | None = Field(
        default=None,
        alias="PORTAL_DIGITAL_POST_CERTIFICATE",
        description="Digital Post: the client certificate and key, as PEM or base64 PKCS#12 (a Key Vault reference)",
    )
    digital_post_sender_cvr: str | None = Field(
        default=None, alias="PORTAL_DIGITAL_POST_SENDER_CVR", description="Digital Post: the municipality's CVR number"
    )
    digital_post_sender_label: str = Field(
        default="Kommunens høringsportal",
        alias="PORTAL_DIGITAL_POST_SENDER_LABEL",
        description="Digital Post: the sender's name recipients see",
    )
    unsubscribe_key: SecretStr | None = Field(
        default=None,
        alias="PORTAL_UNSUBSCRIBE_KEY",
        description="signs one-click unsubscribe links (a Key Vault reference); unset: derived from `PORTAL_CPR_KEY`",
        json_schema_extra=shown_default("derived from PORTAL_CPR_KEY with HKDF"),
    )
    deadline_warning_days: int = Field(
        default=3,
        ge=0,
        le=60,
        alias="PORTAL_DEADLINE_WARNING_DAYS",
        description="days before a deadline followers are told when the hearing type is gone (types set their own)",
    )
    notification_batch_size: int = Field(
        default=500,
        ge=1,
        le=2000,
        alias="PORTAL_NOTIFICATION_BATCH_SIZE",
        description="recipients per message from the event consumer to the sending consumer",
    )
    review_wait_hours: int = Field(
        default=48,
        ge=0,
        le=24 * 30,
        alias="PORTAL_REVIEW_WAIT_HOURS",
        description="owners and reviewers are told of responses waiting for review longer than this (0: not told)",
    )
    digest_hour: int = Field(
        default=7, ge=0, le=23, alias="PORTAL_DIGEST_HOUR", description="the Copenhagen hour digests are sent at"
    )

    max_upload_bytes: int = Field(
        default=25 * 1024 * 1024,
        gt=0,
        alias="PORTAL_MAX_UPLOAD_BYTES",
        description="the largest document or attachment accepted, in bytes",
        json_schema_extra=shown_default("26214400 (25 MiB)"),
    )

    # Attachments pass a malware scan before anyone can download them.
    malware_scanner: str | None = Field(
        default=None,
        pattern="^(embedded|clamav|defender)$",
        alias="PORTAL_MALWARE_SCANNER",
        description="`defender` (Defender for Storage's verdict in the blob's index tags), `clamav` (clamd) or "
        "`embedded` (recognises the EICAR test file only; for development)",
        json_schema_extra=shown_default(
            "`clamav` when `PORTAL_CLAMAV_ADDRESS` is set, `defender` in Azure, else `embedded`"
        ),
    )
    clamav_address: str | None = Field(
        default=None,
        alias="PORTAL_CLAMAV_ADDRESS",
        description="clamd's address for `PORTAL_MALWARE_SCANNER=clamav`: `tcp://host:3310` or `unix:///run/clamav/clamd.ctl`",
    )

    # Seals CPR numbers and e-mail addresses and keys their look-up hashes.
    personal_data_key: str | None = Field(
        default=None,
        repr=False,
        alias="PORTAL_CPR_KEY",
        description="base64 of 32 random bytes sealing CPR numbers and e-mail addresses (a Key Vault reference)",
        json_schema_extra=shown_default("generated in the data folder in development; required in production"),
    )
    response_rate_limit: int = Field(
        default=10, ge=1, alias="PORTAL_RESPONSE_RATE_LIMIT", description="responses and edits per identity per window"
    )
    response_rate_window_seconds: float = Field(
        default=60, gt=0, alias="PORTAL_RESPONSE_RATE_WINDOW_SECONDS", description="the rate limit's sliding window"
    )
    intake_cache_seconds: float = Field(
        default=2,
        ge=0,
        alias="PORTAL_INTAKE_CACHE_SECONDS",
        description="how long the intake path uses its copy of a hearing (0: read it for every response)",
    )
    function_group: FunctionGroup = Field(
        default="all",
        alias="PORTAL_FUNCTION_GROUP",
        description="which functions this app runs: `intake` (HTTP, uploads), `workers` (queues, timers) or `all`",
    )

    # Telemetry: Azure Monitor when its connection string is set, plus any local exporters named here.
    telemetry_exporters: Items = Field(
        default=(),
        alias="PORTAL_TELEMETRY_EXPORTERS",
        description="traces and metrics besides Azure Monitor: `console`, `otlp` (to `OTEL_EXPORTER_OTLP_ENDPOINT`) "
        "and/or `memory` (the local host's `/admin/traces`), separated by commas",
        json_schema_extra=shown_default("none (the local host: `memory`)"),
    )
    applicationinsights_connection_string: SecretStr | None = Field(
        default=None,
        alias="APPLICATIONINSIGHTS_CONNECTION_STRING",
        description="send traces and metrics to this Application Insights component",
    )
    applicationinsights_authentication: str | None = Field(
        default=None,
        alias="APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        description="`Authorization=AAD` sends telemetry with the managed identity (as infra/ sets it)",
    )
    telemetry_queue_gauges: bool = Field(
        default=False,
        alias="PORTAL_TELEMETRY_QUEUE_GAUGES",
        description="gauge Service Bus queue depth and age through its administration client "
        "(needs the Manage right; the local queue is always gauged)",
    )
    receipt_key_vault_url: str | None = Field(
        default=None,
        alias="PORTAL_RECEIPT_KEY_VAULT_URL",
        description="the Key Vault holding the P-256 key that signs receipts (none: a key in the data folder, "
        "development only)",
    )
    receipt_key_name: str = Field(
        default="receipt-signing", alias="PORTAL_RECEIPT_KEY_NAME", description="the receipt key's name in Key Vault"
    )
    idempotency_hours: float = Field(
        default=24,
        gt=0,
        alias="PORTAL_IDEMPOTENCY_HOURS",
        description="how long an `Idempotency-Key` and the first answer to it are kept per caller",
    )
    export_retention_hours: int = Field(
        default=24,
        gt=0,
        alias="PORTAL_EXPORT_RETENTION_HOURS",
        description="how long an owner's export of a hearing's responses is kept before the hourly sweep deletes it",
    )

    # Journalising: the local archive (a blob container), or SBSYS through its REST API (SBSIP).
    records_system: Literal["local", "sbsys"] = Field(
        default="local",
        alias="PORTAL_RECORDS_SYSTEM",
        description="`local` (the `records` blob container) or `sbsys` (SBSYS's REST integration API)",
    )
    records_endpoint: str | None = Field(
        default=None, alias="PORTAL_RECORDS_ENDPOINT", description="SBSYS: the SBSIP API root (https)"
    )
    records_token_url: str | None = Field(
        default=None,
        alias="PORTAL_RECORDS_TOKEN_URL",
        description="SBSYS: the identity server's token endpoint (OAuth2 client credentials)",
    )
    records_client_id: str | None = Field(
        default=None, alias="PORTAL_RECORDS_CLIENT_ID", description="SBSYS: the portal's OAuth2 client id"
    )
    records_client_secret: SecretStr | None = Field(
        default=None,
        alias="PORTAL_RECORDS_CLIENT_SECRET",
        description="SBSYS: the client secret (a Key Vault reference in Azure)",
    )
    records_templates: JsonObject = Field(
        default_factory=dict,
        alias="PORTAL_RECORDS_TEMPLATES",
        description='SBSYS: JSON mapping of KLE numbers or prefixes to case template ids, such as `{"01.02": 17}`',
        json_schema_extra=shown_default("none"),
    )
    records_default_template: int | None = Field(
        default=None,
        alias="PORTAL_RECORDS_DEFAULT_TEMPLATE",
        description="SBSYS: the case template for a hearing whose KLE number is not mapped",
    )
    records_closed_status: str = Field(
        default="Afsluttet", alias="PORTAL_RECORDS_CLOSED_STATUS", description="SBSYS: the status a closed case gets"
    )
    journalising_retry_minutes: float = Field(
        default=30,
        gt=0,
        alias="PORTAL_JOURNALISING_RETRY_MINUTES",
        description="first wait before a hearing whose filing failed is tried again, doubling each time "
        "(at most a day)",
    )
    pdf_workers: int = Field(
        default=0,
        ge=0,
        le=32,
        alias="PORTAL_PDF_WORKERS",
        description="processes that render record documents as PDF/A (1: in the function's own process)",
        json_schema_extra=shown_default("0: one per core, at most 8"),
    )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``environ`` (the process environment when None), by their environment names."""
        values = _EnvironmentSource(cls, os.environ if environ is None else environ)()
        return cls(**values)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Keyword arguments only: from_environment() is the one door for the environment.
        return (init_settings,)

    @field_validator("hosted_in_azure", mode="before")
    @classmethod
    def _any_instance_id_means_azure(cls, value: object) -> object:
        # The Functions host sets WEBSITE_INSTANCE_ID / WEBSITE_SITE_NAME to an id, not to "true".
        return bool(value.strip()) if isinstance(value, str) else value

    @field_validator("entra_audiences", "broker_algorithms", "telemetry_exporters", mode="before")
    @classmethod
    def _items(cls, value: object) -> object:
        return tuple(item for item in re.split(r"[\s,]+", value) if item) if isinstance(value, str) else value

    @field_validator("telemetry_exporters", mode="after")
    @classmethod
    def _known_exporters(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - TELEMETRY_EXPORTERS)
        if unknown:
            raise ValueError(f"unknown exporter {', '.join(unknown)}: choose from console, otlp, memory")
        return value

    @field_validator("broker_jwks", "broker_claims", "records_templates", mode="before")
    @classmethod
    def _json_object(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        name = _environment_name(info.field_name)
        try:
            parsed = json.loads(value)
        except ValueError:
            raise ValueError(f"{name} is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise ValueError(f"{name} must be a JSON object")
        return parsed

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

    def _graph_app_missing(self, *more: tuple[str, object]) -> list[str]:
        """The settings the Graph app registration (mail, the staff directory) still lacks."""
        needed = (
            ("PORTAL_GRAPH_TENANT_ID", self.graph_tenant_id),
            ("PORTAL_GRAPH_CLIENT_ID", self.graph_client_id),
            ("PORTAL_GRAPH_CLIENT_SECRET", self.graph_client_secret),
            *more,
        )
        return [name for name, value in needed if not value]

    @model_validator(mode="after")
    def _mailer_is_complete(self) -> Settings:
        if self.mailer == "graph":
            missing = self._graph_app_missing(("PORTAL_MAIL_SENDER", self.mail_sender))
            if missing:
                raise ValueError(f"PORTAL_MAILER=graph needs {', '.join(missing)}")
        if self.staff_directory == "graph":
            missing = self._graph_app_missing()
            if missing:
                raise ValueError(f"PORTAL_STAFF_DIRECTORY=graph needs {', '.join(missing)}")
        graph_secret = self.graph_client_secret.get_secret_value() if self.graph_client_secret else ""
        if "graph" in (self.mailer, self.staff_directory) and graph_secret.startswith("@Microsoft."):
            raise ValueError("PORTAL_GRAPH_CLIENT_SECRET is an unresolved Key Vault reference")
        if self.mailer == "smtp":
            if not self.smtp_host or not self.mail_sender:
                raise ValueError("PORTAL_MAILER=smtp needs PORTAL_SMTP_HOST and PORTAL_MAIL_SENDER")
            if (self.smtp_username is None) != (self.smtp_password is None):
                raise ValueError("set both PORTAL_SMTP_USERNAME and PORTAL_SMTP_PASSWORD, or neither")
        if self.digital_post == "ngdp":
            missing = [
                name
                for name, value in (
                    ("PORTAL_DIGITAL_POST_ENDPOINT", self.ngdp_endpoint),
                    ("PORTAL_DIGITAL_POST_CERTIFICATE", self.ngdp_certificate),
                    ("PORTAL_DIGITAL_POST_SENDER_CVR", self.digital_post_sender_cvr),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"PORTAL_DIGITAL_POST=ngdp needs {', '.join(missing)}")
        for name, secret in (
            ("PORTAL_SMTP_PASSWORD", self.smtp_password),
            ("PORTAL_DIGITAL_POST_CERTIFICATE", self.ngdp_certificate),
            ("PORTAL_UNSUBSCRIBE_KEY", self.unsubscribe_key),
        ):
            if secret and secret.get_secret_value().startswith("@Microsoft."):
                raise ValueError(f"{name} is an unresolved Key Vault reference")
        return self

    @model_validator(mode="after")
    def _records_system_is_complete(self) -> Settings:
        if self.records_system == "sbsys":
            missing = [
                name
                for name, value in (
                    ("PORTAL_RECORDS_ENDPOINT", self.records_endpoint),
                    ("PORTAL_RECORDS_TOKEN_URL", self.records_token_url),
                    ("PORTAL_RECORDS_CLIENT_ID", self.records_client_id),
                    ("PORTAL_RECORDS_CLIENT_SECRET", self.records_client_secret),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"PORTAL_RECORDS_SYSTEM=sbsys needs {', '.join(missing)}")
            if not self.records_templates and self.records_default_template is None:
                raise ValueError(
                    "PORTAL_RECORDS_SYSTEM=sbsys needs PORTAL_RECORDS_TEMPLATES or PORTAL_RECORDS_DEFAULT_TEMPLATE"
                )
            for name, template in self.records_templates.items():
                if not isinstance(template, int) or isinstance(template, bool):
                    raise ValueError(f"PORTAL_RECORDS_TEMPLATES maps {name!r} to {template!r}, not a template id")
            secret = self.records_client_secret
            if secret and secret.get_secret_value().startswith("@Microsoft."):
                raise ValueError("PORTAL_RECORDS_CLIENT_SECRET is an unresolved Key Vault reference")
        return self

    @model_validator(mode="after")
    def _scanner_is_complete(self) -> Settings:
        if self.scanner == "clamav" and not self.clamav_address:
            raise ValueError("PORTAL_MALWARE_SCANNER=clamav needs PORTAL_CLAMAV_ADDRESS")
        return self

    @property
    def scanner(self) -> str:
        """The malware scanner in use: the one named, else clamd when addressed, Defender in Azure."""
        if self.malware_scanner:
            return self.malware_scanner
        if self.clamav_address:
            return "clamav"
        return "defender" if self.hosted_in_azure else "embedded"

    @property
    def trusts_entra(self) -> bool:
        return self.entra_tenant_id is not None

    @property
    def trusts_broker(self) -> bool:
        return self.broker_issuer is not None


class _EnvironmentSource(EnvSettingsSource):
    """pydantic-settings' environment source, reading a given mapping instead of ``os.environ`` (tests pass one)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


def _environment_name(field_name: str | None) -> str:
    field = Settings.model_fields[field_name or ""]
    return field.alias or field_name or ""


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
