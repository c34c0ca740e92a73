"""A response (hoeringssvar): accepted first, screened and moderated later."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field, computed_field

from shared.domain.aggregate import Aggregate
from shared.domain.attachments import Attachment
from shared.domain.base import Instant, PortalModel, copenhagen_text, format_instant
from shared.domain.errors import Conflict
from shared.domain.identity import Identity, IdentityKind
from shared.domain.redaction import Language, public_text
from shared.domain.screening import Flag, resolve_open

_RESPONSE_NAMESPACE = uuid.UUID("6f1f6a8e-3d5b-4c1e-9a57-2f8b0c1d9e42")


class ResponseStatus(StrEnum):
    SUBMITTED = "submitted"  # stored and acknowledged; screening pending
    AWAITING_REVIEW = "awaiting_review"  # screened; a caseworker decides
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Respondent(PortalModel):
    subject: str
    kind: IdentityKind
    name: str
    company_name: str | None = None
    cvr: str | None = None
    publish_name: bool = False
    cpr_sealed: str | None = None  # encrypted; never shown, never logged

    @classmethod
    def of(cls, who: Identity, publish_name: bool) -> Respondent:
        return cls(
            subject=who.subject,
            kind=who.kind,
            name=who.name,
            company_name=who.company_name,
            cvr=who.cvr,
            publish_name=publish_name,
        )

    def public_author(self) -> str:
        """What the public sees: a company's name, a person's name only by their choice."""
        if self.kind is IdentityKind.COMPANY and self.company_name:
            return self.company_name
        if self.publish_name:
            return self.name
        return {IdentityKind.CITIZEN: "Borger", IdentityKind.COMPANY: "Virksomhed"}.get(self.kind, "Medarbejder")


def response_id_for(hearing_id: str, subject: str) -> str:
    """One response per respondent per hearing: a retried submission lands on the same id."""
    return str(uuid.uuid5(_RESPONSE_NAMESPACE, f"{hearing_id}\n{subject}"))


class Response(Aggregate):
    id: str
    hearing_id: str
    respondent: Respondent
    text: str
    status: ResponseStatus = ResponseStatus.SUBMITTED
    received_at: Instant
    updated_at: Instant
    digest: str
    flags: list[Flag] = Field(default_factory=list)
    published: bool = False
    decided_by: str | None = None
    decided_at: Instant | None = None
    attachments: list[Attachment] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_pending_audit(self) -> bool:
        """Trail entries still wait in this document; stored so the sweep and the trail reader find it."""
        return bool(self.pending_audit)

    @property
    def audit_hearing_id(self) -> str:
        return self.hearing_id

    @classmethod
    def receive(cls, hearing_id: str, who: Identity, text: str, publish_name: bool, now: datetime) -> Response:
        response_id = response_id_for(hearing_id, who.subject)
        return cls(
            id=response_id,
            hearing_id=hearing_id,
            respondent=Respondent.of(who, publish_name),
            text=text,
            received_at=now,
            updated_at=now,
            digest=content_digest(hearing_id, response_id, text, now),
        )

    @property
    def open_flags(self) -> list[Flag]:
        """The text's open flags and its attachments': both hold back approval until decided."""
        return [flag for flag in self.flags if flag.is_open] + [f for a in self.attachments for f in a.open_flags]

    def revise(self, text: str, publish_name: bool, now: datetime) -> None:
        if self.status is ResponseStatus.WITHDRAWN:
            raise Conflict("a withdrawn response cannot be edited", field="status")
        self.text, self.updated_at = text, now
        self.respondent.publish_name = publish_name
        self.digest = content_digest(self.hearing_id, self.id, text, now)
        # A revised text is screened and reviewed afresh.
        self.status, self.flags, self.published = ResponseStatus.SUBMITTED, [], False

    def resubmit(self, text: str, publish_name: bool, now: datetime) -> None:
        """A withdrawn response submitted again counts from the new receipt time."""
        if self.status is not ResponseStatus.WITHDRAWN:
            raise Conflict("only a withdrawn response can be submitted again", field="status")
        self.status = ResponseStatus.SUBMITTED
        self.revise(text, publish_name, now)
        self.received_at = now

    def withdraw(self, now: datetime) -> None:
        self.status, self.published, self.updated_at = ResponseStatus.WITHDRAWN, False, now

    def record_screening(self, flags: list[Flag], now: datetime) -> bool:
        if self.status is not ResponseStatus.SUBMITTED:
            return False
        self.flags, self.status, self.updated_at = flags, ResponseStatus.AWAITING_REVIEW, now
        return True

    def approve(self, by: str, clear_flags: bool, publish: bool, now: datetime) -> None:
        if self.status not in (ResponseStatus.AWAITING_REVIEW, ResponseStatus.DECLINED, ResponseStatus.APPROVED):
            raise Conflict(f"a {self.status.value} response cannot be approved", field="status")
        if self.open_flags:
            if not clear_flags:
                kinds = ", ".join(sorted({flag.kind for flag in self.open_flags}))
                raise Conflict(f"the response has uncleared personal-data flags ({kinds})", field="clearFlags")
            # Clearing decides each open flag the default way: redacted, except the respondent's own name
            # when they chose to publish it.
            resolve_open(
                self.flags, self.text, own_name=self.respondent.name, publish_name=self.respondent.publish_name
            )
            for attachment in self.attachments:
                attachment.withhold_flagged()
        self.status, self.published = ResponseStatus.APPROVED, publish
        self.decided_by, self.decided_at, self.updated_at = by, now, now

    def decline(self, by: str, now: datetime) -> None:
        if self.status not in (ResponseStatus.AWAITING_REVIEW, ResponseStatus.APPROVED):
            raise Conflict(f"a {self.status.value} response cannot be declined", field="status")
        self.status, self.published = ResponseStatus.DECLINED, False
        self.decided_by, self.decided_at, self.updated_at = by, now, now

    @property
    def is_public(self) -> bool:
        return self.status is ResponseStatus.APPROVED and self.published

    def public_text(self, language: Language = "da") -> str:
        """The text as the public may read it: every redacted flag replaced."""
        return public_text(self.text, self.flags, language)


def content_digest(hearing_id: str, response_id: str, text: str, received_at: datetime) -> str:
    """SHA-256 of what was received; the receipt carries it so a respondent can prove it was kept unaltered."""
    canonical = json.dumps(
        {"hearingId": hearing_id, "id": response_id, "receivedAt": format_instant(received_at), "text": text},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


class Receipt(PortalModel):
    response_id: str
    hearing_id: str
    received_at: Instant
    received_at_local: str
    # The digest covers the text as of this instant (the latest edit, or the original submission).
    version_at: Instant
    digest: str
    status: ResponseStatus

    @classmethod
    def of(cls, response: Response) -> Receipt:
        return cls(
            response_id=response.id,
            hearing_id=response.hearing_id,
            received_at=response.received_at,
            received_at_local=copenhagen_text(response.received_at, "seconds"),  # a receipt is exact
            version_at=response.updated_at,
            digest=response.digest,
            status=response.status,
        )
