"""Journalising a concluded hearing into its case in the records system (ESDH), then archiving it.

One run renders the record documents (PDF/A through the ``PdfWriter`` port) and files each under
its stable key, linked to its step: the hearing text and material, every approved response (as
published, its original where redacted, its attachments), the conclusion, the hearing memo; then
the manifest, then it closes the case, then marks the hearing journalised and archived.

Never twice: every key is looked up before it is filed again (the adapters do it), and a run holds
a lease on the hearing (an ETag-checked write) so two runs never file at the same time. Never
silently: a run that fails marks the hearing with the step and the error type (never content or a
name), the attempt count and the next attempt, counts ``portal.journalising.failures`` and returns;
the nightly sweep and ``POST /api/hearings/{id}/journalise`` run it again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from shared.domain.base import Instant, PortalModel, format_instant
from shared.domain.errors import Conflict, Forbidden, NotAuthenticated, NotFound, StaleWrite, raises
from shared.domain.hearing import Hearing, HearingStatus, Journalising, JournalisingState
from shared.domain.identity import Identity
from shared.domain.response import Response, ResponseStatus
from shared.observability import metrics, names
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Filter
from shared.ports.files import FileStore
from shared.ports.messages import MessageBus, OutgoingMessage
from shared.ports.pdf import PdfWriter
from shared.ports.records import FiledDocument, RecordConflict, RecordDocument, RecordsSystem
from shared.ports.vault import PersonalDataVault
from shared.services import queues
from shared.services import record_documents as record
from shared.services.campaigns import list_groups
from shared.services.containers import ATTACHMENTS_CONTAINER, HEARING_FILES_CONTAINER
from shared.services.guards import managed_hearing
from shared.services.repositories import HearingRepository, Loaded, ResponseRepository
from shared.services.unit_of_work import UnitOfWork
from shared.services.viewers import viewer_of
from shared.settings import Settings

log = logging.getLogger(__name__)

# Longer than a run of a hearing with tens of thousands of responses; a run that died frees it then.
LEASE = timedelta(minutes=30)
MAX_RETRY_WAIT = timedelta(days=1)


class Outcome(StrEnum):
    JOURNALISED = "journalised"  # this run filed everything and archived the hearing
    NOTHING_TO_DO = "nothing-to-do"  # not concluded, already journalised, or another run holds it
    FAILING = "failing"  # this run failed; the hearing is marked and the sweep tries again


class JournalisingRequest(StrEnum):
    QUEUED = "queued"  # a run is on the queue
    RUNNING = "running"  # a run holds the hearing now; it is not queued again
    JOURNALISED = "journalised"  # done before; nothing to run


class JournalisingView(PortalModel):
    """What ``POST /api/hearings/{id}/journalise`` answers: the request and the hearing's journalising now."""

    hearing_id: str
    request: JournalisingRequest
    journalised_at: Instant | None = None
    archived_at: Instant | None = None
    journalising: Journalising | None = Field(
        default=None, description="Set while a run holds the hearing or filing keeps failing: why, and the next try"
    )


def journalise_hearing(
    hearing_id: str,
    *,
    documents: DocumentStore,
    files: FileStore,
    records: RecordsSystem,
    clock: Clock,
    pdf: PdfWriter,
    settings: Settings,
) -> Outcome:
    """One run for one hearing (the queue consumer, the sweep, on demand). Raises only when the
    hearing itself cannot be read or written; a failing records system is marked, not raised."""
    hearings = HearingRepository(documents)
    loaded = hearings.get(hearing_id)
    if loaded is None or not _take_lease(documents, loaded, clock.now()):
        return Outcome.NOTHING_TO_DO
    run = _Run(loaded.model, documents=documents, files=files, records=records, pdf=pdf)
    try:
        reference = run.file_everything(clock.now())
    except Exception as error:  # the records system, a missing file, a render: all retried later
        _mark_failing(documents, hearing_id, run.step, error, clock.now(), settings)
        return Outcome.FAILING
    _mark_journalised(documents, hearing_id, reference, clock.now())
    return Outcome.JOURNALISED


