"""Services get their ports by name from the composition root, and a wrong type is caught."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from types import ModuleType

import pytest

from shared.bootstrap import Dependencies
from shared.injection import InjectionError, call, check
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.services import hearing_files, hearings, records, responses, subscriptions
from tests.fakes import Portal, caseworker


class Stamp:
    pass


@dataclass
class Provided:
    clock: Clock
    stamp: Stamp | None = None


class Clockwork:
    def now(self) -> object:
        return "now"


def when(label: str, *, clock: Clock) -> str:
    return f"{label} {clock.now()}"


def test_a_service_gets_the_ports_it_names() -> None:
    assert call(Provided(clock=Clockwork()), when, "it is") == "it is now"  # type: ignore[arg-type]


def test_a_caller_may_hand_over_a_port_itself() -> None:
    class Later:
        def now(self) -> str:
            return "later"

    assert call(Provided(clock=Clockwork()), when, "it is", clock=Later()) == "it is later"  # type: ignore[arg-type]


def test_a_port_the_root_does_not_offer_is_named() -> None:
    def needs(*, documents: DocumentStore) -> None:
        pass

    with pytest.raises(InjectionError, match="'documents'"):
        call(Provided(clock=Clockwork()), needs)  # type: ignore[arg-type]


def test_a_parameter_declared_with_another_type_is_refused() -> None:
    def wrong(*, clock: Stamp) -> None:
        pass

    with pytest.raises(InjectionError, match="clock: Stamp"):
        call(Provided(clock=Clockwork()), wrong)  # type: ignore[arg-type]


def test_an_optional_parameter_takes_an_optional_port_and_a_plain_one_does_not() -> None:
    def optional(*, stamp: Stamp | None = None) -> Stamp | None:
        return stamp

    def plain(*, stamp: Stamp) -> Stamp:
        return stamp

    stamp = Stamp()
    assert call(Provided(clock=Clockwork(), stamp=stamp), optional) is stamp  # type: ignore[arg-type]
    with pytest.raises(InjectionError):
        call(Provided(clock=Clockwork()), plain)  # type: ignore[arg-type]


@pytest.mark.parametrize("module", [hearings, hearing_files, responses, subscriptions, records])
def test_the_composition_root_fills_every_service(module: ModuleType) -> None:
    services = [
        value
        for name, value in vars(module).items()
        if inspect.isfunction(value) and not name.startswith("_") and value.__module__ == module.__name__
    ]
    assert services
    for service in services:
        check(service, Dependencies)


def test_a_service_runs_with_ports_from_fakes() -> None:
    portal = Portal.start()
    draft_id = portal.draft()

    assert portal.call(hearings.get_hearing, caseworker(), draft_id).id == draft_id
    assert portal.call(hearings.run_schedule) == (0, 0)
