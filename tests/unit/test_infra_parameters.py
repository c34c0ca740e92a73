"""The parameters an operator sets are the same for azd and the Azure CLI, and documented.

azd substitutes ${AZURE_...} in infra/main.parameters.json from its environment; main.bicepparam reads
the same variables for az deployment. A parameter in one file and not the other, or not in
infra/README.md, is a deployment that differs by route or a setting nobody can find.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tools import bicep

PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)(?:=([^}]*))?\}")
BICEPPARAM_PARAM = re.compile(r"^param (\w+) = (.+)$", re.MULTILINE)


def azd_parameters() -> dict[str, Any]:
    """main.parameters.json as azd sees it with no variables set: each placeholder becomes its default."""
    text = (bicep.INFRA / "main.parameters.json").read_text(encoding="utf-8")
    parsed: dict[str, Any] = json.loads(PLACEHOLDER.sub(lambda match: match.group(2) or "", text))
    parameters: dict[str, Any] = parsed["parameters"]
    return parameters


def azd_variables() -> dict[str, str]:
    text = (bicep.INFRA / "main.parameters.json").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for name, entry in json.loads(re.sub(r":\s*(\$\{[^}]+\})", r': "\1"', text))["parameters"].items():
        match = PLACEHOLDER.search(str(entry["value"]))
        assert match, f"{name} is not read from the environment"
        found[name] = match.group(1)
    return found


def bicepparam_variables() -> dict[str, str]:
    text = (bicep.INFRA / "main.bicepparam").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for name, expression in BICEPPARAM_PARAM.findall(text):
        match = re.search(r"readEnvironmentVariable\('([A-Z0-9_]+)'", expression)
        if match:
            found[name] = match.group(1)
    return found


def test_every_azd_parameter_exists_in_the_template() -> None:
    declared = bicep.main()["parameters"]

    assert azd_parameters().keys() <= declared.keys()


def test_azd_and_the_cli_read_the_same_variables() -> None:
    assert azd_variables() == bicepparam_variables()


def test_operator_parameters_are_read_from_azure_variables() -> None:
    for name, variable in azd_variables().items():
        assert variable.startswith("AZURE_"), f"{name} reads {variable}"


def test_every_secret_comes_from_the_environment_never_from_a_file() -> None:
    declared = bicep.main()["parameters"]
    secure = {name for name, spec in declared.items() if any(d["type"] == "secure" for d in spec["decorators"])}

    assert {"cprEncryptionKey", "graphClientSecret", "recordsClientSecret", "digitalPostCertificate"} <= secure
    for name in secure:
        assert name in azd_variables(), f"{name} is not read from the environment"
        assert azd_parameters()[name]["value"] == "", f"{name} has a default value in main.parameters.json"


def test_every_operator_parameter_is_documented() -> None:
    readme = (bicep.INFRA / "README.md").read_text(encoding="utf-8")

    for name, variable in azd_variables().items():
        assert f"`{name}`" in readme, f"infra/README.md does not explain {name}"
        assert f"`{variable}`" in readme, f"infra/README.md does not name {variable}"


def test_azd_services_are_the_two_function_apps() -> None:
    text = (bicep.ROOT / "azure.yaml").read_text(encoding="utf-8")
    services = re.findall(r"^  (\w+):\n    project: \.\n    language: python\n    host: function$", text, re.MULTILINE)
    allowed = next(
        d["argument"]
        for d in bicep.module("function-app")["parameters"]["serviceName"]["decorators"]
        if d["type"] == "allowed"
    )

    assert "path: infra" in text and "module: main" in text
    assert sorted(services) == sorted(allowed) == ["intake", "workers"]
