"""What callers send to and get from the publication use cases."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.domain.audit import AuditEvent
from shared.domain.base import InputModel, Instant, PortalModel, copenhagen_text
from shared.domain.hearing import (
    MAX_AREAS,
    Hearing,
    HearingEdit,
    HearingStatus,
    IdList,
    Journalising,
    RejectedUpload,
    Visibility,
)
from shared.domain.kle import Kle


class HearingDraft(InputModel):
    template_id: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=300)
    case_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The case (sag) in the records system; left out, a case is opened from the KLE number's template",
    )
    summary: str | None = Field(default=None, max_length=2000)
    body: str | None = Field(default=None, max_length=100_000)
    visibility: Visibility | None = None
    subject_area_ids: IdList = Field(default_factory=list, max_length=MAX_AREAS)
    city_area_ids: IdList = Field(default_factory=list, max_length=MAX_AREAS)
    kle: Kle | None = None


class HearingChanges(HearingEdit):
    """Only the fields sent change. ``kle`` may be null to clear it; the others may not.

    The editable fields and their limits are the domain's (``HearingEdit``); this is its name on the wire.
    """


class InviteeList(InputModel):
    invitees: list[str] = Field(
        max_length=5_000,
        description="CPR numbers, CVR numbers, e-mail addresses (matched for employees) or portal user ids",
    )
    replace: bool = Field(default=False, description="Replace the list instead of adding to it")


class ScheduleRequest(InputModel):
    start: Instant = Field(description="Europe/Copenhagen wall-clock time, or any instant with an offset")
    deadline: Instant = Field(description="Europe/Copenhagen wall-clock time, or any instant with an offset")


# The web desk's cancel form keeps the same length on the audit trail.
MAX_CANCEL_REASON = 2_000


class CancelRequest(InputModel):
    reason: str | None = Field(
        default=None,
        max_length=MAX_CANCEL_REASON,
        description="Why the hearing is cancelled; kept on the hearing's audit trail",
    )


class Conclusion(InputModel):
    conclusion: str = Field(min_length=1, max_length=100_000)


class UploadRequest(InputModel):
    filename: str = Field(min_length=1, max_length=200)


class DocumentView(PortalModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str


class HearingView(PortalModel):
    id: str
    title: str
    summary: str
    body: str
    status: HearingStatus
    visibility: Visibility
    template_id: str
    subject_area_ids: list[str]
    city_area_ids: list[str]
    kle: Kle | None
    start: Instant | None
    deadline: Instant | None
    start_local: str | None
    deadline_local: str | None
    documents: list[DocumentView]
    conclusion: str | None
    concluded_at: Instant | None
    archived_at: Instant | None = Field(default=None, description="Journalised and archived: read-only for good")
    # Only for those who run the hearing.
    case_number: str | None = None
    owner: str | None = None
    reviewers: list[str] | None = None
    invitees: list[str] | None = Field(default=None, description="Masked labels")
    journalised_at: Instant | None = None
    journalising: Journalising | None = Field(
        default=None, description="Set while filing into the records system keeps failing: why, and the next try"
    )
    rejected_uploads: list[RejectedUpload] | None = Field(default=None, description="Uploads refused, and why")
    etag: str | None = None
    you_may_respond: bool | None = Field(
        default=None, description="For a signed-in caller: whether they may respond to the hearing now"
    )

    @classmethod
    def of(cls, hearing: Hearing, now: datetime, staff: bool, etag: str | None = None) -> HearingView:
        return cls(
            id=hearing.id,
            title=hearing.title,
            summary=hearing.summary,
            body=hearing.body,
            status=hearing.status_at(now),
            visibility=hearing.visibility,
            template_id=hearing.template_id,
            subject_area_ids=hearing.subject_area_ids,
            city_area_ids=hearing.city_area_ids,
            kle=hearing.kle,
            start=hearing.start,
            deadline=hearing.deadline,
            start_local=copenhagen_text(hearing.start) if hearing.start else None,
            deadline_local=copenhagen_text(hearing.deadline) if hearing.deadline else None,
            documents=[DocumentView.model_validate(d.model_dump()) for d in hearing.documents],
            conclusion=hearing.conclusion,
            concluded_at=hearing.concluded_at,
            case_number=hearing.case_number if staff else None,
            owner=hearing.owner_name if staff else None,
            reviewers=hearing.reviewers if staff else None,
            invitees=[invitee.label for invitee in hearing.invitees] if staff else None,
            archived_at=hearing.archived_at,
            journalised_at=hearing.journalised_at if staff else None,
            journalising=hearing.journalising if staff else None,
            rejected_uploads=hearing.rejected_uploads if staff else None,
            etag=etag if staff else None,
        )


class HearingPage(PortalModel):
    items: list[HearingView]
    continuation: str | None = None


class UploadTicket(PortalModel):
    upload_url: str
    method: str = "PUT"
    headers: dict[str, str]
    document_id: str
    expires_at: Instant


class AuditPage(PortalModel):
    items: list[AuditEvent]
    continuation: str | None = None
