"""The caseworker's desk: my hearings with what waits for me, one hearing's state, documents from a browser form.

What the API offers one call at a time, gathered for a person who runs hearings: the counts of responses
waiting for review and of open flags, uploads still being checked, and the templates and areas a new
hearing is made from.
"""

from __future__ import annotations

import csv
import io
import uuid
from enum import StrEnum

from pydantic import Field

from shared.domain import access
from shared.domain.access_keys import staff_key
from shared.domain.base import PortalModel
from shared.domain.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound, raises
from shared.domain.hearing import HearingStatus
from shared.domain.identity import Identity
from shared.domain.reference import Area, HearingTemplate, ReferenceType
from shared.domain.response import ResponseStatus
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Filter
from shared.ports.files import FileStore
from shared.ports.vault import PersonalDataVault
from shared.services.containers import UPLOADS_CONTAINER
from shared.services.guards import managed_hearing
from shared.services.hearing_api import HearingView
from shared.services.hearings import safe_filename
from shared.services.owners import find_employee
from shared.services.repositories import HearingRepository, ReferenceRepository, ResponseRepository
from shared.services.viewers import viewer_of
from shared.settings import Settings

# Only hearings that take or took responses can have some waiting; the others are not counted.
_REVIEWED = (HearingStatus.ACTIVE, HearingStatus.AWAITING_CONCLUSION)
_UNDECIDED = Filter("status", "in", [ResponseStatus.SUBMITTED.value, ResponseStatus.AWAITING_REVIEW.value])
CSV_HEADERS = {"cpr", "cvr", "email", "e-mail", "invitee", "inviteret"}


class DeskRole(StrEnum):
    OWNER = "owner"  # runs it (or an admin)
    REVIEWER = "reviewer"  # may read it in every state and comment while it is a draft


class Review(PortalModel):
    """What waits for the caseworker: responses not yet approved or declined, and their open flags."""

    waiting: int = 0
    open_flags: int = 0


class HearingSummary(PortalModel):
    hearing: HearingView
    role: DeskRole
    review: Review


class MyHearings(PortalModel):
    items: list[HearingSummary]
    continuation: str | None = None


class PendingUpload(PortalModel):
    """A document uploaded and not yet checked by the blob trigger."""

    document_id: str
    filename: str
    size: int


class Desk(PortalModel):
    hearing: HearingView
    review: Review
    pending_uploads: list[PendingUpload]
    # The reviewers as their organisation names them ("Name <address>"), by user id; one who has not
    # signed in yet is shown by the id alone.
    people: dict[str, str] = Field(default_factory=dict)


class HearingChoices(PortalModel):
    """What a hearing is made from: the hearing types (templates), subject areas and city areas."""

    templates: list[HearingTemplate]
    subject_areas: list[Area]
    city_areas: list[Area]


@raises(NotAuthenticated, Forbidden)
def my_hearings(
    who: Identity | None,
    limit: int = 50,
    continuation: str | None = None,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> MyHearings:
    """The hearings the employee owns or reviews, newest first, each with what waits for review."""
    employee = _employee(who)
    filters = (Filter("accessKeys", "contains_any", [staff_key(employee.subject)]),)
    hearings, token = HearingRepository(documents).page(filters, limit, continuation)
    viewer = viewer_of(employee, vault)
    now = clock.now()
    items = [
        HearingSummary(
            hearing=HearingView.of(hearing, now, staff=True),
            role=DeskRole.OWNER if access.is_owner(viewer, hearing) else DeskRole.REVIEWER,
            review=_review(documents, hearing.id) if hearing.status_at(now) in _REVIEWED else Review(),
        )
        for hearing in hearings
    ]
    return MyHearings(items=items, continuation=token)


@raises(NotAuthenticated, Forbidden, NotFound)
def hearing_desk(
    who: Identity | None,
    hearing_id: str,
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> Desk:
    """One hearing as the person who runs it sees it (its owner or an admin)."""
    loaded = managed_hearing(documents, viewer_of(who, vault), hearing_id)
    now = clock.now()
    pending = []
    for info in files.list(UPLOADS_CONTAINER, prefix=f"{hearing_id}/"):
        parts = info.name.split("/")
        if len(parts) == 3:
            pending.append(PendingUpload(document_id=parts[1], filename=parts[2], size=info.size))
    review = _review(documents, hearing_id) if loaded.model.status_at(now) in _REVIEWED else Review()
    return Desk(
        hearing=HearingView.of(loaded.model, now, True, loaded.etag),
        review=review,
        pending_uploads=pending,
        people=_people(documents, loaded.model.reviewers),
    )


def _people(documents: DocumentStore, subjects: list[str]) -> dict[str, str]:
    people = {}
    for subject in subjects:
        member = find_employee(documents, subject)
        if member is not None:
            people[subject] = f"{member.name} <{member.email}>" if member.email else member.name
    return people


@raises(NotAuthenticated, Forbidden)
def hearing_choices(who: Identity | None, *, documents: DocumentStore) -> HearingChoices:
    _employee(who)
    references = ReferenceRepository(documents)
    return HearingChoices(
        templates=references.templates(),
        subject_areas=references.areas(ReferenceType.SUBJECT_AREA),
        city_areas=references.areas(ReferenceType.CITY_AREA),
    )


@raises(NotAuthenticated, Forbidden, NotFound, InvalidInput)
def upload_document(
    who: Identity | None,
    hearing_id: str,
    filename: str,
    data: bytes,
    *,
    documents: DocumentStore,
    files: FileStore,
    vault: PersonalDataVault,
    settings: Settings,
) -> PendingUpload:
    """A document sent through a form: put where a direct upload goes, so the same blob trigger checks it
    by its content and attaches it, or keeps why it was refused."""
    loaded = managed_hearing(documents, viewer_of(who, vault), hearing_id)
    loaded.model.check_takes_document()
    if not data:
        raise InvalidInput("choose a file to upload", field="document")
    if len(data) > settings.max_upload_bytes:
        raise InvalidInput(f"the file is larger than {settings.max_upload_bytes} bytes", field="document")
    document_id = str(uuid.uuid4())
    name = safe_filename(filename or "dokument")
    files.write(UPLOADS_CONTAINER, f"{hearing_id}/{document_id}/{name}", data)
    return PendingUpload(document_id=document_id, filename=name, size=len(data))


def invitee_rows(text: str) -> list[tuple[int, str]]:
    """The non-empty first cells of a CSV file with their row numbers (1 is the first row); a header row
    naming the column is skipped. Commas, semicolons and tabs all separate columns."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:1024], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [
        (number, row[0].strip())
        for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1)
        if row and row[0].strip()
    ]
    if rows and rows[0][1].lower() in CSV_HEADERS:
        rows = rows[1:]
    return rows


def _employee(who: Identity | None) -> Identity:
    if who is None:
        raise NotAuthenticated("sign in as an employee")
    if not who.is_employee:
        raise Forbidden("only employees run hearings")
    return who


def _review(documents: DocumentStore, hearing_id: str) -> Review:
    review = Review()
    for response in ResponseRepository(documents).each(hearing_id, _UNDECIDED):
        review.waiting += 1
        review.open_flags += len(response.open_flags)
    return review
