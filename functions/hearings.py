"""Publication: hearings, their documents and the timers that open and close them."""

from __future__ import annotations

import csv
import io
import logging

import azure.functions as func
from pydantic import ValidationError

from functions.http import caller, http_function, invalid_from, ok, parse_body, query_int, route_param
from functions.wiring import document_deps, hearing_deps
from shared.bootstrap import UPLOADS_CONTAINER, dependencies
from shared.domain.errors import InvalidInput
from shared.services import documents, hearings
from shared.services.hearing_api import (
    AuditPage,
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


@http_function(
    bp,
    "GET",
    "hearings",
    summary="List the hearings the caller may see",
    tag=TAG,
    returns=HearingPage,
    query=(
        ("limit", "1-100, default 50"),
        ("continuation", "token from the previous page"),
        ("mine", "true: hearings I own"),
    ),
)
def list_hearings(req: func.HttpRequest) -> func.HttpResponse:
    page = hearings.list_hearings(
        hearing_deps(),
        caller(req),
        limit=query_int(req, "limit", 50, 1, 100),
        continuation=req.params.get("continuation"),
        mine=req.params.get("mine") == "true",
    )
    return ok(page)


@http_function(
    bp,
    "POST",
    "hearings",
    summary="Create a hearing from a template",
    tag=TAG,
    body=HearingDraft,
    returns=HearingView,
    status=201,
    auth="required",
    errors=(401, 403, 422),
)
def create_hearing(req: func.HttpRequest) -> func.HttpResponse:
    view = hearings.create_hearing(hearing_deps(), caller(req), parse_body(req, HearingDraft))
    return ok(view, 201, {"Location": f"/api/hearings/{view.id}", "ETag": view.etag or ""})


@http_function(
    bp, "GET", "hearings/{hearing_id}", summary="Read a hearing", tag=TAG, returns=HearingView, errors=(404,)
)
def get_hearing(req: func.HttpRequest) -> func.HttpResponse:
    view = hearings.get_hearing(hearing_deps(), caller(req), route_param(req, "hearing_id"))
    return ok(view, headers={"ETag": view.etag} if view.etag else None)


@http_function(
    bp,
    "PATCH",
    "hearings/{hearing_id}",
    summary="Edit a hearing's texts and settings (If-Match: ETag)",
    tag=TAG,
    body=HearingChanges,
    returns=HearingView,
    auth="required",
    errors=(401, 403, 404, 409, 412, 422),
)
def edit_hearing(req: func.HttpRequest) -> func.HttpResponse:
    view = hearings.edit_hearing(
        hearing_deps(),
        caller(req),
        route_param(req, "hearing_id"),
        parse_body(req, HearingChanges),
        if_match=req.headers.get("if-match"),
    )
    return ok(view, headers={"ETag": view.etag or ""})


@http_function(
    bp,
    "POST",
    "hearings/{hearing_id}/schedule",
    summary="Schedule a hearing, or move its deadline",
    tag=TAG,
    body=ScheduleRequest,
    returns=HearingView,
    auth="required",
    errors=(401, 403, 404, 409, 422),
)
def schedule_hearing(req: func.HttpRequest) -> func.HttpResponse:
    view = hearings.schedule_hearing(
        hearing_deps(), caller(req), route_param(req, "hearing_id"), parse_body(req, ScheduleRequest)
    )
    return ok(view)


@http_function(
    bp,
    "POST",
    "hearings/{hearing_id}/conclude",
    summary="Conclude a hearing after its deadline",
    tag=TAG,
    body=Conclusion,
    returns=HearingView,
    auth="required",
    errors=(401, 403, 404, 409, 422),
)
def conclude_hearing(req: func.HttpRequest) -> func.HttpResponse:
    view = hearings.conclude_hearing(
        hearing_deps(), caller(req), route_param(req, "hearing_id"), parse_body(req, Conclusion)
    )
    return ok(view)


@http_function(
    bp,
    "POST",
    "hearings/{hearing_id}/cancel",
    summary="Cancel a draft or scheduled hearing",
    tag=TAG,
    returns=HearingView,
    auth="required",
    errors=(401, 403, 404, 409),
)
def cancel_hearing(req: func.HttpRequest) -> func.HttpResponse:
    return ok(hearings.cancel_hearing(hearing_deps(), caller(req), route_param(req, "hearing_id")))


@http_function(
    bp,
    "POST",
    "hearings/{hearing_id}/documents/uploads",
    summary="Get a URL to upload a document to",
    tag=TAG,
    body=UploadRequest,
    returns=UploadTicket,
    status=201,
    auth="required",
    errors=(401, 403, 404, 409, 422),
)
def request_document_upload(req: func.HttpRequest) -> func.HttpResponse:
    ticket = hearings.request_document_upload(
        hearing_deps(),
        dependencies().files,
        caller(req),
        route_param(req, "hearing_id"),
        parse_body(req, UploadRequest),
        UPLOADS_CONTAINER,
    )
    return ok(ticket, 201)


@bp.blob_trigger(
    arg_name="blob",
    path=f"{UPLOADS_CONTAINER}/{{name}}",
    connection="AzureWebJobsStorage",
    source=func.BlobSource.EVENT_GRID,
)
def process_uploaded_document(blob: func.InputStream) -> None:
    name = (blob.name or "").removeprefix(f"{UPLOADS_CONTAINER}/")
    outcome = documents.process_blob(document_deps(), name, blob.length, blob.read)
    log.info("upload %s: %s", name, outcome.value)


@bp.timer_trigger(schedule="*/15 * * * * *", arg_name="timer", run_on_startup=False)
def advance_hearings(timer: func.TimerRequest) -> None:
    """Every 15 s: persist openings and closings (rules already use the exact instants), and
    publish events a crash left behind."""
    changed, resent = hearings.run_schedule(hearing_deps())
    if changed or resent:
        log.info("hearings advanced: %d, events resent: %d", changed, resent)


@http_function(
    bp,
    "POST",
    "hearings/{hearing_id}/invitees",
    summary="Invite people to a closed hearing (JSON list, or a CSV file with one entry per row)",
    tag=TAG,
    body=InviteeList,
    returns=HearingView,
    auth="required",
    errors=(401, 403, 404, 409, 422),
)
def set_invitees(req: func.HttpRequest) -> func.HttpResponse:
    content_type = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type == "text/csv":
        try:
            request = InviteeList(invitees=_csv_entries(req.get_body()), replace=req.params.get("replace") == "true")
        except ValidationError as error:
            raise invalid_from(error) from None
    else:
        request = parse_body(req, InviteeList)
    return ok(hearings.set_invitees(hearing_deps(), caller(req), route_param(req, "hearing_id"), request))


@http_function(
    bp,
    "GET",
    "hearings/{hearing_id}/audit",
    summary="The hearing's audit trail (owner and admins)",
    tag=TAG,
    returns=AuditPage,
    auth="required",
    errors=(401, 403, 404),
    query=(("limit", "1-500, default 100"), ("continuation", "token from the previous page")),
)
def audit_trail(req: func.HttpRequest) -> func.HttpResponse:
    page = hearings.audit_trail(
        hearing_deps(),
        caller(req),
        route_param(req, "hearing_id"),
        limit=query_int(req, "limit", 100, 1, 500),
        continuation=req.params.get("continuation"),
    )
    return ok(page)


_CSV_HEADERS = {"cpr", "cvr", "email", "e-mail", "invitee", "inviteret"}


def _csv_entries(raw: bytes) -> list[str]:
    """The non-empty cells of the first column; a header row naming the column is skipped."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV file must be UTF-8", field="body") from None
    sample = text[:1024]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if row and row[0].strip()]
    if rows and rows[0][0].strip().lower() in _CSV_HEADERS:
        rows = rows[1:]
    return [row[0].strip() for row in rows]
