"""One package, two apps: each indexes only its group's functions, by trigger type."""

from __future__ import annotations

import runpy
import typing
from pathlib import Path

import pytest

from functions import groups
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def indexed(group: str) -> dict[str, str]:
    app = runpy.run_path(str(ROOT / "function_app.py"))["app"]
    app.group = group
    return {str(f.get_function_name()): f.get_trigger().get_binding_name() for f in app.get_functions()}


def test_the_group_variable_and_its_values_are_the_settings_field() -> None:
    field = Settings.model_fields["function_group"]

    assert field.alias == groups.GROUP_VARIABLE
    assert typing.get_args(field.annotation) == typing.get_args(groups.FunctionGroup)


def test_the_intake_app_indexes_http_and_uploads_and_the_workers_app_the_rest() -> None:
    everything, intake, workers = indexed("all"), indexed("intake"), indexed("workers")

    assert set(intake.values()) <= groups.INTAKE_TRIGGERS
    assert "httpTrigger" in intake.values() and "blobTrigger" in intake.values()
    assert {"timerTrigger", "serviceBusTrigger"} == set(workers.values())
    assert intake.keys() | workers.keys() == everything.keys()
    assert not intake.keys() & workers.keys()


def test_an_unknown_group_stops_the_app_from_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(groups.GROUP_VARIABLE, "everything")

    with pytest.raises(ValueError, match="PORTAL_FUNCTION_GROUP"):
        groups.configured_group()
