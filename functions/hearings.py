"""Publication: hearings, their documents and the timers that open and close them."""

from __future__ import annotations

import logging
from typing import Annotated

import azure.functions as func

from functions.http import Answer, Body, Header, Query, http_function
from shared.bootstrap import call
from shared.domain.errors import InvalidInput
from shared.domain.identity import Identity
from shared.services import caseworking, hearing_files, hearings
from shared.services.containers import UPLOADS_CONTAINER
from shared.services.hearing_api import (
    AuditPage,
    CancelRequest,
    Conclusion,
    HearingChanges,
    HearingDraft,
    HearingPage,
    HearingView,
    InviteeList,
    ScheduleRequest,
    UploadRequest,
    UploadTicket,
)

bp = func.Blueprint()
log = logging.getLogger(__name__)
TAG = "Hearings"
HEARING = "hearings/{hearing_id}"


@http_function(
    bp, "GET", "hearings", summary="List the hearings the caller may see", tag=TAG, calls=hearings.list_hearings
)
def list_hearings(
    who: Identity | None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    continuation: Annotated[str | None, Query(description="token from the previous page")] = None,
    mine: Annotated[bool, Query(description="true: hearings I own")] = False,
) -> HearingPage:
    return call(hearings.list_hearings, who, limit=limit, continuation=continuation, mine=mine)


@http_function(
    bp,
    "POST",
    "hearings",
    summary="Create a hearing from a template",
    tag=TAG,
    status=201,
    calls=hearings.create_hearing,
)
def create_hearing(who: Identity, draft: HearingDraft) -> Answer[HearingView]:
    view = call(hearings.create_hearing, who, draft)
    return Answer(view, headers={"Location": f"/api/hearings/{view.id}", "ETag": view.etag or ""})


@http_function(bp, "GET", HEARING, summary="Read a hearing", tag=TAG, calls=hearings.get_hearing)
def get_hearing(who: Identity | None, hearing_id: str) -> Answer[HearingView]:
    view = call(hearings.get_hearing, who, hearing_id)
    return Answer(view, headers={"ETag": view.etag} if view.etag else None)


@http_function(
    bp,
    "PATCH",
    HEARING,
    summary="Edit a hearing's texts and settings (If-Match: the ETag read, or * to overwrite whatever is there)",
    tag=TAG,
    calls=hearings.edit_hearing,
)
def edit_hearing(
    who: Identity,
    hearing_id: str,
    changes: HearingChanges,
    # A hearing has several editors (owner, co-owners, admins): an edit that names no version would
    # silently undo a colleague's. "*" says so on purpose (RFC 9110: any current version).
    if_match: Annotated[str, Header("If-Match", required=True)],
) -> Answer[HearingView]:
    version = None if if_match == "*" else if_match
    view = call(hearings.edit_hearing, who, hearing_id, changes, if_match=version)
    return Answer(view, headers={"ETag": view.etag or ""})


@http_function(
    bp,
    "POST",
    f"{HEARING}/schedule",
    summary="Schedule a hearing, or move its deadline",
    tag=TAG,
    calls=hearings.schedule_hearing,
)
def schedule_hearing(who: Identity, hearing_id: str, request: ScheduleRequest) -> HearingView:
    return call(hearings.schedule_hearing, who, hearing_id, request)


@http_function(
    bp,
    "POST",
    f"{HEARING}/conclude",
    summary="Conclude a hearing after its deadline",
    tag=TAG,
    calls=hearings.conclude_hearing,
)
def conclude_hearing(who: Identity, hearing_id: str, request: Conclusion) -> HearingView:
    return call(hearings.conclude_hearing, who, hearing_id, request)


@http_function(
    bp,
    "POST",
    f"{HEARING}/cancel",
    summary="Cancel a draft or scheduled hearing",
    tag=TAG,
    calls=hearings.cancel_hearing,
)
def cancel_hearing(who: Identity, hearing_id: str, request: CancelRequest) -> HearingView:
    # An empty body is an empty object: the reason is optional.
    return call(hearings.cancel_hearing, who, hearing_id, request.reason)


@http_function(
    bp,
    "POST",
    f"{HEARING}/documents/uploads",
    summary="Get a URL to upload a document to",
    tag=TAG,
    status=201,
    calls=hearings.request_document_upload,
)
def request_document_upload(who: Identity, hearing_id: str, request: UploadRequest) -> UploadTicket:
    return call(hearings.request_document_upload, who, hearing_id, request)


@bp.blob_trigger(
    arg_name="blob",
    path=f"{UPLOADS_CONTAINER}/{{name}}",
    connection="AzureWebJobsStorage",
    source=func.BlobSource.EVENT_GRID,
)
def process_uploaded_document(blob: func.InputStream) -> None:
    name = (blob.name or "").removeprefix(f"{UPLOADS_CONTAINER}/")
    outcome = call(hearing_files.process_blob, name, blob.length, blob.read)
    log.info("upload %s: %s", name, outcome.value)


@bp.timer_trigger(schedule="*/15 * * * * *", arg_name="timer", run_on_startup=False)
def advance_hearings(timer: func.TimerRequest) -> None:
    """Every 15 s: persist openings and closings (rules already use the exact instants), and
    publish events a crash left behind."""
    changed, resent = call(hearings.run_schedule)
    if changed or resent:
        log.info("hearings advanced: %d, events resent: %d", changed, resent)


def _invitees_from_csv(req: func.HttpRequest) -> InviteeList:
    """The non-empty cells of the first column; a header row naming the column is skipped."""
    try:
        text = req.get_body().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV file must be UTF-8", field="body") from None
    rows = caseworking.invitee_rows(text)
    return InviteeList(invitees=[value for _, value in rows], replace=req.params.get("replace") == "true")


@http_function(
    bp,
    "POST",
    f"{HEARING}/invitees",
    summary="Invite people to a closed hearing (JSON list, or a CSV file with one entry per row)",
    tag=TAG,
    calls=hearings.set_invitees,
)
def set_invitees(
    who: Identity,
    hearing_id: str,
    request: Annotated[InviteeList, Body(parsers={"text/csv": _invitees_from_csv})],
) -> HearingView:
    return call(hearings.set_invitees, who, hearing_id, request)


@http_function(
    bp,
    "GET",
    f"{HEARING}/audit",
    summary="The hearing's audit trail (owner and admins)",
    tag=TAG,
    calls=hearings.audit_trail,
)
def audit_trail(
    who: Identity,
    hearing_id: str,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    continuation: Annotated[str | None, Query(description="token from the previous page")] = None,
) -> AuditPage:
    return call(hearings.audit_trail, who, hearing_id, limit=limit, continuation=continuation)
