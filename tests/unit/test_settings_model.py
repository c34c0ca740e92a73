"""One model names every setting: the environment reads through it and the README's table is made from it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import Environment, Settings
from shared.settings_table import README, environment_names, markdown_table, readme_table


def test_the_readme_settings_table_is_the_one_the_model_generates() -> None:
    documented = readme_table(README.read_text(encoding="utf-8"))

    assert documented == markdown_table(), "run: python -m shared.settings_table --write"


def test_every_setting_has_an_environment_name_and_a_meaning() -> None:
    for name, field in Settings.model_fields.items():
        assert environment_names(field), name
        assert field.description, name


@pytest.mark.parametrize(
    ("name", "value", "field", "expected"),
    [
        (
            "AzureWebJobsStorage",
            "UseDevelopmentStorage=true;x",
            "storage_connection_string",
            "UseDevelopmentStorage=true;x",
        ),
        ("AzureWebJobsStorage__blobServiceUri", "https://b.example/", "blob_endpoint", "https://b.example/"),
        ("ServiceBusConnection__fullyQualifiedNamespace", "ns.example", "servicebus_namespace", "ns.example"),
        ("PORTAL_QUEUE_BACKOFF_SECONDS", "0.05", "queue_backoff_seconds", 0.05),
        ("PORTAL_BLOB_RETRY_BASE_SECONDS", "0.01", "blob_retry_base_seconds", 0.01),
        ("PORTAL_BROKER_ALGORITHMS", "RS256, ES256", "broker_algorithms", ("RS256", "ES256")),
        ("PORTAL_MAX_UPLOAD_BYTES", "1024", "max_upload_bytes", 1024),
    ],
)
def test_settings_are_read_by_their_environment_names(name: str, value: str, field: str, expected: object) -> None:
    assert getattr(Settings.from_environment({name: value}), field) == expected


def test_keyword_arguments_never_read_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_DEV_ISSUER", "true")
    monkeypatch.setenv("PORTAL_RESPONSE_RATE_LIMIT", "99")

    assert not Settings().dev_issuer
    assert Settings(response_rate_limit=3).response_rate_limit == 3
    from_process = Settings.from_environment()
    assert from_process.dev_issuer and from_process.response_rate_limit == 99


def test_a_deployed_app_is_production_unless_told_otherwise() -> None:
    assert Settings.from_environment({}).environment is Environment.DEVELOPMENT
    with pytest.raises(ValidationError, match="in Azure the documents live in Cosmos DB"):
        Settings.from_environment({"WEBSITE_SITE_NAME": "func-hearings"})


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("1", True), ("yes", True), ("false", False)])
def test_switches_read_the_usual_spellings(text: str, expected: bool) -> None:
    assert Settings.from_environment({"PORTAL_ADJUSTABLE_CLOCK": text}).adjustable_clock is expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORTAL_DEV_ISSUER", "perhaps"),
        ("PORTAL_QUEUE_MAX_DELIVERIES", "0"),
        ("PORTAL_QUEUE_LOCK_SECONDS", "soon"),
        ("PORTAL_RESPONSE_RATE_LIMIT", "-1"),
        ("PORTAL_DOCUMENT_STORE", "postgres"),
        ("PORTAL_BLOB_RETRY_BASE_SECONDS", "-2"),
    ],
)
def test_a_bad_value_is_refused_naming_its_environment_name(name: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.from_environment({name: value})

    assert [error["loc"] for error in caught.value.errors()] == [(name,)]


def test_an_empty_value_counts_as_not_set() -> None:
    settings = Settings.from_environment({"PORTAL_QUEUE_LOCK_SECONDS": "", "COSMOS_ENDPOINT": "", "PORTAL_MAILER": ""})

    assert (settings.queue_lock_seconds, settings.cosmos_endpoint, settings.mailer) == (60, None, "local")


def test_a_misspelt_keyword_is_refused() -> None:
    with pytest.raises(ValidationError, match="dev_isuer"):
        Settings(dev_isuer=True)  # type: ignore[call-arg]


def test_a_failed_message_comes_back_at_once_as_on_service_bus() -> None:
    assert Settings.from_environment({}).queue_backoff_seconds == 0


def test_a_refused_start_does_not_print_the_secrets_it_was_given() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.from_environment({"PORTAL_CPR_KEY": "cpr-secret", "COSMOS_KEY": "cosmos-secret", "PORTAL_MAILER": "x"})

    assert "cpr-secret" not in str(caught.value) and "cosmos-secret" not in str(caught.value)
