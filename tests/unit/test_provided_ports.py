"""A port whose module names its provider needs no line in the composition root.

This module plays all three parts of a new port: the Protocol (with ``PROVIDER``), the adapter module
with its ``provide(settings)``, and a timer-style service that asks for the port by name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol, runtime_checkable

import pytest

from shared.bootstrap import Dependencies
from shared.injection import InjectionError, call, check
from shared.settings import Settings
from tests.fakes import Portal

PROVIDER = f"{__name__}:provide"
built: list[Settings] = []


@runtime_checkable
class ReminderChannel(Protocol):
    def remind(self, text: str) -> str: ...


class LocalReminders:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def remind(self, text: str) -> str:
        return f"{self.prefix}{text}"


def provide(settings: Settings) -> ReminderChannel:
    built.append(settings)
    return LocalReminders("azure: " if settings.hosted_in_azure else "local: ")


def send_reminders(text: str, *, reminders: ReminderChannel) -> str:
    return reminders.remind(text)


def broken_provider(settings: Settings) -> object:
    return object()


@pytest.fixture
def portal() -> Portal:
    built.clear()
    return Portal.start()


def test_a_service_gets_a_port_its_module_provides_built_once(portal: Portal) -> None:
    deps = portal.dependencies()

    assert portal.call(send_reminders, "møde i morgen") == "local: møde i morgen"
    assert call(deps, send_reminders, "igen") == "local: igen"
    assert call(deps, send_reminders, "og igen") == "local: og igen"
    assert len(built) == 2  # once for each Dependencies object, never per call


def test_a_fake_given_under_the_parameter_name_wins(portal: Portal) -> None:
    deps = portal.dependencies()
    deps.extras["reminders"] = LocalReminders("fake: ")

    assert call(deps, send_reminders, "x") == "fake: x"
    assert built == []


def test_a_provider_that_builds_the_wrong_thing_is_named(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "PROVIDER", f"{__name__}:broken_provider")

    with pytest.raises(InjectionError, match="not a ReminderChannel"):
        portal.call(send_reminders, "x")


def needs_what_nobody_provides(*, nowhere: Decimal) -> None: ...  # decimal names no provider


def test_a_type_nobody_provides_is_still_refused() -> None:
    with pytest.raises(InjectionError, match="nowhere"):
        check(needs_what_nobody_provides, Dependencies)
