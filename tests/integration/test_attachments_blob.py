"""Against a real Azurite: upload URL, the browser's PUT, the blob trigger, the attached file, the download."""

from __future__ import annotations

import httpx

from local_host.azurite import Azurite
from shared.adapters.blob_files import BlobFileStore
from shared.domain.attachments import AttachmentState
from shared.services.containers import ATTACHMENTS_CONTAINER, BLOB_CONTAINERS, RESPONSE_UPLOADS_CONTAINER
from shared.services.downloads import download_attachment
from shared.services.response_attachments import (
    AttachmentOutcome,
    AttachmentUploadRequest,
    process_attachment_blob,
    request_attachment_upload,
)
from shared.services.responses import ResponseSubmission, submit_response
from tests.attachment_files import docx_with_text
from tests.azurite_fixture import azurite  # noqa: F401
from tests.fakes import Portal, citizen


def test_an_attachment_goes_from_the_upload_url_to_the_response(azurite: Azurite) -> None:  # noqa: F811
    store = BlobFileStore.from_connection_string(azurite.connection_string)
    store.ensure_containers(BLOB_CONTAINERS)
    portal, who = Portal.start(), citizen()
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, who, hearing_id, ResponseSubmission(text="Se mit bilag."))
    response_id = receipt.response_id
    ticket = portal.call(
        request_attachment_upload,
        who,
        hearing_id,
        response_id,
        AttachmentUploadRequest(filename="høringssvar.docx"),
        files=store,
    )
    data = docx_with_text("Ring til mig på 0101901234 hvis noget er uklart.")

    put = httpx.put(ticket.upload_url, content=data, headers=ticket.headers)
    assert put.status_code == 201, put.text

    # What the blob trigger is handed: the name inside the container, the length and a reader.
    [uploaded] = store.list(RESPONSE_UPLOADS_CONTAINER, f"{hearing_id}/{response_id}/")
    outcome = portal.call(
        process_attachment_blob,
        uploaded.name,
        uploaded.size,
        lambda: store.read(RESPONSE_UPLOADS_CONTAINER, uploaded.name),
        files=store,
    )

    assert outcome is AttachmentOutcome.ACCEPTED
    [attachment] = portal.stored_response(hearing_id, response_id).attachments
    assert (attachment.state, attachment.filename) == (AttachmentState.ACCEPTED, "høringssvar.docx")
    assert [flag.kind.value for flag in attachment.flags] == ["cpr"]
    assert store.info(RESPONSE_UPLOADS_CONTAINER, uploaded.name) is None
    info = store.info(ATTACHMENTS_CONTAINER, uploaded.name)
    assert info is not None and info.content_type == attachment.content_type
    link = portal.call(download_attachment, who, hearing_id, response_id, attachment.id, files=store)
    assert httpx.get(link.url).content == data
