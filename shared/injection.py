"""Fills a service's keyword-only parameters from a set of dependencies, by name, checking the type.

A service declares the ports it uses as keyword-only parameters (``documents: DocumentStore``,
``clock: Clock``, ...). The composition root holds one object per name; ``call`` passes each one
the service asks for, after checking once per service that the declared type is the type the
composition root offers under that name. Adding a port to a service is then a change to its
signature only, and tests fill the same parameters from fakes with the same call.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import threading
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")


class InjectionError(TypeError):
    """A service asks for something the composition root does not offer, or offers with another type."""


# A plan names, per keyword-only parameter, either a field of the provider (port type None) or a
# port the provider builds on first use from the provider its port module names (see ``provided_port``).
Plan = tuple[tuple[str, type | None], ...]
_plans: dict[tuple[Callable[..., Any], type], Plan] = {}
_plans_lock = threading.Lock()

PROVIDER_ATTRIBUTE = "PROVIDER"


class PortProvider(typing.Protocol):
    """What can build a port named by its port module (``shared.bootstrap.Dependencies``)."""

    def port(self, name: str, port_type: type) -> object: ...


def call(provided: object, service: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
    """``service(*args, **kwargs)`` with its keyword-only parameters filled from ``provided``'s fields.

    Values given in ``kwargs`` win over the provided ones (a test may hand one service another clock).
    """
    for name, port_type in _plan(service, type(provided)):
        if name not in kwargs:
            if port_type is None:
                kwargs[name] = getattr(provided, name)
            else:
                kwargs[name] = typing.cast(PortProvider, provided).port(name, port_type)
    return service(*args, **kwargs)


def provided_port(annotation: Any) -> str | None:
    """``"module:function"`` when ``annotation`` is a port whose module names the function that builds it.

    A port module may say ``PROVIDER = "shared.adapters.reminders:provide"``; a service that declares
    ``reminders: ReminderChannel`` then gets what that function returns for the process's settings, built
    once. A new port thus needs no line in the composition root. The name is a string so that the port
    module (a plain interface) imports no adapter.
    """
    module = sys.modules.get(getattr(annotation, "__module__", ""), None)
    target = getattr(module, PROVIDER_ATTRIBUTE, None) if isinstance(annotation, type) else None
    return target if isinstance(target, str) and ":" in target else None


def check(service: Callable[..., Any], provider: type) -> None:
    """Raise InjectionError now if ``provider`` cannot fill ``service`` (for tests and start-up checks)."""
    _plan(service, provider)


def _plan(service: Callable[..., Any], provider: type) -> Plan:
    key = (service, provider)
    plan = _plans.get(key)
    if plan is None:
        plan = _make_plan(service, provider)
        with _plans_lock:
            _plans[key] = plan
    return plan


def _make_plan(service: Callable[..., Any], provider: type) -> Plan:
    offered = typing.get_type_hints(provider)
    declared = typing.get_type_hints(service)
    plan: list[tuple[str, type | None]] = []
    for parameter in inspect.signature(service).parameters.values():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        name = parameter.name
        if name not in offered:
            wanted = declared.get(name)
            if provided_port(wanted) is not None and hasattr(provider, "port"):
                plan.append((name, wanted))
                continue
            if parameter.default is inspect.Parameter.empty:
                raise InjectionError(
                    f"{_name(service)} needs '{name}', which {provider.__name__} does not provide; "
                    "add it to the composition root or pass it explicitly"
                )
            continue  # a caller-supplied option with a default
        wanted_type = declared.get(name, Any)
        if not _accepts(wanted_type, offered[name]):
            raise InjectionError(
                f"{_name(service)} declares '{name}: {_type_name(wanted_type)}' but "
                f"{provider.__name__} provides '{name}: {_type_name(offered[name])}'"
            )
        plan.append((name, None))
    return tuple(plan)


def _accepts(wanted: Any, offered: Any) -> bool:
    """Whether a parameter declared ``wanted`` takes every value of the type ``offered``."""
    if wanted is Any or wanted == offered:
        return True
    wanted_options = _options(wanted)
    return all(
        any(option == choice or _subclass(option, choice) for choice in wanted_options) for option in _options(offered)
    )


def _options(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _subclass(offered: Any, wanted: Any) -> bool:
    return isinstance(offered, type) and isinstance(wanted, type) and issubclass(offered, wanted)


def _name(service: Callable[..., Any]) -> str:
    return f"{getattr(service, '__module__', '?')}.{getattr(service, '__qualname__', service)}"


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation)


def build_port(target: str, port_type: type, settings: object) -> object:
    """Import ``module:function`` and call it with the settings; the result must satisfy the port."""
    module_name, _, function_name = target.partition(":")
    factory = getattr(importlib.import_module(module_name), function_name)
    built = factory(settings)
    if getattr(port_type, "_is_runtime_protocol", False) and not isinstance(built, port_type):
        raise InjectionError(f"{target} built a {type(built).__name__}, which is not a {port_type.__name__}")
    return built
