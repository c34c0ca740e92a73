"""The Azure deployment in infra/ declares what the code expects to find there.

A container with another partition key, a queue without duplicate detection or a development
switch in the production app settings would only show up after a deployment; these tests read the
Bicep text and catch them in review.
"""

from __future__ import annotations

import re
from pathlib import Path

from shared.bootstrap import BLOB_CONTAINERS, UPLOADS_CONTAINER
from shared.ports.documents import CONTAINERS
from shared.services import queues
from shared.settings import Settings
from tools import bicep

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MODULES = INFRA / "modules"

# The queues the services publish to and the queue triggers consume.
EXPECTED_QUEUES = {"responses-received", "hearing-events", "records-journalise", "notification-batches"}

# Settings that development can switch on and production must never carry.
DEVELOPMENT_ONLY_SETTINGS = ("PORTAL_DEV_ISSUER", "PORTAL_ADJUSTABLE_CLOCK")


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def all_infra_text() -> str:
    files = sorted(INFRA.rglob("*.bicep")) + sorted(INFRA.rglob("*.bicepparam")) + sorted(INFRA.rglob("*.json"))
    return "\n".join(read(path) for path in files)


def string_literals(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)


def array_var(text: str, name: str) -> list[str]:
    """The string items of a multi-line ``var <name> = [ ... ]``."""
    match = re.search(rf"^var {name} = \[\n(.*?)\n\]", text, re.MULTILINE | re.DOTALL)
    assert match, f"var {name} is not declared as a multi-line array"
    return string_literals(match.group(1))


def declared_containers() -> dict[str, tuple[str, ...]]:
    text = read(MODULES / "cosmos.bicep")
    entries = re.findall(r"name: '([^']+)'\s*\n\s*partitionKeyPaths: \[\n(.*?)\n\s*\]", text, re.DOTALL)
    return {name: tuple(string_literals(paths)) for name, paths in entries}


def app_settings() -> dict[str, str]:
    """Name to value of every app setting the portal reads (both function apps share them)."""
    listed = bicep.variable(bicep.module("function-app"), "portalSettings")
    return {entry["name"]: entry["value"] for entry in listed}


def test_every_document_container_is_declared_with_the_partition_key_the_code_uses() -> None:
    assert declared_containers() == CONTAINERS


def test_every_document_container_says_what_it_leaves_out_of_the_index() -> None:
    # The container loop reads container.excludedPaths; an entry without it fails the deployment.
    containers = bicep.variable(bicep.module("cosmos"), "containers")

    assert {entry["name"] for entry in containers} == set(CONTAINERS)
    assert [entry["name"] for entry in containers if "excludedPaths" not in entry] == []


def test_hierarchical_partition_keys_are_declared_as_multihash_version_2() -> None:
    text = read(MODULES / "cosmos.bicep")

    assert any(len(paths) > 1 for paths in CONTAINERS.values())
    assert "kind: length(container.partitionKeyPaths) > 1 ? 'MultiHash' : 'Hash'" in text
    assert "version: 2" in text


def test_the_database_is_the_one_the_settings_default_to() -> None:
    main = read(INFRA / "main.bicep")

    assert f"var cosmosDatabaseName = '{Settings().cosmos_database}'" in main
    assert app_settings()["COSMOS_DATABASE"] == "cosmosDatabaseName"
    for app in ("intakeApp", "workersApp"):
        assert bicep.main()["modules"][app]["config"]["params"]["cosmosDatabaseName"] == "cosmosDatabaseName"


def test_the_queues_exist_with_duplicate_detection() -> None:
    text = read(MODULES / "servicebus.bicep")

    assert set(queues.ALL) == EXPECTED_QUEUES
    assert set(array_var(text, "queueNames")) == EXPECTED_QUEUES
    # One resource loop over all names, so every queue gets the same properties.
    assert "[for queueName in queueNames: {" in text
    assert "requiresDuplicateDetection: true" in text
    assert "duplicateDetectionHistoryTimeWindow: 'P1D'" in text
    assert "maxDeliveryCount: 5" in text
    assert "deadLetteringOnMessageExpiration: true" in text


