"""The OpenAPI 3.1 document, generated from the registered HTTP functions and their pydantic models."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from functions.http import Operation, reason

if TYPE_CHECKING:
    from pydantic.json_schema import JsonSchemaMode

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


def build_document(operations: list[Operation], server_url: str = "/api") -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema  # only the OpenAPI function needs it

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
                {
                    "name": query.name,
                    "in": "query",
                    "required": query.required,
                    "description": query.description,
                    "schema": dict(query.schema),
                }
                for query in op.query
            ]
            + [
                {"name": name, "in": "header", "required": name in op.required_headers, "schema": {"type": "string"}}
                for name in op.headers
            ],
            "responses": {},
        }
        if op.auth == "required":
            entry["security"] = [{"bearer": []}]
        elif op.auth == "optional":
            entry["security"] = [{}, {"bearer": []}]
        if op.body is not None:
            content: dict[str, Any] = {"application/json": {"schema": keyed[(op.body, "validation")]}}
            for other in op.body_content_types:
                content[other] = {"schema": {"type": "string"}}
            # A body whose every field has a default may be left out (an empty body reads as {}).
            required = any(field.is_required() for field in op.body.model_fields.values())
            entry["requestBody"] = {"required": required, "content": content}
        success: dict[str, Any] = {"description": "Success"}
        if op.returns is not None:
            success["content"] = {op.content_type: {"schema": keyed[(op.returns, "serialization")]}}
        entry["responses"][str(op.status)] = success
        for status in sorted({*op.errors, *((401,) if op.auth == "required" else ()), 500}):
            entry["responses"][str(status)] = {
                "description": reason(status),
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
