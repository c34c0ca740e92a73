"""The deployment holds no keys and grants no more than each connection needs.

Read from the parsed Bicep (pycep, the parser checkov uses), so a key that slips into an app
setting or an Owner role that slips into a module fails here instead of in production.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tools import bicep

# Built-in roles the apps may hold, each with the reason it is needed.
ALLOWED_ROLES = {
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor: host storage, app package, portal files",
    "db58b8e5-c6ad-4a2a-8342-4190687cbf4a": "Storage Blob Delegator: user delegation key for upload URLs",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor: blob trigger receipts and poison queue",
    "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39": "Azure Service Bus Data Sender: services publish",
    "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0": "Azure Service Bus Data Receiver: queue triggers consume",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User: Key Vault references",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher: telemetry with Entra ID",
    "00000000-0000-0000-0000-000000000002": "Cosmos DB Built-in Data Contributor (data plane): items only",
}

# Roles broader than any connection needs: control of the resource, or of who may use it.
FORBIDDEN_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
    "090c5cfd-751d-490a-894a-3ce6f1109419": "Azure Service Bus Data Owner",
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
    "5bd9cd88-fe45-4216-938b-f97437e15450": "DocumentDB Account Contributor",
}

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Names that hold a secret when they hold anything at all.
SECRET_NAME = re.compile(r"KEY|SECRET|PASSWORD|CERTIFICATE|CONNECTION", re.IGNORECASE)
# Not a secret: its ingestion key cannot be used, because local authentication is off and the
# app authenticates with Entra ID (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
NOT_SECRET = {"APPLICATIONINSIGHTS_CONNECTION_STRING"}
# What a key or connection string looks like, written out or fetched at deployment.
KEY_MATERIAL = ("accountkey=", "sharedaccesskey", "listkeys", "list_keys", "listconnectionstrings", "primarykey")
KEY_VAULT_REFERENCE = "@Microsoft.KeyVault(SecretUri="
# Identity-based connections name where to connect, never how to authenticate.
IDENTITY_CONNECTION = re.compile(r"__(fullyQualifiedNamespace|accountName|blobServiceUri|queueServiceUri|credential)$")


def portal_settings() -> list[dict[str, Any]]:
    settings: list[dict[str, Any]] = bicep.variable(bicep.module("function-app"), "portalSettings")
    return settings


def function_app() -> dict[str, Any]:
    app: dict[str, Any] = bicep.resources(bicep.module("function-app"))["app"]["config"]
    return app


@pytest.mark.parametrize("path", bicep.template_paths(), ids=lambda path: path.name)
def test_every_template_parses(path: Path) -> None:
    parsed = bicep.template(path)

    assert parsed.get("resources") or parsed.get("modules"), f"{path.name} declares nothing"


def test_no_app_setting_holds_a_key_or_a_connection_string() -> None:
    for setting in portal_settings():
        texts = [text.lower() for text in bicep.strings_in(setting["value"])]
        assert not [text for text in texts if any(mark in text for mark in KEY_MATERIAL)], setting["name"]
        if IDENTITY_CONNECTION.search(setting["name"]) or setting["name"] in NOT_SECRET:
            continue
        if SECRET_NAME.search(setting["name"]):
            # Empty when the feature is off, otherwise a Key Vault reference; never a value.
            values = [text for text in bicep.strings_in(setting["value"]) if text.startswith("@")]
            assert values, f"{setting['name']} must be a Key Vault reference"
            assert all(text.startswith(KEY_VAULT_REFERENCE) for text in values), setting["name"]


def test_the_whole_function_app_resource_carries_no_key_material() -> None:
    texts = [text.lower() for text in bicep.strings_in(function_app())]

    assert not [text for text in texts if any(mark in text for mark in KEY_MATERIAL)]


def test_the_application_insights_connection_string_is_useless_without_entra_id() -> None:
    settings = {entry["name"]: entry["value"] for entry in portal_settings()}
    component = bicep.resources(bicep.module("monitoring"))["appInsights"]["config"]

    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == "Authorization=AAD"
    assert component["properties"]["DisableLocalAuth"] is True


def test_the_apps_use_their_own_identity_for_everything() -> None:
    app = function_app()

    assert app["identity"]["type"] == "SystemAssigned"
    assert app["properties"]["functionAppConfig"]["deployment"]["storage"]["authentication"] == {
        "type": "SystemAssignedIdentity"
    }
    publishing = bicep.resources(bicep.module("function-app"))
    for name in ("ftpCredentials", "scmCredentials"):
        assert publishing[name]["config"]["properties"]["allow"] is False


def test_every_service_refuses_keys() -> None:
    cosmos = bicep.resources(bicep.module("cosmos"))["account"]["config"]["properties"]
    service_bus = bicep.resources(bicep.module("servicebus"))["sbNamespace"]["config"]["properties"]
    storage = bicep.resources(bicep.module("storage"))["account"]["config"]["properties"]
    vault = bicep.resources(bicep.module("keyvault"))["vault"]["config"]["properties"]

    assert cosmos["disableLocalAuth"] is True
    assert service_bus["disableLocalAuth"] is True
    assert storage["allowSharedKeyAccess"] is False
    assert vault["enableRbacAuthorization"] is True


def test_only_the_listed_roles_are_granted_and_none_broader() -> None:
    everything = " ".join(path.read_text(encoding="utf-8") for path in bicep.template_paths()).lower()
    granted = set(GUID.findall(" ".join(bicep.strings_in(bicep.module("access")))))

    assert granted, "access.bicep grants nothing"
    assert granted <= ALLOWED_ROLES.keys(), f"unlisted roles: {granted - ALLOWED_ROLES.keys()}"
    for role_id, name in FORBIDDEN_ROLES.items():
        assert role_id not in everything, f"{name} is broader than any connection needs"


def test_each_app_gets_only_the_roles_its_side_uses() -> None:
    modules = bicep.main()["modules"]
    intake = modules["intakeAccess"]["config"]["params"]
    workers = modules["workersAccess"]["config"]["params"]

    # The intake app publishes and hands out upload URLs; it consumes no queue.
    assert intake["serviceBusRoleNames"] == ["serviceBusDataSender"]
    assert "storageBlobDelegator" in intake["storageRoleNames"]
    # The workers consume and publish; they sign no upload URLs and run no blob trigger.
    assert set(workers["serviceBusRoleNames"]) == {"serviceBusDataSender", "serviceBusDataReceiver"}
    assert workers["storageRoleNames"] == ["storageBlobDataContributor"]
    for params in (intake, workers):
        assert "storageBlobDataOwner" not in params["storageRoleNames"]


def test_every_role_assignment_is_scoped_to_one_resource() -> None:
    access = bicep.resources(bicep.module("access"))
    existing = {name for name, resource in access.items() if resource["existing"]}
    assignments = {name: r for name, r in access.items() if r["type"] == "Microsoft.Authorization/roleAssignments"}

    assert assignments
    for name, resource in assignments.items():
        # Without a scope an assignment would cover the whole resource group.
        assert resource["config"].get("scope") in existing, f"{name} is not scoped to one resource"


def test_the_cosmos_data_role_is_the_data_plane_contributor_on_the_portal_database() -> None:
    assignment = bicep.resources(bicep.module("access"))["cosmosData"]

    assert assignment["type"] == "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"
    properties = assignment["config"]["properties"]
    assert properties["roleDefinitionId"].endswith("/sqlRoleDefinitions/${cosmosDataContributor}")
    assert bicep.variable(bicep.module("access"), "cosmosDataContributor") == "00000000-0000-0000-0000-000000000002"
    assert properties["scope"] == "${cosmos.id}/dbs/${cosmosDatabaseName}"
