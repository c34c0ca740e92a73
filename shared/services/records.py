"""Journalising a concluded hearing into its case in the records system (ESDH).

Idempotent end to end: every document has a stable key, the records system returns the earlier
filing for a key it has seen, the manifest is written last, and the hearing is marked journalised
only after the manifest. A run stopped anywhere can simply run again.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from shared.domain.base import format_instant
from shared.domain.hearing import Hearing, HearingStatus
from shared.domain.response import Response, ResponseStatus
from shared.observability import metrics, names
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Filter
from shared.ports.files import FileStore
from shared.ports.records import FiledDocument, RecordDocument, RecordsSystem
from shared.services.containers import HEARING_FILES_CONTAINER
from shared.services.repositories import HearingRepository, ResponseRepository
from shared.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def journalise_hearing(
    hearing_id: str, *, documents: DocumentStore, files: FileStore, records: RecordsSystem, clock: Clock
) -> bool:
    """Returns True when this run completed the journalising, False when there was nothing to do."""
    hearings = HearingRepository(documents)
    loaded = hearings.get(hearing_id)
    if loaded is None or loaded.model.status is not HearingStatus.CONCLUDED or loaded.model.journalised_at:
        return False
    hearing = loaded.model
    filed = [
        records.file_document(hearing.case_number, hearing.id, item)
        for item in _documents_of(documents, files, hearing)
    ]
    now = clock.now()
    reference = records.write_manifest(hearing.case_number, hearing.id, _manifest(hearing, filed, now))
    hearing.mark_journalised(reference, now)
    hearing.record_audit(None, "hearing.journalised", now, reference=reference)
    with UnitOfWork(documents) as uow:
        uow.save(loaded)
        uow.commit()
    return True


def journalise_pending(*, documents: DocumentStore, files: FileStore, records: RecordsSystem, clock: Clock) -> int:
    """Timer: catch concluded hearings whose journalising message was lost or dead-lettered."""
    done = 0
    pending = (Filter("status", "=", HearingStatus.CONCLUDED.value), Filter("journalisedAt", "=", None))
    for loaded in HearingRepository(documents).each(*pending):
        try:
            done += journalise_hearing(loaded.model.id, documents=documents, files=files, records=records, clock=clock)
        except Exception:  # one hearing that cannot be filed yet must not hold back the others
            log.exception("journalising hearing %s failed; the next run retries", loaded.model.id)
            metrics.count(names.JOURNALISING_FAILURES)  # handled here, so only the metric tells the alert
    return done


def _documents_of(documents: DocumentStore, files: FileStore, hearing: Hearing) -> list[RecordDocument]:
    items = [
        RecordDocument(
            key="hearing-text",
            title=f"Høringstekst: {hearing.title}",
            filename="hearing.json",
            content_type="application/json",
            content=_json(
                {
                    "id": hearing.id,
                    "title": hearing.title,
                    "summary": hearing.summary,
                    "body": hearing.body,
                    "start": format_instant(hearing.start) if hearing.start else None,
                    "deadline": format_instant(hearing.deadline) if hearing.deadline else None,
                }
            ),
        )
    ]
    for document in hearing.documents:
        items.append(
            RecordDocument(
                key=f"document-{document.id}",
                title=f"Høringsmateriale: {document.filename}",
                filename=document.filename,
                content_type=document.content_type,
                content=files.read(HEARING_FILES_CONTAINER, document.blob_name),
            )
        )
    approved = Filter("status", "=", ResponseStatus.APPROVED.value)
    for response in ResponseRepository(documents).each(hearing.id, approved):
        items.append(_response_document(response))
    items.append(
        RecordDocument(
            key="conclusion",
            title=f"Konklusion: {hearing.title}",
            filename="conclusion.json",
            content_type="application/json",
            content=_json(
                {
                    "conclusion": hearing.conclusion,
                    "concludedAt": format_instant(hearing.concluded_at) if hearing.concluded_at else None,
                }
            ),
        )
    )
    return items


def _response_document(response: Response) -> RecordDocument:
    respondent = response.respondent
    return RecordDocument(
        key=f"response-{response.id}",
        title=f"Høringssvar fra {respondent.company_name or respondent.name}",
        filename=f"response-{response.id}.json",
        content_type="application/json",
        content=_json(
            {
                "id": response.id,
                "respondent": {
                    "kind": respondent.kind.value,
                    "name": respondent.name,
                    "companyName": respondent.company_name,
                    "cvr": respondent.cvr,
                },
                "text": response.text,
                "receivedAt": format_instant(response.received_at),
                "digest": response.digest,
            }
        ),
    )


def _manifest(hearing: Hearing, filed: list[FiledDocument], now: datetime) -> dict[str, object]:
    return {
        "caseNumber": hearing.case_number,
        "hearingId": hearing.id,
        "title": hearing.title,
        "journalisedAt": format_instant(now),
        "documents": [
            {
                "key": item.key,
                "title": item.title,
                "filename": item.filename,
                "contentType": item.content_type,
                "sha256": item.sha256,
                "size": item.size,
                "reference": item.reference,
            }
            for item in filed
        ],
    }


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode()
