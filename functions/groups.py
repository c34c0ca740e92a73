"""Which functions an app indexes: one package, deployed as two apps that scale apart.

Flex Consumption scales an app as a whole, so the HTTP intake (which must stay up on deadline day)
and the queue consumers and timers (which must not be starved by it, nor starve it) run as two apps
from the same code. Each app's ``PORTAL_FUNCTION_GROUP`` picks its functions by trigger type, so a
new function lands in the right app without a list to keep in step anywhere.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import azure.functions as func

INTAKE_TRIGGERS = frozenset({"httpTrigger", "blobTrigger"})  # requests and the uploads they lead to
# The Settings field function_group (PORTAL_FUNCTION_GROUP) is the source of truth for the name and its
# values; they are repeated here so that indexing the app does not import the settings library, and
# tests/unit/test_function_groups.py keeps the two equal.
GROUP_VARIABLE = "PORTAL_FUNCTION_GROUP"
FunctionGroup = Literal["all", "intake", "workers"]


def runs_in(group: FunctionGroup, trigger_type: str) -> bool:
    if group == "all":
        return True
    return (trigger_type in INTAKE_TRIGGERS) is (group == "intake")


def configured_group() -> FunctionGroup:
    # Read directly rather than through Settings(): indexing must not fail on a setting that only the
    # first request needs, and the name and its values are still the Settings field's.
    value = os.environ.get(GROUP_VARIABLE) or "all"
    if value not in ("all", "intake", "workers"):
        raise ValueError(f"{GROUP_VARIABLE} must be all, intake or workers, not {value!r}")
    return value  # type: ignore[return-value]


class PortalFunctionApp(func.FunctionApp):
    """A FunctionApp that indexes only the functions of its group."""

    def __init__(self, *args: Any, group: FunctionGroup | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group: FunctionGroup = group or configured_group()

    def get_functions(self) -> list[Any]:
        functions = super().get_functions()
        return [f for f in functions if runs_in(self.group, _trigger_type(f))]


def _trigger_type(function: Any) -> str:
    trigger = function.get_trigger()
    return str(trigger.get_binding_name()) if trigger is not None else ""
