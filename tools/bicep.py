"""The Bicep templates in infra/, read with pycep (the parser checkov uses), for tests and the capacity model.

pycep turns a template into plain data: parameters, variables, resources and modules as dictionaries.
String literals and bare identifiers both come out as strings ('production' and entraTenantId look
alike), so callers compare names and literal values, never evaluate expressions.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, cast

from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"
MODULES = INFRA / "modules"


def template_paths() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


@cache
def template(path: Path) -> dict[str, Any]:
    """The parsed template; raises when the file is not valid Bicep."""
    return cast(dict[str, Any], BicepParser().parse(file_path=path))


def main() -> dict[str, Any]:
    return template(INFRA / "main.bicep")


def module(name: str) -> dict[str, Any]:
    return template(MODULES / f"{name}.bicep")


def variable(parsed: dict[str, Any], name: str) -> Any:
    return parsed["variables"][name]["value"]


def parameter_default(parsed: dict[str, Any], name: str) -> Any:
    return parsed["parameters"][name].get("default")


def resources(parsed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Name to resource; a resource loop's body is lifted so every entry has ``config`` properties."""
    found: dict[str, dict[str, Any]] = {}
    for name, resource in parsed.get("resources", {}).items():
        config = resource["config"]
        if "loop_type" in config:
            config = config["config"]
        found[name] = {"type": resource["type"], "existing": resource["existing"], "config": config}
    return found


def strings_in(value: Any) -> list[str]:
    """Every string anywhere in a parsed value (literals, identifiers and interpolations alike)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []
