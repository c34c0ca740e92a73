"""Platform: health and the OpenAPI document. The development issuer is in ``functions.dev_login``."""

from __future__ import annotations

import functools
from typing import Any

import azure.functions as func
from pydantic import RootModel

from functions.http import REGISTRY, http_function, ok
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


@http_function(bp, "GET", "health", summary="Liveness and configuration summary", tag=TAG, returns=Health, auth="none")
def health(req: func.HttpRequest) -> func.HttpResponse:
    return ok(Health(status="ok", environment=dependencies().settings.environment.value))


@functools.cache
def _openapi() -> dict[str, Any]:
    return build_document(REGISTRY.operations)


@http_function(
    bp, "GET", "openapi.json", summary="This API's OpenAPI 3.1 document", tag=TAG, returns=OpenApiDocument, auth="none"
)
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return ok(_openapi())
