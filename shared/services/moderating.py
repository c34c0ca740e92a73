"""What the moderation services share: the hearing a moderator acts on, the trail entry of a redaction,
the notice of a decline, the language a reader asked for and the names of city areas."""

from __future__ import annotations

from shared.domain.errors import Conflict, InvalidInput
from shared.domain.hearing import EDITABLE, Hearing
from shared.domain.identity import Identity
from shared.domain.redaction import Language, Redaction
from shared.domain.reference import ReferenceType
from shared.domain.response import Response
from shared.domain.screening import FlagKind, screen
from shared.ports.documents import DocumentStore
from shared.ports.vault import PersonalDataVault
from shared.services.guards import managed_hearing
from shared.services.repositories import ReferenceRepository
from shared.services.viewers import viewer_of

# A caseworker's reason goes into the trail: it must not carry what it is about.
_PERSONAL = frozenset({FlagKind.CPR, FlagKind.EMAIL, FlagKind.PHONE})


def moderated_hearing(
    who: Identity | None, hearing_id: str, *, documents: DocumentStore, vault: PersonalDataVault
) -> tuple[Hearing, Identity]:
    """The hearing, for its owner or an admin, while its responses may still be moderated."""
    viewer = viewer_of(who, vault)
    hearing = managed_hearing(documents, viewer, hearing_id).model
    assert viewer.identity is not None  # managed_hearing refuses anonymous callers
    if hearing.status not in EDITABLE:
        # A concluded hearing is read-only: its approved responses have gone to the records system.
        raise Conflict(f"responses of a {hearing.status.value} hearing cannot be moderated", field="status")
    return hearing, viewer.identity


def record_redaction(response: Response, who: Identity | None, redaction: Redaction) -> None:
    """Who, when, which span and why; never the text the span covers."""
    details = {"span": f"{redaction.span.start}-{redaction.span.end}", "reason": redaction.reason}
    if redaction.flag_id:
        details["flag"] = redaction.flag_id
    response.record_audit(who, "response.redacted", redaction.at, target=f"response:{response.id}", **details)


def ensure_clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("give a reason", field="reason")
    if any(flag.kind in _PERSONAL for flag in screen(reason, allow=())):
        raise InvalidInput("the reason must not itself contain personal data", field="reason")
    return reason


def language_from(accept_language: str | None) -> Language:
    """Danish unless the reader prefers English (``Accept-Language: en-GB,en;q=0.9,da;q=0.5``)."""
    best: tuple[float, Language] = (0.0, "da")
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("da", "en"):
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if quality > best[0]:
            best = (quality, "en" if primary == "en" else "da")
    return best[1]


class CityAreas:
    """City area names, read once per request and only when a response names one."""

    def __init__(self, documents: DocumentStore) -> None:
        self._documents = documents
        self._names: dict[str, str] | None = None

    def name(self, area_id: str | None) -> str | None:
        if not area_id:
            return None
        if self._names is None:
            areas = ReferenceRepository(self._documents).areas(ReferenceType.CITY_AREA)
            self._names = {area.id: area.name for area in areas}
        return self._names.get(area_id)