def test_the_portal_blob_containers_exist_and_uploads_feed_the_blob_trigger() -> None:
    storage = read(MODULES / "storage.bicep")
    events = read(MODULES / "upload-events.bicep")

    assert tuple(array_var(storage, "portalContainers")) == BLOB_CONTAINERS
    assert f"subjectBeginsWith: '/blobServices/default/containers/{UPLOADS_CONTAINER}/'" in events
    assert "'Microsoft.Storage.BlobCreated'" in events


def test_the_upload_subscription_targets_an_event_grid_blob_trigger_in_the_code() -> None:
    # Read as text: importing the function modules would build the whole app.
    default = re.search(r"^param uploadFunctionName string = '([^']+)'", read(INFRA / "main.bicep"), re.MULTILINE)
    assert default
    within_one_decorator = r"(?:(?!\ndef ).)*?"
    trigger = re.compile(
        rf"@bp\.blob_trigger\({within_one_decorator}source=func\.BlobSource\.EVENT_GRID{within_one_decorator}\)\n"
        rf"def {default.group(1)}\(",
        re.DOTALL,
    )

    assert any(trigger.search(read(path)) for path in sorted((ROOT / "functions").glob("*.py")))


def test_every_trigger_connection_has_identity_based_settings() -> None:
    source = "\n".join(read(path) for path in sorted((ROOT / "functions").glob("*.py")))
    connections = set(re.findall(r'connection="([^"]+)"', source))
    settings = app_settings()

    assert connections
    for connection in connections:
        assert any(name.startswith(f"{connection}__") for name in settings), f"no {connection}__* app setting"


def test_production_app_settings_select_production_and_the_azure_adapters() -> None:
    settings = app_settings()

    assert settings["PORTAL_ENVIRONMENT"] == "production"
    assert settings["PORTAL_DOCUMENT_STORE"] == "cosmos"
    assert settings["PORTAL_MESSAGE_BUS"] == "servicebus"
    assert settings["PORTAL_CPR_KEY"].startswith("@Microsoft.KeyVault(SecretUri=")
    # Production refuses to start without a trusted token issuer: employees sign in with Entra ID.
    assert settings["PORTAL_ENTRA_TENANT_ID"] == "entraTenantId"
    assert settings["PORTAL_ENTRA_AUDIENCE"] == "entraAudience"


def test_no_development_switch_appears_anywhere_in_the_deployment() -> None:
    text = all_infra_text()

    for name in DEVELOPMENT_ONLY_SETTINGS:
        assert name not in text, f"{name} must not be deployed"
        assert name not in app_settings()


def test_app_settings_use_the_names_the_settings_module_reads() -> None:
    settings_source = read(ROOT / "shared" / "settings.py")
    needed = {
        "PORTAL_ENVIRONMENT",
        "PORTAL_PUBLIC_BASE_URL",
        "PORTAL_TOKEN_AUDIENCE",
        "PORTAL_DOCUMENT_STORE",
        "COSMOS_ENDPOINT",
        "COSMOS_DATABASE",
        "PORTAL_MESSAGE_BUS",
        "ServiceBusConnection__fullyQualifiedNamespace",
        "AzureWebJobsStorage__blobServiceUri",
    }

    assert needed <= app_settings().keys()
    for name in needed:
        assert f'"{name}"' in settings_source, f"shared/settings.py does not read {name}"


def test_production_connects_with_its_identity_and_never_with_keys() -> None:
    settings = app_settings()

    for keyed in ("COSMOS_KEY", "ServiceBusConnection", "AzureWebJobsStorage"):
        assert keyed not in settings
    assert "AzureWebJobsStorage__accountName" in settings
    assert "disableLocalAuth: true" in read(MODULES / "cosmos.bicep")
    assert "disableLocalAuth: true" in read(MODULES / "servicebus.bicep")
    assert "allowSharedKeyAccess: false" in read(MODULES / "storage.bicep")
