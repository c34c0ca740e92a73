"""The local development issuer over HTTP: an OpenID Connect provider for fictitious personas.

Discovery, keys, the authorization endpoint (a page to choose a persona) and the token endpoint,
under ``/api/dev``. Only the local host and the tests register this blueprint (the deployed
``function_app`` does not import it); every endpoint answers 404 unless the host installed an
issuer with ``use``, which it does only when the settings enable it (refused in production).

``POST dev/token`` has two forms: a form-encoded body is the OAuth authorization code grant; a
JSON body ``{"persona": "..."}`` is a shortcut for tests and scripts that returns a token at once
(recognised by its content type or by its opening brace, as ``curl -d`` sends JSON as a form).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

import azure.functions as func
from pydantic import Field, RootModel

from functions.http import Query, http_function, ok, parse_body
from local_host.dev_identity.port import DevTokenIssuer
from local_host.dev_identity.sign_in import (
    AuthorizationCodes,
    AuthorizationError,
    AuthorizationRequest,
    DevSignIn,
    OAuthError,
    error_page,
    form_fields,
)
from shared.domain.base import InputModel, PortalModel
from shared.domain.errors import InvalidInput, NotFound

bp = func.Blueprint()
TAG = "Development sign-in"

# Pending authorization codes of this process (see local_host.dev_identity.sign_in).
_codes = AuthorizationCodes()

# Public metadata and keys may be read by a browser app on any origin; the token endpoint too,
# since the code flow with PKCE is meant for public clients without cookies.
_CORS = {"Access-Control-Allow-Origin": "*"}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_PAGE_HEADERS = {
    **_NO_STORE,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class ProviderMetadata(RootModel[dict[str, Any]]):
    pass


class Jwks(RootModel[dict[str, Any]]):
    pass


class HtmlPage(RootModel[str]):
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


_issuer: DevTokenIssuer | None = None


def use(issuer: DevTokenIssuer | None) -> None:
    """Install the development issuer these endpoints speak for; None turns them off (404)."""
    global _issuer
    _issuer = issuer


def _dev_issuer() -> DevTokenIssuer:
    issuer = _issuer
    if issuer is None:
        raise NotFound("the development issuer is not enabled here")
    return issuer


def _sign_in() -> DevSignIn:
    return DevSignIn(_dev_issuer(), _codes)


def _now() -> datetime:
    # Real time, not the adjustable clock: token lifetimes are checked against real time.
    return datetime.now(UTC)


@http_function(
    bp,
    "GET",
    "dev/.well-known/openid-configuration",
    summary="Development issuer: OpenID Connect discovery document",
    tag=TAG,
    returns=ProviderMetadata,
    raises=(NotFound,),
)
def dev_discovery() -> func.HttpResponse:
    return ok(_sign_in().discovery(), headers=_CORS)


@http_function(
    bp,
    "GET",
    "dev/jwks.json",
    summary="Development issuer: signing keys",
    tag=TAG,
    returns=Jwks,
    raises=(NotFound,),
)
def dev_jwks() -> func.HttpResponse:
    return ok(_dev_issuer().jwks(), headers=_CORS)


@http_function(
    bp,
    "GET",
    "dev/personas",
    summary="Development issuer: who you can sign in as",
    tag=TAG,
    raises=(NotFound,),
)
def dev_personas() -> PersonaList:
    personas = [PersonaView(id=p.id, label=p.label, description=p.description) for p in _dev_issuer().personas()]
    return PersonaList(personas)


@http_function(
    bp,
    "GET",
    "dev/authorize",
    summary="Development issuer: authorization endpoint, a page to choose a persona (code flow with PKCE)",
    tag=TAG,
    returns=HtmlPage,
    raises=(NotFound,),
    content_type="text/html",
)
def dev_authorize_page(
    req: func.HttpRequest,
    # Named for the OpenAPI document; the sign-in reads the whole query string, as OAuth asks.
    response_type: Annotated[str | None, Query(alias="response_type", description="code")] = None,
    client_id: Annotated[
        str | None, Query(alias="client_id", description="the client's id; the ID token's audience")
    ] = None,
    redirect_uri: Annotated[
        str | None,
        Query(
            alias="redirect_uri",
            description="an http://localhost or http://127.0.0.1 address, or one of the portal's own",
        ),
    ] = None,
    code_challenge: Annotated[
        str | None, Query(alias="code_challenge", description="BASE64URL(SHA-256(code_verifier))")
    ] = None,
    code_challenge_method: Annotated[str | None, Query(alias="code_challenge_method", description="S256")] = None,
    scope: Annotated[str | None, Query(description="openid, optionally profile")] = None,
    state: Annotated[str | None, Query(description="returned unchanged")] = None,
    nonce: Annotated[str | None, Query(description="copied into the ID token")] = None,
) -> func.HttpResponse:
    sign_in = _sign_in()
    try:
        request = sign_in.authorization_request(dict(req.params))
    except AuthorizationError as error:
        return _refused(error)
    return _html(sign_in.chooser_page(request))


@http_function(
    bp,
    "POST",
    "dev/authorize",
    summary="Development issuer: the chosen persona; redirects to the client with a code",
    tag=TAG,
    status=302,
    raises=(NotFound,),
)
def dev_authorize_choice(req: func.HttpRequest) -> func.HttpResponse:
    sign_in = _sign_in()
    try:
        form = form_fields(req.get_body())
        request: AuthorizationRequest = sign_in.authorization_request(form)
        if form.get("cancel"):
            return _redirect(sign_in.deny(request))
        return _redirect(sign_in.approve(request, form.get("persona", ""), _now()))
    except AuthorizationError as error:
        return _refused(error)
    except OAuthError as error:
        return _refused(AuthorizationError(error.error, error.description))


@http_function(
    bp,
    "POST",
    "dev/token",
    summary="Development issuer: token endpoint (form: authorization_code grant; JSON: a token for a persona)",
    tag=TAG,
    returns=TokenAnswer,
    raises=(NotFound, InvalidInput),
)
def dev_token(req: func.HttpRequest) -> func.HttpResponse:
    sign_in = _sign_in()
    if _is_json(req):
        return _token_for_persona(req)
    try:
        answer = sign_in.exchange(form_fields(req.get_body()), _now())
    except OAuthError as error:
        return _oauth_json(error.body(), 400)
    return _oauth_json(answer, 200)


def _token_for_persona(req: func.HttpRequest) -> func.HttpResponse:
    request = parse_body(req, TokenRequest)
    issuer = _dev_issuer()
    try:
        token = issuer.issue(request.persona, _now())
    except KeyError:
        raise InvalidInput("no such persona", field="persona") from None
    return ok(TokenAnswer(access_token=token, expires_in=int(issuer.token_lifetime.total_seconds())))


def _is_json(req: func.HttpRequest) -> bool:
    # By the body as well as the header: ``curl -d '{"persona": ...}'`` labels JSON as a form.
    content_type = str(req.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    return content_type == "application/json" or req.get_body().lstrip().startswith(b"{")


def _oauth_json(body: Mapping[str, Any], status: int) -> func.HttpResponse:
    return ok(dict(body), status=status, headers={**_NO_STORE, **_CORS})


def _html(page: str, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(page, status_code=status, mimetype="text/html", charset="utf-8", headers=_PAGE_HEADERS)


def _redirect(location: str) -> func.HttpResponse:
    return func.HttpResponse(status_code=302, headers={"Location": location, **_NO_STORE})


def _refused(error: AuthorizationError) -> func.HttpResponse:
    location = error.redirect()
    if location is not None:
        return _redirect(location)
    # No address we may send the person to: say what is wrong right here.
    return _html(error_page(error), status=400)
