"""Exports: the owner's XLSX or PDF of a hearing's responses, and the hourly sweep of old exports."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.http import http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.services import exports
from shared.services.exports import ExportRequest, ExportTicket

bp = func.Blueprint()
TAG = "Exports"
log = logging.getLogger(__name__)


@http_function(
    bp,
    "POST",
    "hearings/{hearing_id}/exports",
    summary="Export the responses as XLSX or PDF; answers a download link valid for 15 minutes (owner, admin)",
    tag=TAG,
    status=201,
    calls=exports.create_export,
)
def create_export(who: Identity, hearing_id: str, request: ExportRequest) -> ExportTicket:
    return call(exports.create_export, who, hearing_id, request)


@bp.timer_trigger(schedule="0 15 * * * *", arg_name="timer", run_on_startup=False)
def delete_expired_exports(timer: func.TimerRequest) -> None:
    """Hourly: exports older than PORTAL_EXPORT_RETENTION_HOURS are deleted, each on the audit trail."""
    deleted = call(exports.delete_expired_exports)
    if deleted:
        log.info("exports: %d expired exports deleted", deleted)
