"""Settings from the environment (app settings in Azure, local.settings.json Values locally)."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

# Azurite's well-known development account; public by design, useless outside a developer machine.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseModel):
    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path(".data")
    public_base_url: str = "http://localhost:7071"

    document_store: str = Field(default="sqlite", pattern="^(sqlite|cosmos)$")
    cosmos_endpoint: str | None = None
    cosmos_key: str | None = None  # omit to use the managed identity
    cosmos_database: str = "hearings"

    message_bus: str = Field(default="local", pattern="^(local|servicebus)$")
    servicebus_namespace: str | None = None  # fully qualified, for the managed identity
    servicebus_connection_string: str | None = None
    # Local queue behaviour, mirroring the Service Bus queue settings in infra/.
    queue_lock_seconds: float = Field(default=60, gt=0)
    queue_backoff_seconds: float = Field(default=1, gt=0)
    queue_max_deliveries: int = Field(default=5, ge=1)

    storage_connection_string: str = "UseDevelopmentStorage=true"
    blob_endpoint: str | None = None  # for the managed identity in Azure

    dev_issuer: bool = False
    adjustable_clock: bool = False

    # Trusted token issuers (issue: identity) beside the development issuer.
    token_audience: str = "api://hearing-portal"

    max_upload_bytes: int = 25 * 1024 * 1024

    @model_validator(mode="after")
    def _production_is_locked_down(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            if self.dev_issuer:
                raise ValueError("the development token issuer cannot be enabled in production")
            if self.adjustable_clock:
                raise ValueError("the adjustable clock cannot be enabled in production")
        return self

    @classmethod
    def from_environment(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)

        def flag(name: str) -> bool:
            return env.get(name, "").strip().lower() in {"1", "true", "yes"}

        values: dict[str, object] = {
            "environment": env.get("PORTAL_ENVIRONMENT", "production" if _running_in_azure(env) else "development"),
            "data_dir": env.get("PORTAL_DATA_DIR", ".data"),
            "public_base_url": env.get("PORTAL_PUBLIC_BASE_URL", "http://localhost:7071"),
            "document_store": env.get("PORTAL_DOCUMENT_STORE", "sqlite"),
            "cosmos_endpoint": env.get("COSMOS_ENDPOINT") or None,
            "cosmos_key": env.get("COSMOS_KEY") or None,
            "cosmos_database": env.get("COSMOS_DATABASE", "hearings"),
            "message_bus": env.get("PORTAL_MESSAGE_BUS", "local"),
            "servicebus_namespace": env.get("ServiceBusConnection__fullyQualifiedNamespace") or None,
            "servicebus_connection_string": env.get("ServiceBusConnection") or None,
            "queue_lock_seconds": env.get("PORTAL_QUEUE_LOCK_SECONDS") or 60,
            "queue_backoff_seconds": env.get("PORTAL_QUEUE_BACKOFF_SECONDS") or 1,
            "queue_max_deliveries": env.get("PORTAL_QUEUE_MAX_DELIVERIES") or 5,
            "storage_connection_string": env.get("AzureWebJobsStorage", "UseDevelopmentStorage=true"),
            "blob_endpoint": env.get("AzureWebJobsStorage__blobServiceUri") or None,
            "dev_issuer": flag("PORTAL_DEV_ISSUER"),
            "adjustable_clock": flag("PORTAL_ADJUSTABLE_CLOCK"),
            "token_audience": env.get("PORTAL_TOKEN_AUDIENCE", "api://hearing-portal"),
        }
        return cls.model_validate(values)


def _running_in_azure(env: dict[str, str]) -> bool:
    # Set by the Functions host in Azure; a deployed app is production unless told otherwise.
    return bool(env.get("WEBSITE_INSTANCE_ID"))
