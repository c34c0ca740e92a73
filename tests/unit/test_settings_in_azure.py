"""A deployed app cannot be configured into the development conveniences or onto an instance's disk."""

from __future__ import annotations

import pytest

from shared.settings import Settings
from tests.unit.test_identity_settings import AZURE_ADAPTERS, entra_env

DEPLOYED = {"WEBSITE_SITE_NAME": "func-hearings-prod", **AZURE_ADAPTERS, **entra_env()}


def test_a_deployed_app_starts_with_the_azure_adapters() -> None:
    settings = Settings.from_environment(DEPLOYED)
    assert settings.hosted_in_azure
    assert settings.environment.value == "production"


@pytest.mark.parametrize("switch", ["PORTAL_DEV_ISSUER", "PORTAL_ADJUSTABLE_CLOCK"])
def test_development_switches_are_refused_in_azure_even_when_it_says_development(switch: str) -> None:
    with pytest.raises(ValueError, match="in production or in Azure"):
        Settings.from_environment({**DEPLOYED, "PORTAL_ENVIRONMENT": "development", switch: "true"})


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("PORTAL_DOCUMENT_STORE", "sqlite", "Cosmos DB"),
        ("PORTAL_MESSAGE_BUS", "local", "Service Bus"),
        ("AzureWebJobsStorage__blobServiceUri", "", "blobServiceUri"),
    ],
)
def test_embedded_adapters_are_refused_in_azure(setting: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_environment({**DEPLOYED, setting: value})


def test_production_settings_may_still_run_embedded_on_a_developer_machine() -> None:
    # How the tests start a production-configured host next to a development one.
    settings = Settings.from_environment({"PORTAL_ENVIRONMENT": "production", **entra_env()})
    assert not settings.hosted_in_azure
    assert settings.document_store == "sqlite"


def test_secrets_stay_out_of_a_printed_settings_object() -> None:
    settings = Settings.from_environment(
        {
            "COSMOS_KEY": "cosmos-secret",
            "ServiceBusConnection": "Endpoint=sb://x/;SharedAccessKey=bus-secret",
            "AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountKey=storage-secret",
            "PORTAL_CPR_KEY": "cpr-secret",
        }
    )
    printed = repr(settings) + str(settings)
    for secret in ("cosmos-secret", "bus-secret", "storage-secret", "cpr-secret"):
        assert secret not in printed
