"""Retention on the real embedded adapters: after the run, no CPR number, name or e-mail address of a
respondent is left anywhere the portal keeps data, byte for byte.

Seeded through the services: responses carrying CPR numbers (sealed from the sign-in and written in the
text), screening, approval with redaction, a follower told by e-mail, a dead-lettered message, campaign
grouping, conclusion, journalising into the local archive, an XLSX export. Then the clock moves past the
hearing type's period and the job runs. The scan reads the SQLite files raw (log included), the local
queue's file (dead letters included), every blob container in Azurite (zip members unpacked), the audit
trail and the outbox folder. The ``records`` container is left out on purpose: it stands in for the
records system, which keeps what was journalised under the archiving rules; retention waits for it.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from local_host.azurite import Azurite
from shared.adapters.aes_vault import AesGcmVault
from shared.adapters.blob_archive import BlobRecordsArchive
from shared.adapters.blob_files import BlobFileStore
from shared.adapters.erasure import LocalErasure
from shared.adapters.local_outbox import LocalOutbox
from shared.adapters.local_queue import LocalQueue
from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.adapters.memory_rate_limiter import SlidingWindowLimiter
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.bootstrap import BLOB_CONTAINERS, Dependencies
from shared.domain.hearing import EventKind
from shared.domain.identity import Identity, IdentityKind
from shared.domain.reference import HearingTemplate
from shared.injection import call
from shared.ports.documents import Query
from shared.services import queues
from shared.services.campaigns import group_response
from shared.services.containers import ATTACHMENTS_CONTAINER, QUARANTINE_CONTAINER, RECORDS_CONTAINER
from shared.services.exports import EXPORTS_CONTAINER, export_xlsx
from shared.services.hearing_api import Conclusion, HearingDraft, ScheduleRequest
from shared.services.hearings import advance_due_hearings, conclude_hearing, create_hearing, schedule_hearing
from shared.services.notifications import fan_out, send_batch
from shared.services.records import journalise_hearing
from shared.services.repositories import AuditRepository, ReferenceRepository, ResponseRepository
from shared.services.responses import Decision, ResponseSubmission, decide_response, screen_response, submit_response
from shared.services.retention import purge_due
from shared.services.subscriptions import FollowRequest, follow
from shared.settings import Settings
from tests.azurite_fixture import azurite  # noqa: F401
from tests.fakes import FixedClock, RefusingTokens, caseworker

# Fictitious people, spelled in ASCII so a raw byte scan cannot miss an escaped form.
GUDRUN = Identity(
    subject="mitid:retention-gudrun",
    kind=IdentityKind.CITIZEN,
    name="Gudrun Mortensen-Lindqvist",
    cpr="2105851234",
    email="gudrun.lindqvist@retention.example",
)
TORBEN = Identity(
    subject="mitid:retention-torben", kind=IdentityKind.CITIZEN, name="Torben Aagesen-Wilhelmy", cpr="0304761111"
)
LEOPOLD = Identity(
    subject="mitid-erhverv:retention-leopold",
    kind=IdentityKind.COMPANY,
    name="Leopold Rasmussen-Frey",
    cvr="39162571",
    company_name="Tagrender Nord ApS",
)
NEEDLES = [
    "2105851234",
    "210585-1234",
    "0304761111",
    "030476-1111",
    "Mortensen-Lindqvist",
    "Aagesen-Wilhelmy",
    "Rasmussen-Frey",
    "gudrun.lindqvist@retention.example",
    "retention-gudrun",
    "retention-torben",
    "retention-leopold",
]
OWNER = caseworker("entra:retention-owner")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def portal(tmp_path: Path, azurite: Azurite) -> Dependencies:  # noqa: F811
    files = BlobFileStore.from_connection_string(azurite.connection_string)
    files.ensure_containers([*BLOB_CONTAINERS, EXPORTS_CONTAINER])
    documents = SqliteDocumentStore(tmp_path / "documents.sqlite")
    ReferenceRepository(documents).put(HearingTemplate(id="standard", name="Standardhøring", retention_days=730))
    clock = FixedClock(START)
    return Dependencies(
        settings=Settings(data_dir=tmp_path),
        documents=documents,
        bus=LocalQueue(tmp_path / "queue.sqlite", max_delivery_count=1),
        files=files,
        tokens=RefusingTokens(),
        mailer=LocalOutbox(tmp_path / "outbox", clock=clock),
        records=BlobRecordsArchive(files, RECORDS_CONTAINER),
        clock=clock,
        vault=AesGcmVault(bytes(range(32))),
        limiter=SlidingWindowLimiter(100, 60),
        signer=LocalReceiptSigner.generate(),
    )


def test_after_retention_no_cpr_number_name_or_email_of_a_respondent_is_left(
    portal: Dependencies,
    tmp_path: Path,
    azurite: Azurite,  # noqa: F811
) -> None:
    hearing_id, published_id = seed_a_journalised_hearing(portal)
    before = scan(portal, tmp_path, azurite)
    for needle in ("210585-1234", "Mortensen-Lindqvist", "gudrun.lindqvist@retention.example"):
        assert any(needle in found for found in before.values()), f"the scan should see {needle} before the run"

    assert isinstance(portal.clock, FixedClock)
    portal.clock.advance(days=731)
    queue = portal.bus
    assert isinstance(queue, LocalQueue) and isinstance(portal.documents, SqliteDocumentStore)
    erasure = LocalErasure(queue, tmp_path / "outbox", (portal.documents,))
    report = call(portal, purge_due, erasure=erasure)

    assert [outcome.hearing_id for outcome in report.purged] == [hearing_id]
    assert scan(portal, tmp_path, azurite) == {}, "personal data left behind"
    kept = ResponseRepository(portal.documents).get(hearing_id, published_id)
    assert kept is not None and kept.model.is_public
    assert kept.model.respondent.public_author() == "Borger"
    assert "Jeg bor ved cykelstien" in kept.model.text and "210585" not in kept.model.text
    trail, _ = AuditRepository(portal.documents).page(hearing_id, 500, None)
    assert any(entry.action.startswith("response.") for entry in trail), "the trail keeps what happened"
    deleted = [entry for entry in trail if entry.action == "personal-data.deleted"]
    assert len(deleted) == 1 and set(deleted[0].details) >= {"responses", "exports", "outbox", "queue", "audit"}
    assert all(value.isdigit() for value in deleted[0].details.values())  # counts only
    assert files_in(portal, RECORDS_CONTAINER, hearing_id), "the records system keeps what was journalised"


def seed_a_journalised_hearing(deps: Dependencies) -> tuple[str, str]:
    clock = deps.clock
    assert isinstance(clock, FixedClock)
    draft = HearingDraft(template_id="standard", title="Cykelsti langs Havnen", case_number="2026-0777")
    hearing_id = call(deps, create_hearing, OWNER, draft).id
    call(deps, schedule_hearing, OWNER, hearing_id, ScheduleRequest(start=START, deadline=START + timedelta(days=14)))
    clock.advance(minutes=1)
    call(deps, advance_due_hearings)
    call(deps, follow, GUDRUN, FollowRequest(kind="hearing", target_id=hearing_id))  # type: ignore[arg-type]

    texts = {
        GUDRUN: "Jeg bor ved cykelstien. Mit CPR er 210585-1234, skriv til gudrun.lindqvist@retention.example."
        " Venlig hilsen Gudrun Mortensen-Lindqvist",
        TORBEN: "Torben Aagesen-Wilhelmy er imod. CPR 030476-1111.",
        LEOPOLD: "Tagrender Nord ApS ved Leopold Rasmussen-Frey støtter forslaget.",
    }
    ids = {}
    for who, text in texts.items():
        receipt, _ = call(deps, submit_response, who, hearing_id, ResponseSubmission(text=text))
        ids[who.subject] = receipt.response_id
        call(deps, screen_response, hearing_id, receipt.response_id)
        group_response(hearing_id, receipt.response_id, text, documents=deps.documents)
        clock.advance(seconds=5)
    approve = Decision(clear_flags=True)
    call(deps, decide_response, OWNER, hearing_id, ids[GUDRUN.subject], True, approve)
    call(deps, decide_response, OWNER, hearing_id, ids[TORBEN.subject], False, Decision(reason="Uden for emnet."))
    call(deps, decide_response, OWNER, hearing_id, ids[LEOPOLD.subject], True, approve)
    # Attachment blobs as the upload path names them, the file names carrying the respondent's name.
    gudrun = ids[GUDRUN.subject]
    deps.files.write(
        ATTACHMENTS_CONTAINER, f"{hearing_id}/{gudrun}/a1/Mortensen-Lindqvist.pdf", b"%PDF-1.7 210585-1234"
    )
    deps.files.write(QUARANTINE_CONTAINER, f"{hearing_id}/{gudrun}/a2/virus.pdf", b"Aagesen-Wilhelmy")

    # The follower is told by e-mail; a message about the hearing that failed is dead-lettered.
    queue = deps.bus
    assert isinstance(queue, LocalQueue)
    for delivery in queue.receive(queues.HEARING_EVENTS, max_messages=20):
        body = json.loads(delivery.body)
        call(deps, fan_out, body["hearingId"], body["eventId"], EventKind(body["kind"]), body.get("fields") or [])
        queue.complete(delivery)
    for delivery in queue.receive(queues.NOTIFICATION_BATCHES, max_messages=20):
        call(deps, send_batch, json.loads(delivery.body))
        queue.complete(delivery)
    for delivery in queue.receive(queues.RESPONSES_RECEIVED, max_messages=1):
        queue.abandon(delivery, "screening failed on 'Mit CPR er 210585-1234' from Mortensen-Lindqvist")
    assert queue.dead_letters(queues.RESPONSES_RECEIVED)

    clock.set(START + timedelta(days=14, hours=1))
    call(deps, advance_due_hearings)
    call(deps, conclude_hearing, OWNER, hearing_id, Conclusion(conclusion="Cykelstien anlægges."))
    assert call(deps, journalise_hearing, hearing_id)
    call(deps, export_xlsx, OWNER, hearing_id)
    return hearing_id, gudrun


def scan(deps: Dependencies, data_dir: Path, azurite: Azurite) -> dict[str, str]:  # noqa: F811
    """Where each needle is found: ``{"place": "needle, ..."}``; empty when nothing is left."""
    places: dict[str, bytes] = {}
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and "azurite" not in path.parts:
            places[f"file:{path.relative_to(data_dir)}"] = path.read_bytes()
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    for container in service.list_containers():
        if container.name == RECORDS_CONTAINER:
            continue  # the records system keeps what was journalised (see the module's docstring)
        client = service.get_container_client(container.name)
        for blob in client.list_blobs():
            data = client.download_blob(blob.name).readall()
            places[f"blob:{container.name}/{blob.name}"] = blob.name.encode() + b"\n" + data
            if data[:2] == b"PK":  # XLSX and other zips: their members are compressed
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for member in archive.namelist():
                        places[f"blob:{container.name}/{blob.name}!{member}"] = archive.read(member)
    trail, _ = AuditRepository(deps.documents).page(next(iter(_hearing_ids(deps))), 1000, None)
    places["audit"] = "\n".join(entry.model_dump_json() for entry in trail).encode()
    found: dict[str, str] = {}
    for place, data in places.items():
        hits = [needle for needle in NEEDLES if needle.encode() in data]
        if hits:
            found[place] = ", ".join(hits)
    return found


def _hearing_ids(deps: Dependencies) -> list[str]:
    page = deps.documents.query("hearings", Query())
    return [str(item.body["id"]) for item in page.items]


def files_in(deps: Dependencies, container: str, hearing_id: str) -> list[str]:
    return [info.name for info in deps.files.list(container) if hearing_id in info.name]
