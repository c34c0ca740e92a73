"""The real function app plus two HTTP functions for the intake benchmark's baselines.

One answers a constant; the other first checks the request's token with the app's own validator and
parses its body with the intake's model, so the benchmark can show what the token check alone costs
inside the host. The benchmark runs this module in the local host, so the baselines go through the
same server, the same host and the same invocation path as a response does; only the work differs.
"""

from __future__ import annotations

import azure.functions as func
from pydantic import ValidationError

from function_app import app
from functions.http import API_PREFIX
from shared.bootstrap import dependencies
from shared.ports.identity import InvalidToken
from shared.services.responses import ResponseSubmission

# The host's route prefix is empty (the web pages live at the root); API routes carry "api/" themselves.
CONSTANT_ROUTE = API_PREFIX + "bench/constant"
CONSTANT_BODY = b'{"ok":true}'

bp = func.Blueprint()


@bp.route(route=CONSTANT_ROUTE, methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
def bench_constant(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(CONSTANT_BODY, status_code=200, mimetype="application/json")


TOKEN_ROUTE = API_PREFIX + "bench/token"


@bp.route(route=TOKEN_ROUTE, methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def bench_token(req: func.HttpRequest) -> func.HttpResponse:
    token = (req.headers.get("Authorization") or "").partition(" ")[2]
    try:
        dependencies().tokens.validate(token)
        ResponseSubmission.model_validate_json(req.get_body())
    except (InvalidToken, ValidationError):
        return func.HttpResponse(b'{"ok":false}', status_code=400, mimetype="application/json")
    return func.HttpResponse(CONSTANT_BODY, status_code=200, mimetype="application/json")


app.register_functions(bp)

__all__ = ["CONSTANT_BODY", "CONSTANT_ROUTE", "TOKEN_ROUTE", "app"]
