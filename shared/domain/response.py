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
from shared.domain.errors import Conflict, FieldProblem, InvalidInput
from shared.domain.identity import Identity, IdentityKind
from shared.domain.moderation import CaseworkerNotes, covered, kinds_of, open_flag_problems, public_version
from shared.domain.redaction import Language, Redaction, Span, merged_spans
from shared.domain.screening import Flag, FlagKind, FlagState, decide, publishable, resolve_open

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
    city_area_id: str | None = None  # chosen at submission; the public sees "Borger, <city area>"

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

    def public_author(self, city_area: str | None = None) -> str:
        """What the public sees: a company's name, a person's name only by their choice, else their kind
        with the city area they gave."""
        if self.kind is IdentityKind.COMPANY and self.company_name:
            return self.company_name
        if self.publish_name:
            return self.name
        kind = {IdentityKind.CITIZEN: "Borger", IdentityKind.COMPANY: "Virksomhed"}.get(self.kind, "Medarbejder")
        return f"{kind}, {city_area}" if city_area else kind


class ResponseVersion(PortalModel):
    """An earlier version of a response, kept when it was edited: every version is signed in the log."""

    version: int
    text: str
    digest: str
    at: Instant  # when this version arrived
    publish_name: bool = False
    # The files that stayed with this version: filed with it, then withdrawn. A withdrawn response
    # submitted again starts without them; an edit keeps the response's files, so it leaves this empty.
    attachments: list[Attachment] = Field(default_factory=list)


