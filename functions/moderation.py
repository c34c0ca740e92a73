"""Moderation: the caseworker's list, flags, redaction, the audited original, notes and bulk decisions."""

from __future__ import annotations

from typing import Annotated

import azure.functions as func

from functions.http import Header, Query, http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.domain.moderation import NotesChange
from shared.services import moderation
from shared.services.moderation import (
    BulkDecision,
    BulkOutcome,
    FlagDecision,
    FlagList,
    ModerationPage,
    NotesView,
    OriginalText,
    RedactionRequest,
)
from shared.services.responses import ModeratedResponseView

bp = func.Blueprint()
TAG = "Moderation"
RESPONSE = "hearings/{hearing_id}/responses/{response_id}"
Language = Annotated[str | None, Header("Accept-Language")]


@http_function(
    bp,
    "GET",
    "hearings/{hearing_id}/moderation",
    summary="A hearing's responses for moderation, by status, flag kind and campaign group",
    tag=TAG,
    calls=moderation.moderation_list,
)
def moderation_list(
    who: Identity,
    hearing_id: str,
    status: Annotated[str | None, Query(description="a response status")] = None,
    flag_kind: Annotated[str | None, Query(description="cpr, email, phone, name, address or blacklisted")] = None,
    campaign_group_id: Annotated[str | None, Query(description="responses of one campaign group")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    continuation: Annotated[str | None, Query(description="token from the previous page")] = None,
    accept_language: Language = None,
) -> ModerationPage:
    return call(
        moderation.moderation_list,
        who,
        hearing_id,
        status,
        flag_kind,
        campaign_group_id,
        limit,
        continuation,
        accept_language,
    )


@http_function(
    bp,
    "POST",
    "hearings/{hearing_id}/responses/bulk",
    summary="Approve or decline many responses; each item's outcome is reported",
    tag=TAG,
    calls=moderation.bulk_decide,
)
def bulk_decide(who: Identity, hearing_id: str, request: BulkDecision) -> BulkOutcome:
    return call(moderation.bulk_decide, who, hearing_id, request)


@http_function(
    bp,
    "GET",
    f"{RESPONSE}/flags",
    summary="A response's flags, with positions",
    tag=TAG,
    calls=moderation.list_flags,
)
def list_flags(who: Identity, hearing_id: str, response_id: str) -> FlagList:
    return call(moderation.list_flags, who, hearing_id, response_id)


@http_function(
    bp,
    "POST",
    f"{RESPONSE}/flags/{{flag_id}}",
    summary="Accept or redact one flag (a CPR number can only be redacted)",
    tag=TAG,
    calls=moderation.decide_flag,
)
def decide_flag(
    who: Identity, hearing_id: str, response_id: str, flag_id: str, request: FlagDecision
) -> ModeratedResponseView:
    return call(moderation.decide_flag, who, hearing_id, response_id, flag_id, request)


@http_function(
    bp,
    "POST",
    f"{RESPONSE}/redactions",
    summary="Redact spans of a response's text, with a reason",
    tag=TAG,
    calls=moderation.redact_spans,
)
def redact_spans(who: Identity, hearing_id: str, response_id: str, request: RedactionRequest) -> ModeratedResponseView:
    return call(moderation.redact_spans, who, hearing_id, response_id, request)


@http_function(
    bp,
    "GET",
    f"{RESPONSE}/original",
    summary="The original text (owner and admins; every read is in the audit trail)",
    tag=TAG,
    calls=moderation.read_original,
)
def read_original(who: Identity, hearing_id: str, response_id: str) -> OriginalText:
    return call(moderation.read_original, who, hearing_id, response_id)


@http_function(
    bp,
    "PUT",
    f"{RESPONSE}/notes",
    summary="The caseworker's internal note, summary and assessment",
    tag=TAG,
    calls=moderation.set_notes,
)
def set_notes(who: Identity, hearing_id: str, response_id: str, change: NotesChange) -> NotesView:
    return call(moderation.set_notes, who, hearing_id, response_id, change)
