"""Platform: health and the OpenAPI document."""

from __future__ import annotations

import functools
from typing import Any

import azure.functions as func
from pydantic import RootModel

from functions.http import REGISTRY, Answer, http_function
from functions.openapi import build_document
from shared.bootstrap import call
from shared.domain.base import PortalModel
from shared.services import health as checks
from shared.services.health import HealthReport

bp = func.Blueprint()
TAG = "Platform"


class Live(PortalModel):
    status: str


class OpenApiDocument(RootModel[dict[str, Any]]):
    pass


@http_function(
    bp,
    "GET",
    "health",
    summary="Whether documents, messages and files answer; 503 naming the failing ones",
    tag=TAG,
)
def health() -> Answer[HealthReport]:
    report = call(checks.check_health)
    return Answer(report, 200 if report.status == "ok" else 503)


@http_function(bp, "GET", "health/live", summary="Liveness: the process answers (no dependency is asked)", tag=TAG)
def health_live() -> Live:
    return Live(status="ok")


@functools.cache
def _openapi() -> dict[str, Any]:
    return build_document(REGISTRY.operations)


@http_function(bp, "GET", "openapi.json", summary="This API's OpenAPI 3.1 document", tag=TAG)
def openapi() -> OpenApiDocument:
    return OpenApiDocument(_openapi())
