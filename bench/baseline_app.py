"""The real function app plus one HTTP function answering a constant.

The intake benchmark runs this module in the local host, so the baseline goes through the same
server, the same host and the same invocation path as a response does; only the work differs.
"""

from __future__ import annotations

import azure.functions as func

from function_app import app
from functions.http import API_PREFIX

# The host's route prefix is empty (the web pages live at the root); API routes carry "api/" themselves.
CONSTANT_ROUTE = API_PREFIX + "bench/constant"
CONSTANT_BODY = b'{"ok":true}'

bp = func.Blueprint()


@bp.route(route=CONSTANT_ROUTE, methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
def bench_constant(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(CONSTANT_BODY, status_code=200, mimetype="application/json")


app.register_functions(bp)

__all__ = ["CONSTANT_BODY", "CONSTANT_ROUTE", "app"]
