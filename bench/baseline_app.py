"""The real function app plus HTTP functions for the intake benchmark's baselines.

One answers a constant; the next first checks the request's token with the app's own validator and
parses its body with the intake's model, so the benchmark can show what the token check alone costs
inside the host. Two more (``--parts``) do ever more of the intake: the same through the portal's
handler machinery (``http_function``: the caller and body read from the signature, the span, the
answer), and that plus the response row the in-process floor writes, through the store's group commit.
The benchmark runs this module in the local host, so the baselines go through the same server, the same
host and the same invocation path as a response does; only the work differs.
"""

from __future__ import annotations

from datetime import UTC, datetime

import azure.functions as func
from pydantic import BaseModel, ValidationError

from function_app import app
from functions.http import API_PREFIX, http_function
from shared.bootstrap import dependencies
from shared.domain.identity import Identity
from shared.domain.response import Response
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


ROW_HEARING = "bench-rows"  # the durable row's hearing: its own partition, never the benchmark's hearing


class _Done(BaseModel):
    ok: bool = True


@http_function(bp, "POST", "bench/handler", summary="Benchmark: token and body through the handler", tag="Bench")
def bench_handler(who: Identity, submission: ResponseSubmission) -> _Done:
    return _Done()


@http_function(bp, "POST", "bench/row", summary="Benchmark: the handler plus one durable row", tag="Bench")
def bench_row(who: Identity, submission: ResponseSubmission) -> _Done:
    # The row the in-process floor appends: the response as received, in a hearing of its own.
    response = Response.receive(ROW_HEARING, who, submission.text, submission.publish_name, datetime.now(UTC))
    dependencies().documents.create("responses", (ROW_HEARING, response.id), response.to_document())
    return _Done()


app.register_functions(bp)

__all__ = ["CONSTANT_BODY", "CONSTANT_ROUTE", "ROW_HEARING", "TOKEN_ROUTE", "app"]
