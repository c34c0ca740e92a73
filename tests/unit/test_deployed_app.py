"""The deployed function app carries no development sign-in: not imported, not listed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
import function_app
from functions.http import REGISTRY
from functions.openapi import build_document
from azure.functions.decorators.http import HttpTrigger

routes = []
for function in function_app.app.get_functions():
    trigger = function.get_trigger()
    if isinstance(trigger, HttpTrigger):
        routes.append(str(trigger.route))
print(json.dumps({
    "modules": sorted(sys.modules),
    "paths": sorted(build_document(REGISTRY.operations)["paths"]),
    "routes": routes,
}))
"""


def _deployed_app() -> dict[str, list[str]]:
    # A fresh interpreter: in this one, other tests may have loaded the local host.
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


def test_the_deployed_app_neither_imports_nor_lists_the_development_sign_in() -> None:
    app = _deployed_app()

    development = [name for name in app["modules"] if name.startswith("local_host")]
    assert development == [], f"the deployed app loads {development}"
    assert len(app["routes"]) >= 20, "the probe should see the portal's HTTP functions"
    assert [route for route in app["routes"] if route.startswith("dev/")] == []
    assert [path for path in app["paths"] if path.startswith("/dev/")] == []
    assert "/hearings/{hearing_id}/responses" in app["paths"]
