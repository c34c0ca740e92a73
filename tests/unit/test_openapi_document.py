"""The OpenAPI document covers every HTTP function the app registers."""

from __future__ import annotations

from azure.functions.decorators.http import HttpTrigger

import function_app
from functions.http import API_PREFIX, REGISTRY
from functions.openapi import build_document


def registered_http_functions() -> list[tuple[str, str, str]]:
    found = []
    for function in function_app.app.get_functions():
        trigger = function.get_trigger()
        if isinstance(trigger, HttpTrigger):
            for method in trigger.methods or []:
                name = str(function.get_function_name())
                found.append((name, str(getattr(method, "value", method)).lower(), str(trigger.route)))
    return found


def test_every_http_function_is_in_the_openapi_document() -> None:
    document = build_document(REGISTRY.operations)
    # The web pages are not part of the API; every function under api/ is.
    functions = [
        (name, method, route) for name, method, route in registered_http_functions() if route.startswith(API_PREFIX)
    ]
    assert len(functions) >= 20
    assert document["servers"] == [{"url": "/" + API_PREFIX.rstrip("/")}]
    for name, method, route in functions:
        operation = document["paths"].get("/" + route.removeprefix(API_PREFIX), {}).get(method)
        assert operation is not None, f"{method.upper()} /{route} ({name}) is missing from the OpenAPI document"
        assert operation["operationId"] == name


def test_request_and_answer_shapes_come_from_the_models() -> None:
    document = build_document(REGISTRY.operations)
    submit = document["paths"]["/hearings/{hearing_id}/responses"]["post"]
    body_ref = submit["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][body_ref.rsplit("/", 1)[-1]]
    assert schema["required"] == ["text"]
    assert "publishName" in schema["properties"]
    assert submit["security"] == [{"bearer": []}]
    assert "application/problem+json" in submit["responses"]["401"]["content"]
    receipt_ref = submit["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert {"responseId", "receivedAt", "digest"} <= set(
        document["components"]["schemas"][receipt_ref.rsplit("/", 1)[-1]]["properties"]
    )
    assert document["openapi"] == "3.1.0"
