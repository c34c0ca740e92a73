"""Attachments and downloads: upload URLs for response attachments, the blob trigger that checks them,
and short-lived download links for hearing documents and attachments."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.http import Answer, http_function
from shared.bootstrap import call
from shared.domain.attachments import loggable_blob_name
from shared.domain.identity import Identity
from shared.services import downloads, response_attachments
from shared.services.containers import RESPONSE_UPLOADS_CONTAINER
from shared.services.downloads import DownloadLink
from shared.services.response_attachments import AttachmentUploadRequest, AttachmentUploadTicket

bp = func.Blueprint()
log = logging.getLogger(__name__)
TAG = "Attachments"
ATTACHMENTS = "hearings/{hearing_id}/responses/{response_id}/attachments"


@http_function(
    bp,
    "POST",
    f"{ATTACHMENTS}/uploads",
    summary="Get a URL to upload an attachment to your response",
    tag=TAG,
    status=201,
    calls=response_attachments.request_attachment_upload,
)
def request_attachment_upload(
    who: Identity, hearing_id: str, response_id: str, request: AttachmentUploadRequest
) -> AttachmentUploadTicket:
    return call(response_attachments.request_attachment_upload, who, hearing_id, response_id, request)


@http_function(
    bp,
    "GET",
    "hearings/{hearing_id}/documents/{document_id}",
    summary="Download a hearing document (redirects to a short-lived URL)",
    tag=TAG,
    status=302,
    calls=downloads.download_document,
)
def download_document(who: Identity | None, hearing_id: str, document_id: str) -> Answer[DownloadLink]:
    return _redirect(call(downloads.download_document, who, hearing_id, document_id))


@http_function(
    bp,
    "GET",
    f"{ATTACHMENTS}/{{attachment_id}}",
    summary="Download an attachment of a response (redirects to a short-lived URL)",
    tag=TAG,
    status=302,
    calls=downloads.download_attachment,
)
def download_attachment(
    who: Identity | None, hearing_id: str, response_id: str, attachment_id: str
) -> Answer[DownloadLink]:
    return _redirect(call(downloads.download_attachment, who, hearing_id, response_id, attachment_id))


def _redirect(link: DownloadLink) -> Answer[DownloadLink]:
    # The body says the same for clients that do not follow redirects.
    return Answer(link, 302, {"Location": link.url, "Cache-Control": "no-store"})


@bp.blob_trigger(
    arg_name="blob",
    path=f"{RESPONSE_UPLOADS_CONTAINER}/{{name}}",
    connection="AzureWebJobsStorage",
    source=func.BlobSource.EVENT_GRID,
)
def process_uploaded_attachment(blob: func.InputStream) -> None:
    name = (blob.name or "").removeprefix(f"{RESPONSE_UPLOADS_CONTAINER}/")
    outcome = call(response_attachments.process_attachment_blob, name, blob.length, blob.read)
    log.info("attachment %s: %s", loggable_blob_name(name), outcome.value)
