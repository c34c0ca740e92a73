"""Platform: health, the OpenAPI document, and the local development token issuer."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
from pydantic import Field, RootModel

from functions.http import REGISTRY, http_function, ok, parse_body
from functions.openapi import build_document
from shared.bootstrap import dependencies
from shared.domain.base import InputModel, PortalModel
from shared.domain.errors import InvalidInput, NotFound
from shared.ports.identity import DevTokenIssuer

bp = func.Blueprint()
TAG = "Platform"


class Health(PortalModel):
    status: str
    environment: str


class OpenApiDocument(RootModel[dict[str, Any]]):
    pass


class Jwks(RootModel[dict[str, Any]]):
    pass


class PersonaView(PortalModel):
    id: str
    label: str
    description: str


class PersonaList(RootModel[list[PersonaView]]):
    pass


class TokenRequest(InputModel):
    persona: str = Field(min_length=1, description="A persona id from GET /api/dev/personas")


class TokenAnswer(PortalModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


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


def _dev_issuer() -> DevTokenIssuer:
    issuer = dependencies().dev_issuer
    if issuer is None:
        raise NotFound("the development issuer is not enabled here")
    return issuer


@http_function(
    bp,
    "GET",
    "dev/jwks.json",
    summary="Development issuer: signing keys",
    tag=TAG,
    returns=Jwks,
    auth="none",
    errors=(404,),
)
def dev_jwks(req: func.HttpRequest) -> func.HttpResponse:
    return ok(_dev_issuer().jwks())


@http_function(
    bp,
    "GET",
    "dev/personas",
    summary="Development issuer: who you can sign in as",
    tag=TAG,
    returns=PersonaList,
    auth="none",
    errors=(404,),
)
def dev_personas(req: func.HttpRequest) -> func.HttpResponse:
    personas = [PersonaView(id=p.id, label=p.label, description=p.description) for p in _dev_issuer().personas()]
    return ok(PersonaList(personas))


@http_function(
    bp,
    "POST",
    "dev/token",
    summary="Development issuer: a signed token for a persona",
    tag=TAG,
    body=TokenRequest,
    returns=TokenAnswer,
    auth="none",
    errors=(404, 422),
)
def dev_token(req: func.HttpRequest) -> func.HttpResponse:
    issuer = _dev_issuer()
    request = parse_body(req, TokenRequest)
    lifetime_hours = 8
    try:
        # Real time, not the adjustable clock: token lifetimes are checked against real time.
        token = issuer.issue(request.persona, datetime.now(UTC))
    except KeyError:
        raise InvalidInput("no such persona", field="persona") from None
    return ok(TokenAnswer(access_token=token, expires_in=lifetime_hours * 3600))
