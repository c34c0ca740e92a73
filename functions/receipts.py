"""Receipts anyone can verify: the public keys, receipt files, tree heads, verification, versions, "my responses"."""

from __future__ import annotations

from typing import Annotated

import azure.functions as func

from functions.http import Query, http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.services import response_receipts as receipts
from shared.services.receipt_log import ConsistencyProof, ReceiptFile
from shared.services.response_receipts import (
    MyResponses,
    ReceiptKeys,
    TreeHeads,
    Verdict,
    VerifyRequest,
    VersionsView,
)

bp = func.Blueprint()
TAG = "Receipts"
RESPONSE = "hearings/{hearing_id}/responses/{response_id}"


@http_function(
    bp, "GET", "receipts/keys", summary="The receipt signing keys (JWKS)", tag=TAG, calls=receipts.receipt_keys
)
def receipt_keys() -> ReceiptKeys:
    return call(receipts.receipt_keys)


@http_function(
    bp,
    "POST",
    "receipts/verify",
    summary="Is a receipt genuine, in its hearing's log, and does the stored response still match it?",
    tag=TAG,
    calls=receipts.verify_receipt,
)
def verify_receipt(request: VerifyRequest) -> Verdict:
    return call(receipts.verify_receipt, request)


@http_function(
    bp,
    "GET",
    f"{RESPONSE}/receipt",
    summary="The signed receipt of a response version, with its inclusion proof and a published tree head",
    tag=TAG,
    calls=receipts.response_receipt,
)
def response_receipt(
    who: Identity,
    hearing_id: str,
    response_id: str,
    version: Annotated[int, Query(ge=0, le=10_000, description="the version; 0 or left out: the current one")] = 0,
) -> ReceiptFile:
    return call(receipts.response_receipt, who, hearing_id, response_id, version or None)


@http_function(
    bp,
    "GET",
    f"{RESPONSE}/versions",
    summary="Every version of a response (the respondent and the hearing's owner)",
    tag=TAG,
    calls=receipts.response_versions,
)
def response_versions(who: Identity, hearing_id: str, response_id: str) -> VersionsView:
    return call(receipts.response_versions, who, hearing_id, response_id)


@http_function(
    bp,
    "GET",
    "hearings/{hearing_id}/tree-heads",
    summary="The hearing's published signed tree heads, newest first",
    tag=TAG,
    calls=receipts.tree_heads,
)
def tree_heads(who: Identity | None, hearing_id: str) -> TreeHeads:
    return call(receipts.tree_heads, who, hearing_id)


@http_function(
    bp,
    "GET",
    "hearings/{hearing_id}/tree-heads/consistency",
    summary="Proof that the hearing's log at one size is a prefix of it at a later size (RFC 9162)",
    tag=TAG,
    calls=receipts.tree_head_consistency,
)
def tree_head_consistency(
    who: Identity | None,
    hearing_id: str,
    first: Annotated[int, Query(ge=1, description="the earlier tree size")] = 1,
    second: Annotated[int, Query(ge=1, description="the later tree size")] = 1,
) -> ConsistencyProof:
    return call(receipts.tree_head_consistency, who, hearing_id, first, second)


@http_function(
    bp,
    "GET",
    "me/responses",
    summary="What was filed in my name: every response of mine, in every state, across hearings",
    tag=TAG,
    calls=receipts.my_responses,
)
def my_responses(
    who: Identity,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    continuation: Annotated[str | None, Query(description="token from the previous page")] = None,
) -> MyResponses:
    return call(receipts.my_responses, who, limit=limit, continuation=continuation)
