"""The OpenAPI 3.1 document, generated from the registered HTTP functions and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from functions.http import Operation

_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
                "required": ["field", "detail"],
            },
        },
    },
    "required": ["type", "title", "status"],
}
_REASONS = {
    401: "Sign-in required or token refused",
    403: "Not allowed",
    404: "Not found (or not visible to the caller)",
    409: "Conflicts with the current state",
    412: "Changed by someone else (stale ETag)",
    422: "Invalid fields",
    429: "Too many requests from this identity; see Retry-After",
}


def build_document(operations: list[Operation], server_url: str = "/api") -> dict[str, Any]:
    wanted: set[tuple[type[BaseModel], JsonSchemaMode]] = set()
    for op in operations:
        if op.body is not None:
            wanted.add((op.body, "validation"))
        if op.returns is not None:
            wanted.add((op.returns, "serialization"))
    keyed, definitions = models_json_schema(
        sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1])),
        by_alias=True,
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    schemas["Problem"] = _PROBLEM

    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        path = "/" + op.route
        entry: dict[str, Any] = {
            "operationId": op.function_name,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in re.findall(r"{([^}:?]+)", op.route)
            ]
            + [
                {"name": name, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
                for name, text in op.query
            ],
            "responses": {},
        }
        if op.auth == "required":
            entry["security"] = [{"bearer": []}]
        elif op.auth == "optional":
            entry["security"] = [{}, {"bearer": []}]
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": keyed[(op.body, "validation")]}},
            }
        success: dict[str, Any] = {"description": "Success"}
        if op.returns is not None:
            success["content"] = {op.content_type: {"schema": keyed[(op.returns, "serialization")]}}
        entry["responses"][str(op.status)] = success
        for status in sorted({*op.errors, *((401,) if op.auth == "required" else ()), 500}):
            entry["responses"][str(status)] = {
                "description": _REASONS.get(status, "Server error"),
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
        paths.setdefault(path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Hearing portal API",
            "version": "1.0.0",
            "description": "Public hearings (høringer): publication, responses, subscriptions and records.",
        },
        "servers": [{"url": server_url}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
