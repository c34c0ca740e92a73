"""Against a real Azurite: upload URL, the browser's PUT, the blob trigger, the attached file, the download."""

from __future__ import annotations

import httpx

from local_host.azurite import Azurite
from shared.adapters.blob_files import BlobFileStore
from shared.domain.attachments import AttachmentState
from shared.domain.identity import Identity
from shared.services.containers import ATTACHMENTS_CONTAINER, BLOB_CONTAINERS, RESPONSE_UPLOADS_CONTAINER
from shared.services.downloads import download_attachment
from shared.services.response_attachments import (
    AttachmentOutcome,
    AttachmentUploadRequest,
    AttachmentUploadTicket,
    process_attachment_blob,
    request_attachment_upload,
)
from shared.services.responses import (
    Decision,
    ResponseSubmission,
    decide_response,
    get_response,
    screen_response,
    submit_response,
)
from tests.attachment_files import HIDDEN_CPR, HIDDEN_EMAIL, REVEALING_NAME, docx_with_text, jpeg_with_exif
from tests.azurite_fixture import azurite  # noqa: F401
from tests.fakes import Portal, caseworker, citizen


def _response_with_upload_url(
    azurite: Azurite,  # noqa: F811
    text: str,
    filename: str,
) -> tuple[BlobFileStore, Portal, Identity, str, str, AttachmentUploadTicket]:
    """A citizen's response on an open hearing, and an upload URL for one file of it, against Azurite."""
    store = BlobFileStore.from_connection_string(azurite.connection_string)
    store.ensure_containers(BLOB_CONTAINERS)
    portal, who = Portal.start(), citizen()
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, who, hearing_id, ResponseSubmission(text=text))
    response_id = receipt.response_id
    ticket = portal.call(
        request_attachment_upload,
        who,
        hearing_id,
        response_id,
        AttachmentUploadRequest(filename=filename),
        files=store,
    )
    return store, portal, who, hearing_id, response_id, ticket


def test_an_attachment_goes_from_the_upload_url_to_the_response(azurite: Azurite) -> None:  # noqa: F811
    store, portal, who, hearing_id, response_id, ticket = _response_with_upload_url(
        azurite, "Se mit bilag.", "høringssvar.docx"
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
    assert attachment.blob_name and "høringssvar" not in attachment.blob_name + uploaded.name
    info = store.info(ATTACHMENTS_CONTAINER, attachment.blob_name)
    assert info is not None and info.content_type == attachment.content_type
    link = portal.call(download_attachment, who, hearing_id, response_id, attachment.id, files=store)
    assert httpx.get(link.url).content == data


def test_a_published_attachment_shows_neither_its_revealing_name_nor_its_metadata(azurite: Azurite) -> None:  # noqa: F811
    store, portal, who, hearing_id, response_id, ticket = _response_with_upload_url(
        azurite, "Se mit foto.", REVEALING_NAME.replace(".pdf", ".jpg")
    )
    data = jpeg_with_exif()
    assert httpx.put(ticket.upload_url, content=data, headers=ticket.headers).status_code == 201
    [uploaded] = store.list(RESPONSE_UPLOADS_CONTAINER, f"{hearing_id}/{response_id}/")
    read = lambda: store.read(RESPONSE_UPLOADS_CONTAINER, uploaded.name)  # noqa: E731
    assert portal.call(process_attachment_blob, uploaded.name, uploaded.size, read, files=store) is (
        AttachmentOutcome.ACCEPTED
    )
    portal.call(screen_response, hearing_id, response_id)
    portal.call(decide_response, caseworker(), hearing_id, response_id, True, Decision(publish=True))

    listed = portal.call(get_response, None, hearing_id, response_id)
    link = portal.call(download_attachment, None, hearing_id, response_id, ticket.attachment_id, files=store)
    served = httpx.get(link.url).content

    assert [a.filename for a in listed.attachments] == [link.filename] == ["Bilag 1.jpeg"]
    assert served[:2] == b"\xff\xd8" and len(served) == link.size < len(data)
    names = [ticket.upload_url, uploaded.name, link.url, *(i.name for i in store.list(ATTACHMENTS_CONTAINER))]
    for hidden in ("Karin", "Holm", HIDDEN_CPR, HIDDEN_EMAIL):
        assert not any(hidden in name for name in names), "no blob name or URL carries the file's name"
        assert hidden.encode() not in served, "nor does the picture the public downloads"
    own = portal.call(download_attachment, who, hearing_id, response_id, ticket.attachment_id, files=store)
    assert httpx.get(own.url).content == data, "the respondent keeps the file as sent"
