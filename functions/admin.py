"""Reference data admins manage: the terms respondents accept, and the blacklisted terms screening flags.

Routes start with ``management/``: the Functions host refuses any route starting with ``admin``
(it keeps that prefix for its own API, whatever the route prefix), so ``/api/admin/...`` cannot be deployed.
"""

from __future__ import annotations

import azure.functions as func

from functions.http import http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.domain.reference import Blacklist, BlacklistTerms, Terms, TermsText
from shared.services import blacklist, terms
from shared.services.terms import TermsList

bp = func.Blueprint()
TAG = "Administration"


@http_function(bp, "GET", "terms/current", summary="The current terms", tag=TAG, calls=terms.get_current_terms)
def current_terms() -> Terms:
    return call(terms.get_current_terms)


@http_function(bp, "GET", "management/terms", summary="Every version of the terms", tag=TAG, calls=terms.list_terms)
def list_terms(who: Identity) -> TermsList:
    return call(terms.list_terms, who)


@http_function(
    bp,
    "PUT",
    "management/terms",
    summary="Publish the next terms",
    tag=TAG,
    calls=terms.publish_terms,
)
def publish_terms(who: Identity, request: TermsText) -> Terms:
    return call(terms.publish_terms, who, request)


@http_function(
    bp, "GET", "management/blacklist", summary="Terms screening flags (admins)", tag=TAG, calls=blacklist.get_blacklist
)
def get_blacklist(who: Identity) -> Blacklist:
    return call(blacklist.get_blacklist, who)


@http_function(
    bp,
    "PUT",
    "management/blacklist",
    summary="Replace the terms screening flags (admins; audited)",
    tag=TAG,
    calls=blacklist.put_blacklist,
)
def put_blacklist(who: Identity, request: BlacklistTerms) -> Blacklist:
    return call(blacklist.put_blacklist, who, request)
