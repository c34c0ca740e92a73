"""Reference data an admin manages: hearing templates (types), subject areas, city areas."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.domain.base import PortalModel
from shared.domain.files import FileKind
from shared.domain.hearing import Visibility


class ReferenceType(StrEnum):
    TEMPLATE = "template"
    SUBJECT_AREA = "subject-area"
    CITY_AREA = "city-area"


class AttachmentLimits(PortalModel):
    """What a response to a hearing of this type may carry; ``PORTAL_MAX_UPLOAD_BYTES`` caps ``max_bytes``."""

    max_files: int = Field(default=10, ge=0, le=50, description="attachments per response")
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="bytes per attachment")
    kinds: list[FileKind] = Field(
        default_factory=lambda: [FileKind.PDF, FileKind.PNG, FileKind.JPEG, FileKind.DOCX], min_length=1
    )


class HearingTemplate(PortalModel):
    type: ReferenceType = ReferenceType.TEMPLATE
    id: str
    name: str
    description: str = ""
    default_visibility: Visibility = Visibility.EXTERNAL
    default_summary: str = ""
    default_body: str = ""
    attachment_limits: AttachmentLimits = Field(default_factory=AttachmentLimits)
    # More than 1: each submission is a response of its own, up to this many per respondent per hearing.
    responses_per_respondent: int = Field(default=1, ge=1, le=100)
    # After conclusion the portal keeps respondents' identities this long, then deletes them (as OS2agora's 730).
    retention_days: int = Field(default=730, ge=1, le=36_500, description="days after conclusion")


class Area(PortalModel):
    """A subject area (e.g. traffic) or a city area (e.g. Amager)."""

    type: ReferenceType
    id: str
    name: str
