"""Retention: when a concluded hearing's personal data is deleted, and what stays.

After a hearing type's retention period (``HearingTemplate.retention_days``, counted from the
conclusion) the portal keeps only what stays public, the published responses in their redacted text
under the author the public saw, and leaves the rest to the records system, which holds what was
journalised. A hearing not yet journalised is not purged: what it holds is not kept anywhere else yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from shared.domain.audit import AuditEvent
from shared.domain.base import Instant, PortalModel
from shared.domain.hearing import Hearing, HearingStatus
from shared.domain.identity import IdentityKind
from shared.domain.redaction import PLACEHOLDERS
from shared.domain.response import Respondent, Response

DEFAULT_RETENTION_DAYS = 730
RESPONDENT = "respondent"  # who an audit entry names once a respondent's subject is deleted
ERASED = "[slettet]"


class Step(StrEnum):
    """The deletion in the order it runs; each is safe to run again, and the hearing notes each one done.

    The audit trail goes first: it needs the respondents' subjects, which the responses step deletes.
    """

    AUDIT = "audit"
    ATTACHMENTS = "attachments"
    EXPORTS = "exports"
    CAMPAIGNS = "campaigns"
    SUBSCRIPTIONS = "subscriptions"
    DELIVERIES = "deliveries"
    MEETINGS = "meetings"
    OUTBOX = "outbox"
    QUEUE = "queue"
    RESPONSES = "responses"


class Eligibility(StrEnum):
    DUE = "due"
    NOT_YET = "not-yet"  # concluded, but the period has not passed
    NOT_CONCLUDED = "not-concluded"
    NOT_JOURNALISED = "not-journalised"  # past the period, but the records system does not hold it yet
    DONE = "done"


def retention_ends(hearing: Hearing, retention_days: int) -> datetime | None:
    if hearing.concluded_at is None:
        return None
    return hearing.concluded_at + timedelta(days=retention_days)


def eligibility(hearing: Hearing, retention_days: int, now: datetime) -> Eligibility:
    if hearing.personal_data_deleted_at is not None:
        return Eligibility.DONE
    ends = retention_ends(hearing, retention_days)
    if hearing.status is not HearingStatus.CONCLUDED or ends is None:
        return Eligibility.NOT_CONCLUDED
    if now < ends:
        return Eligibility.NOT_YET
    if hearing.journalised_at is None:
        return Eligibility.NOT_JOURNALISED
    return Eligibility.DUE


def anonymous_respondent(respondent: Respondent, response_id: str) -> Respondent:
    """The respondent reduced to the author the public saw; subject, name, CVR and sealed CPR go.

    Only the identifying fields change, so ``public_author()`` answers what it answered before: the
    name is replaced by that answer (a person's name only stays where they chose to publish it).
    """
    return respondent.model_copy(
        update={
            "subject": f"anonymous:{response_id}",
            "name": respondent.public_author(),
            "cvr": None,
            "cpr_sealed": None,
        }
    )


# What a published response keeps as it is; every other field of the model is reset to its default
# (flags, attachments, caseworker notes, ...), so a field added later is deleted unless listed here.
_KEPT = frozenset(
    {"id", "hearing_id", "status", "received_at", "updated_at", "digest", "published", "decided_at"}
    | {"version", "version_at", "number"}
)


def anonymised(response: Response) -> Response:
    """A published response as retention keeps it: its public text under its public author.

    The digest stays, so a receipt still proves what was received; earlier versions keep only theirs.
    """
    respondent = response.respondent
    text = response.public_text()
    if not respondent.publish_name:
        text = without_name(text, respondent.name)
    changes: dict[str, object] = {"respondent": anonymous_respondent(respondent, response.id), "text": text}
    for name, info in type(response).model_fields.items():
        if name in _KEPT or name in changes:
            continue
        if name == "history":  # earlier versions: their digests only
            changes[name] = [version.model_copy(update={"text": ""}) for version in getattr(response, name)]
        elif not info.is_required():
            changes[name] = info.get_default(call_default_factory=True)
    return type(response).model_validate({**response.model_dump(), **changes})


def without_name(text: str, name: str) -> str:
    """The text with every part of the respondent's own name replaced: screening may have missed one
    (a double surname), and once the identity is gone nothing in the kept text may point back to it."""
    parts = sorted({part for part in re.split(r"\s+", name) if len(part) >= 2}, key=len, reverse=True)
    if not parts:
        return text
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(part) for part in parts) + r")(?!\w)", re.IGNORECASE)
    return pattern.sub(PLACEHOLDERS["da"], text)


def keeps(response: Response) -> bool:
    """Only what the public may read stays; everything else about a response is deleted."""
    return response.is_public


def scrubbed(entry: AuditEvent, respondents: Iterable[str], names: Iterable[str]) -> AuditEvent | None:
    """The entry without a respondent's subject or name (action, time and role stay); None if it has none."""
    subjects, names = set(respondents), [name for name in names if name]
    actor = entry.actor
    if actor in subjects or entry.actor_kind in (IdentityKind.CITIZEN.value, IdentityKind.COMPANY.value):
        actor = RESPONDENT
    details = {key: ERASED if _names_someone(value, subjects, names) else value for key, value in entry.details.items()}
    if actor == entry.actor and details == entry.details:
        return None
    return entry.model_copy(update={"actor": actor, "details": details})


def _names_someone(value: str, subjects: set[str], names: list[str]) -> bool:
    folded = value.casefold()
    return any(subject in value for subject in subjects) or any(name.casefold() in folded for name in names)


class RetentionOutcome(PortalModel):
    """One hearing's run: counts only, never who."""

    hearing_id: str
    eligibility: Eligibility
    deleted_at: Instant | None = None
    counts: dict[str, int] = Field(default_factory=dict)


class RetentionReport(PortalModel):
    purged: list[RetentionOutcome] = Field(default_factory=list)
    not_journalised: list[str] = Field(
        default_factory=list
    )  # past their period, held until the records system has them
