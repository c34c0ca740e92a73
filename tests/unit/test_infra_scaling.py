"""Each function runs in the app meant for it, and the scale settings follow the capacity model.

The intake app serves HTTP and uploads; the workers app runs queue consumers and timers. Each indexes
its group by trigger type (PORTAL_FUNCTION_GROUP), so no function runs in both apps (timers twice).
"""

from __future__ import annotations

import runpy
from functools import cache
from typing import Any

from functions.groups import INTAKE_TRIGGERS
from tools import bicep, capacity

SPLIT_BY_TRIGGER = INTAKE_TRIGGERS


@cache
def functions_by_trigger() -> dict[str, str]:
    """Function name to trigger type, as the Functions host sees them.

    From a fresh copy of the app: get_functions() indexes an app once and refuses a second call, and
    other tests index function_app.app itself.
    """
    app = runpy.run_path(str(bicep.ROOT / "function_app.py"))["app"]
    found: dict[str, str] = {}
    for function in app.get_functions():
        trigger = function.get_trigger()
        assert trigger is not None, f"{function.get_function_name()} has no trigger"
        found[str(function.get_function_name())] = trigger.get_binding_name()
    return found


def app_params(app: str) -> dict[str, Any]:
    params: dict[str, Any] = bicep.main()["modules"][app]["config"]["params"]
    return params


def resolve(value: Any) -> Any:
    """A bare identifier in main.bicep names a variable; the upload function's default fills its parameter."""
    parsed = bicep.main()
    if isinstance(value, str) and value in parsed.get("variables", {}):
        return resolve(bicep.variable(parsed, value))
    if isinstance(value, str) and value in parsed["parameters"]:
        return bicep.parameter_default(parsed, value)
    if isinstance(value, list):
        return [resolve(item) for item in value]
    return value


def functions_of_group(group: str) -> set[str]:
    """What an app with PORTAL_FUNCTION_GROUP=group indexes, from a fresh copy of the app."""
    namespace = runpy.run_path(str(bicep.ROOT / "function_app.py"))
    app = namespace["app"]
    app.group = group
    return {str(function.get_function_name()) for function in app.get_functions()}


def test_every_queue_consumer_and_timer_runs_in_the_workers_app_only() -> None:
    expected = {name for name, trigger in functions_by_trigger().items() if trigger not in SPLIT_BY_TRIGGER}

    assert app_params("workersApp")["functionGroup"] == "workers"
    assert functions_of_group("workers") == expected


def test_every_http_function_and_the_upload_trigger_run_in_the_intake_app_only() -> None:
    expected = {name for name, trigger in functions_by_trigger().items() if trigger in SPLIT_BY_TRIGGER}

    assert app_params("intakeApp")["functionGroup"] == "intake"
    assert functions_of_group("intake") == expected
    assert functions_of_group("intake").isdisjoint(functions_of_group("workers"))


def test_the_upload_events_go_to_the_intake_app() -> None:
    uploads = {name for name, trigger in functions_by_trigger().items() if trigger == "blobTrigger"}

    assert uploads <= functions_of_group("intake")
    # A conditional module: its body sits one level down.
    subscription = bicep.main()["modules"]["uploadEvents"]["config"]["config"]["params"]
    assert "intakeApp" in bicep.strings_in(subscription["functionAppName"])


def test_function_names_can_be_disabled_on_linux() -> None:
    # AzureWebJobs.<name>.Disabled does not work for names with hyphens on Linux.
    assert not [name for name in functions_by_trigger() if "-" in name]


def test_only_the_workers_app_refuses_inbound_requests() -> None:
    assert app_params("intakeApp")["acceptsInbound"] is True
    assert app_params("workersApp")["acceptsInbound"] is False


def test_reserved_instances_go_to_consumers_that_exist() -> None:
    consumers = resolve("reservedConsumers")
    triggers = functions_by_trigger()

    assert consumers
    for name in consumers:
        assert triggers[name] == "serviceBusTrigger"
        assert name in functions_of_group("workers")


def test_http_concurrency_default_is_the_one_the_capacity_model_derives() -> None:
    default = bicep.parameter_default(bicep.main(), "httpPerInstanceConcurrency")

    assert default == capacity.recommended_http_concurrency()
    for app in ("intakeApp", "workersApp"):
        assert app_params(app)["httpPerInstanceConcurrency"] == "httpPerInstanceConcurrency"


def test_the_python_worker_has_a_thread_for_every_concurrent_call() -> None:
    listed = bicep.variable(bicep.module("function-app"), "portalSettings")
    settings = {entry["name"]: entry["value"] for entry in listed}
    threads = bicep.module("function-app")["variables"]["threadCount"]["value"]

    assert settings["PYTHON_THREADPOOL_THREAD_COUNT"]["function"]["parameters"]["value_to_convert"] == "threadCount"
    assert set(threads["function"]["parameters"].values()) >= {
        "httpPerInstanceConcurrency",
        "serviceBusMaxConcurrentCalls",
    }