def journalise_pending(
    *,
    documents: DocumentStore,
    files: FileStore,
    records: RecordsSystem,
    clock: Clock,
    pdf: PdfWriter,
    settings: Settings,
) -> int:
    """Nightly: concluded hearings not journalised whose message was lost, or whose retry is due."""
    done = 0
    pending = (Filter("status", "=", HearingStatus.CONCLUDED.value), Filter("journalisedAt", "=", None))
    due = [loaded.model.id for loaded in HearingRepository(documents).each(*pending)]
    for hearing_id in due:
        loaded = HearingRepository(documents).get(hearing_id)
        if loaded is None or not loaded.model.journalising_due(clock.now()):
            continue
        try:
            outcome = journalise_hearing(
                hearing_id, documents=documents, files=files, records=records, clock=clock, pdf=pdf, settings=settings
            )
        except Exception:  # one hearing that cannot even be marked must not hold back the others
            log.exception("journalising hearing %s failed; the next run retries", hearing_id)
            metrics.count(names.JOURNALISING_FAILURES)
            continue
        done += outcome is Outcome.JOURNALISED
    return done


@raises(NotAuthenticated, Forbidden, NotFound, Conflict)
def journalise_now(
    who: Identity | None,
    hearing_id: str,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> JournalisingView:
    """The owner or an admin asks for a run now, without waiting for the retry time: it is queued
    (a run takes minutes for a large hearing, longer than an HTTP answer should wait)."""
    hearing = managed_hearing(documents, viewer_of(who, vault), hearing_id).model
    if hearing.status is not HearingStatus.CONCLUDED:
        raise Conflict(f"only a concluded hearing is journalised; this one is {hearing.status.value}", field="status")
    now = clock.now()
    state = hearing.journalising
    if hearing.journalised_at is not None:
        request = JournalisingRequest.JOURNALISED
    elif state and state.state is JournalisingState.RUNNING and state.lease_until and state.lease_until > now:
        request = JournalisingRequest.RUNNING
    else:
        # Its own message id: the queue drops a repeat of the conclusion's message, not this request.
        message_id = f"{hearing.id}:journalise:{now.strftime('%Y%m%dT%H%M%S%f')}"
        bus.publish(queues.RECORDS_JOURNALISE, OutgoingMessage(message_id=message_id, body={"hearingId": hearing.id}))
        request = JournalisingRequest.QUEUED
    return JournalisingView(
        hearing_id=hearing.id,
        request=request,
        journalised_at=hearing.journalised_at,
        archived_at=hearing.archived_at,
        journalising=state,
    )


def retry_wait(attempts: int, settings: Settings) -> timedelta:
    """Doubling from ``PORTAL_JOURNALISING_RETRY_MINUTES``, at most a day."""
    first = timedelta(minutes=settings.journalising_retry_minutes)
    return min(first * (1 << min(max(0, attempts - 1), 20)), MAX_RETRY_WAIT)


# -- the hearing's state ----------------------------------------------------------------------------


def _take_lease(documents: DocumentStore, loaded: Loaded[Hearing], now: datetime) -> bool:
    if not loaded.model.start_journalising(now, LEASE):
        return False
    try:
        with UnitOfWork(documents) as uow:
            uow.save(loaded)
            uow.commit()
    except StaleWrite:
        return False  # another run took it between our read and our write
    return True


def _mark_failing(
    documents: DocumentStore, hearing_id: str, step: str, error: Exception, now: datetime, settings: Settings
) -> None:
    reason = f"{step}: {type(error).__name__}"
    log.warning("journalising hearing %s failed at %s", hearing_id, reason, exc_info=error)
    metrics.count(names.JOURNALISING_FAILURES)
    loaded = HearingRepository(documents).require(hearing_id)
    attempts = (loaded.model.journalising.attempts if loaded.model.journalising else 0) + 1
    # Another version under one of its keys does not go away by waiting: no retry until a person has looked.
    retry_in = None if isinstance(error, RecordConflict) else retry_wait(attempts, settings)
    state = loaded.model.note_journalising_failed(reason, now, retry_in)
    loaded.model.record_audit(None, "hearing.journalising-failed", now, reason=reason, attempts=str(state.attempts))
    with UnitOfWork(documents) as uow:
        uow.save(loaded)
        uow.commit()


def _mark_journalised(documents: DocumentStore, hearing_id: str, reference: str, now: datetime) -> None:
    loaded = HearingRepository(documents).require(hearing_id)
    loaded.model.mark_journalised(reference, now)
    loaded.model.record_audit(None, "hearing.journalised", now, reference=reference)
    loaded.model.record_audit(None, "hearing.archived", now)
    with UnitOfWork(documents) as uow:
        uow.save(loaded)
        uow.commit()


# -- one run ------------------------------------------------------------------------------------------


@dataclass
class _Run:
    hearing: Hearing
    documents: DocumentStore
    files: FileStore
    records: RecordsSystem
    pdf: PdfWriter
    step: str = "starting"  # what the run was doing, for the reason a failure is marked with

    def file_everything(self, now: datetime) -> str:
        hearing = self.hearing
        filed = [self._file(document) for document in self._documents()]
        self.step = "writing the manifest"
        reference = self.records.write_manifest(hearing.case_number, hearing.id, _manifest(hearing, filed, now))
        self.step = "closing the case"
        self.records.close_case(hearing.case_number, hearing.id)
        return reference

    def _file(self, document: RecordDocument) -> FiledDocument:
        self.step = f"filing {document.key}"
        return self.records.file_document(self.hearing.case_number, self.hearing.id, document)

    def _documents(self) -> Iterator[RecordDocument]:
        """Rendered as they are filed, so memory holds a few documents, not the hearing's thousands."""
        hearing, pdf = self.hearing, self.pdf
        self.step = "rendering hearing-text"
        yield record.hearing_text_document(hearing, pdf=pdf)
        for material in hearing.documents:
            self.step = f"reading document-{material.id}"
            content = self.files.read(HEARING_FILES_CONTAINER, material.blob_name)
            yield record.hearing_material_document(material, content)
        self.step = "reading the responses"
        items = _numbered(self._approved())
        self.step = "rendering the responses"
        yield from record.rendered(self._response_parts(items), pdf=pdf)
        self.step = "rendering conclusion"
        yield record.conclusion_document(hearing, pdf=pdf)
        self.step = "rendering memo"
        yield record.memo_document(hearing, items, self._campaigns(items), pdf=pdf)

    def _approved(self) -> list[Response]:
        approved = Filter("status", "=", ResponseStatus.APPROVED.value)
        return list(ResponseRepository(self.documents).each(self.hearing.id, approved))

    def _response_parts(self, items: list[record.NumberedResponse]) -> Iterator[record.Part]:
        for item in items:
            self.step = f"reading the attachments of response-{item.response.id}"
            attachments = [
                record.AttachmentFile.of(attachment, self.files.read(ATTACHMENTS_CONTAINER, attachment.blob_name))
                for attachment in record.filed_attachments(item.response)
                if attachment.blob_name
            ]
            yield from record.response_parts(
                self.hearing, record.NumberedResponse(item.number, item.response, tuple(attachments))
            )

    def _campaigns(self, items: list[record.NumberedResponse]) -> list[record.CampaignCount]:
        """Campaigns as counted among the approved responses, each shown by its first member's published text."""
        by_id = {item.response.id: item for item in items}
        counts = []
        for group in list_groups(self.hearing.id, documents=self.documents):
            members = [by_id[member.response_id] for member in group.members if member.response_id in by_id]
            if len(members) < 2:
                continue
            numbers = sorted(member.number for member in members)
            first = min(members, key=lambda member: member.number)
            counts.append(record.CampaignCount(record.published_text(first.response), len(members), numbers))
        return counts


def _numbered(responses: list[Response]) -> list[record.NumberedResponse]:
    """The numbers the public sees ("Høringssvar nr. 17") where every response has one; else by arrival."""
    if responses and all(response.number is not None for response in responses):
        ordered = sorted(responses, key=lambda response: (response.number or 0, response.id))
        return [record.NumberedResponse(response.number or 0, response) for response in ordered]
    return record.numbered(responses)


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
