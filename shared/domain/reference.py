"""Reference data an admin manages: hearing templates (types), subject areas, city areas, the KLE numbers
the portal offers, the terms respondents accept, the terms screening flags as blacklisted, and the
employees the portal knows (to whom an admin may move a hearing)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from shared.domain.base import InputModel, Instant, PortalModel
from shared.domain.files import FileKind
from shared.domain.hearing import Visibility
from shared.domain.kle import Kle

# Ids an admin chooses for templates and areas: they appear in URLs and in every hearing that uses them.
REFERENCE_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
# Changes to reference data belong to no hearing; their audit entries are filed under this trail.
REFERENCE_TRAIL = "reference-data"
CURRENT_TERMS_ID = "current"
BLACKLIST_ID = "blacklist"


class ReferenceType(StrEnum):
    TEMPLATE = "template"
    SUBJECT_AREA = "subject-area"
    CITY_AREA = "city-area"
    TERMS = "terms"
    BLACKLIST = "blacklist"
    KLE = "kle"
    STAFF = "staff"
    NOTIFICATION_TEMPLATE = "notification-template"


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
    # Responses without a single flag are approved and published by screening; flagged ones still wait.
    auto_approve: bool = False
    # Followers of a hearing of this type are told this many days before its deadline (0: not told).
    deadline_warning_days: int = Field(default=3, ge=0, le=60, description="days before the deadline")


class Area(PortalModel):
    """A subject area (e.g. traffic) or a city area (e.g. Amager)."""

    type: ReferenceType
    id: str
    name: str


class TermsText(InputModel):
    """What an admin sends: the next version of the terms, in Danish and optionally English."""

    version: int = Field(ge=1, description="The next version number: the current one plus one")
    text: str = Field(min_length=1, max_length=50_000)
    text_en: str | None = Field(default=None, max_length=50_000)


class Terms(PortalModel):
    """One version of the terms respondents accept before they respond; a version never changes."""

    type: ReferenceType = ReferenceType.TERMS
    id: str
    version: int
    text: str
    text_en: str | None = None
    published_at: Instant
    published_by: str

    @staticmethod
    def id_of(version: int) -> str:
        return f"v{version}"


class BlacklistTerms(InputModel):
    terms: list[str] = Field(max_length=1000)

    @field_validator("terms")
    @classmethod
    def _cleaned(cls, terms: list[str]) -> list[str]:
        # Matching ignores case, so "Bøllen" and "bøllen" are one term; the first spelling is kept.
        unique: dict[str, str] = {}
        for term in terms:
            spaced = " ".join(term.split())
            if spaced:
                unique.setdefault(spaced.casefold(), spaced)
        cleaned = sorted(unique.values(), key=str.casefold)
        if any(len(term) > 200 for term in cleaned):
            raise ValueError("a term has at most 200 characters")
        return cleaned


class Blacklist(PortalModel):
    type: ReferenceType = ReferenceType.BLACKLIST
    id: str = BLACKLIST_ID
    terms: list[str] = Field(default_factory=list)
    updated_at: Instant | None = None
    updated_by: str | None = None


class TemplateRequest(InputModel):
    """What an admin sends to create or change a hearing template; the id is in the path."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    default_visibility: Visibility = Visibility.EXTERNAL
    default_summary: str = Field(default="", max_length=2000)
    default_body: str = Field(default="", max_length=100_000)
    attachment_limits: AttachmentLimits = Field(default_factory=AttachmentLimits)
    responses_per_respondent: int = Field(default=1, ge=1, le=100)
    retention_days: int = Field(default=730, ge=1, le=36_500, description="days after conclusion")
    auto_approve: bool = False
    deadline_warning_days: int = Field(
        default=3, ge=0, le=60, description="days before the deadline that followers are told (0: not told)"
    )


class AreaName(InputModel):
    name: str = Field(min_length=1, max_length=200)


class KleEntry(PortalModel):
    """One KLE number the portal offers caseworkers and followers, with its title."""

    type: ReferenceType = ReferenceType.KLE
    id: str  # the number itself: one document per number
    number: Kle
    title: str


class KleTitle(InputModel):
    title: str = Field(min_length=1, max_length=300)


class KleImportRow(InputModel):
    """One row of an imported file as read, checked by the service so every bad row is named."""

    line: int = Field(ge=1, description="the row's line in the file, for the error message")
    number: str = Field(max_length=100)
    title: str = Field(max_length=1000)


class KleImport(InputModel):
    rows: list[KleImportRow] = Field(max_length=5000)


class StaffMember(PortalModel):
    """An employee the portal has seen sign in, or found in the staff directory: who an admin may make a
    hearing's owner, and how the desk names a reviewer."""

    type: ReferenceType = ReferenceType.STAFF
    id: str  # the portal subject
    name: str
    email: str | None = None  # lower case, to find them by the address an admin types
    seen_at: Instant  # when they signed in, or were found in the directory
    from_directory: bool = False  # found in the directory, not yet seen signing in


class OwnerChange(InputModel):
    owner: str = Field(min_length=1, max_length=320, description="The new owner's portal user id or e-mail address")


class NotificationTemplateText(InputModel):
    """An admin's version of one message in one language: jinja2, rendered in a sandbox."""

    subject: str = Field(min_length=1, max_length=1000)
    html: str = Field(min_length=1, max_length=100_000)
    text: str = Field(min_length=1, max_length=100_000)


class NotificationTemplate(PortalModel):
    """A stored default for every hearing's message of one kind and language, instead of the built-in one."""

    type: ReferenceType = ReferenceType.NOTIFICATION_TEMPLATE
    id: str  # "<kind>:<language>"
    kind: str
    language: str
    subject: str
    html: str
    text: str
    updated_at: Instant
    updated_by: str

    @staticmethod
    def id_of(kind: str, language: str) -> str:
        return f"{kind}:{language}"