def response_id_for(hearing_id: str, subject: str, key: str | None = None) -> str:
    """The first response per respondent per hearing: a retried submission lands on the same id. Further
    ones (where the hearing type allows them) are named by the request's Idempotency-Key, or are random."""
    if key is None:
        return str(uuid.uuid5(_RESPONSE_NAMESPACE, f"{hearing_id}\n{subject}"))
    return str(uuid.uuid5(_RESPONSE_NAMESPACE, f"{hearing_id}\n{subject}\n{key}"))


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
    # Versions: the current one is ``text``/``digest``/``updated_at``; edits push the one before into ``history``,
    # so the first submission (the deadline-day write) carries no copy of its text.
    version: int = 1
    version_at: Instant | None = None  # when the current version arrived (None: at received_at)
    history: list[ResponseVersion] = Field(default_factory=list)
    number: int | None = None  # "Høringssvar nr. 17", given by the consumer in arrival order
    # Moderation: what the caseworker replaced by hand or by flag, why a response was declined, and notes.
    redactions: list[Redaction] = Field(default_factory=list)
    decline_reason: str | None = None
    notes: CaseworkerNotes | None = None
    accepted_terms: int | None = None  # the version of the terms the respondent accepted
    campaign_group_id: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_pending_audit(self) -> bool:
        """Trail entries still wait in this document; stored so the sweep and the trail reader find it."""
        return bool(self.pending_audit)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def flag_kinds(self) -> list[str]:
        """Stored so the moderation list can filter by kind of flag."""
        return kinds_of(self.flags)

    @property
    def audit_hearing_id(self) -> str:
        return self.hearing_id

    @classmethod
    def receive(
        cls,
        hearing_id: str,
        who: Identity,
        text: str,
        publish_name: bool,
        now: datetime,
        response_id: str | None = None,
    ) -> Response:
        response_id = response_id or response_id_for(hearing_id, who.subject)
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
        self.history.append(
            ResponseVersion(
                version=self.version,
                text=self.text,
                digest=self.digest,
                at=self.current_version_at,
                publish_name=self.respondent.publish_name,
            )
        )
        self.version += 1
        self.version_at = now
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
        # The withdrawn version keeps its files in its history; the new one has only what is sent with it.
        self.history[-1].attachments, self.attachments = self.attachments, []

    def withdraw(self, now: datetime) -> None:
        self.status, self.published, self.updated_at = ResponseStatus.WITHDRAWN, False, now

    def record_screening(self, flags: list[Flag], now: datetime) -> bool:
        if self.status is not ResponseStatus.SUBMITTED:
            return False
        self.flags, self.status, self.updated_at = flags, ResponseStatus.AWAITING_REVIEW, now
        # A new text is reviewed afresh: spans redacted in an earlier version point into another text.
        self.redactions, self.decline_reason = [], None
        return True

    def record_consent(self, accepted_terms: int | None, city_area_id: str | None) -> None:
        """What the respondent agreed to and chose at submission."""
        self.accepted_terms = accepted_terms
        self.respondent.city_area_id = city_area_id

    def approve(self, by: str, clear_flags: bool, publish: bool, now: datetime) -> list[Redaction]:
        """Approve; with ``clear_flags`` every open flag is decided the default way first (redacted, except
        the respondent's own name when they chose to publish it). Returns the redactions that made."""
        if self.status not in (ResponseStatus.AWAITING_REVIEW, ResponseStatus.DECLINED, ResponseStatus.APPROVED):
            raise Conflict(f"a {self.status.value} response cannot be approved", field="status")
        made: list[Redaction] = []
        if self.open_flags:
            if not clear_flags:
                problems = open_flag_problems(self.flags) + [
                    problem
                    for attachment in self.attachments
                    for problem in open_flag_problems(attachment.flags, f"attachments[{attachment.id}].")
                ]
                kinds = ", ".join(kinds_of(self.open_flags))
                raise Conflict(f"the response has open personal-data flags ({kinds})", problems=problems)
            still_open = [flag for flag in self.flags if flag.is_open]  # the text's; attachments are withheld
            resolve_open(
                self.flags, self.text, own_name=self.respondent.name, publish_name=self.respondent.publish_name
            )
            made = [self._redacted(flag, by, now) for flag in still_open if flag.state is FlagState.REDACTED]
            for attachment in self.attachments:
                attachment.withhold_flagged()
        if not publishable(self.flags):
            # Only a stored accepted CPR flag (from before the rule) gets here; it must be redacted first.
            problems = [
                FieldProblem(f"flags[{flag.id}]", "a CPR number is never published: redact it")
                for flag in self.flags
                if flag.kind is FlagKind.CPR and flag.state is not FlagState.REDACTED
            ]
            raise Conflict("a CPR number is never published: redact it first", problems=problems)
        self.status, self.published = ResponseStatus.APPROVED, publish
        self.decided_by, self.decided_at, self.updated_at = by, now, now
        self.decline_reason = None
        return made

    def decline(self, by: str, now: datetime, reason: str | None = None) -> None:
        if self.status not in (ResponseStatus.AWAITING_REVIEW, ResponseStatus.APPROVED, ResponseStatus.DECLINED):
            raise Conflict(f"a {self.status.value} response cannot be declined", field="status")
        self.status, self.published = ResponseStatus.DECLINED, False
        self.decided_by, self.decided_at, self.updated_at = by, now, now
        self.decline_reason = reason

    def decide_flag(self, flag_id: str, state: FlagState, by: str, now: datetime) -> Redaction | None:
        """Accept or redact one flag; accepting a CPR number is refused. Returns the redaction made, if any."""
        self._ensure_moderated()
        flag = decide(self.flags, flag_id, state)
        self.updated_at = now
        return self._redacted(flag, by, now) if flag.state is FlagState.REDACTED else None

    def redact_spans(self, spans: list[Span], reason: str, by: str, now: datetime) -> list[Redaction]:
        """Redact spans chosen by hand; open flags inside them count as redacted."""
        self._ensure_moderated()
        if not spans:
            raise InvalidInput("name at least one span to redact", field="spans")
        merged = merged_spans(spans, len(self.text))
        made = [Redaction(span=span, reason=reason, by=by, at=now) for span in merged]
        self.redactions.extend(made)
        for flag in self.flags:
            if flag.is_open and covered(flag, merged, self.text):
                flag.state = FlagState.REDACTED
        self.updated_at = now
        return made

    def set_notes(self, notes: CaseworkerNotes) -> None:
        if self.status is ResponseStatus.WITHDRAWN:
            raise Conflict("a withdrawn response takes no notes", field="status")
        self.notes = notes

    def _redacted(self, flag: Flag, by: str, now: datetime) -> Redaction:
        redaction = Redaction.of_flag(flag, self.text, by, now)
        self.redactions = [r for r in self.redactions if r.flag_id != flag.id] + [redaction]
        return redaction

    def _ensure_moderated(self) -> None:
        if self.status not in (ResponseStatus.AWAITING_REVIEW, ResponseStatus.APPROVED, ResponseStatus.DECLINED):
            raise Conflict(f"a {self.status.value} response has no flags to decide yet", field="status")

    def versions(self) -> list[ResponseVersion]:
        """Every version, oldest first, the current one last."""
        current = ResponseVersion(
            version=self.version,
            text=self.text,
            digest=self.digest,
            at=self.current_version_at,
            publish_name=self.respondent.publish_name,
        )
        return [*self.history, current]

    def filed_attachments(self) -> list[tuple[Attachment, int]]:
        """Every attachment ever filed with the response, with the last version it belongs to: the
        current version for the response's own, the withdrawn version for those that stayed with it."""
        kept = [(attachment, v.version) for v in self.history for attachment in v.attachments]
        return kept + [(attachment, self.version) for attachment in self.attachments]

    @property
    def current_version_at(self) -> datetime:
        return self.version_at or self.received_at

    @property
    def is_public(self) -> bool:
        return self.status is ResponseStatus.APPROVED and self.published

    def public_text(self, language: Language = "da") -> str:
        """The text as the public may read it: every redaction replaced, and never a CPR number."""
        return public_version(self.text, self.flags, self.redactions, language)


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
    version: int = 1
    receipt_url: str = Field(default="", description="Where the signed receipt of this version appears once logged")

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
            version=response.version,
            receipt_url=f"/api/hearings/{response.hearing_id}/responses/{response.id}/receipt?version={response.version}",
        )
