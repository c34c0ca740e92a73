"""Platform: health and the OpenAPI document."""

from __future__ import annotations

import functools
from typing import Any

import azure.functions as func
from pydantic import RootModel

from functions.http import REGISTRY, http_function
from functions.openapi import build_document
from shared.bootstrap import dependencies
from shared.domain.base import PortalModel

bp = func.Blueprint()
TAG = "Platform"


class Health(PortalModel):
    status: str
    environment: str


class OpenApiDocument(RootModel[dict[str, Any]]):
    pass


@http_function(bp, "GET", "health", summary="Liveness and configuration summary", tag=TAG)
def health() -> Health:
    return Health(status="ok", environment=dependencies().settings.environment.value)


@functools.cache
def _openapi() -> dict[str, Any]:
    return build_document(REGISTRY.operations)


@http_function(bp, "GET", "openapi.json", summary="This API's OpenAPI 3.1 document", tag=TAG)
def openapi() -> OpenApiDocument:
    return OpenApiDocument(_openapi())
