"""Who may see and do what (brief section 3). Pure rules; the services enforce them.

Visibility works with access keys. A hearing lists the keys that may see it (its owner and
reviewers always; once published also "public", "employees" or its invitees' match keys), and a
viewer carries the keys they hold. Seeing means sharing a key. The same keys are stored on the
hearing, so a list is filtered in the query, never by loading everything and filtering in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from shared.domain.access_keys import EMPLOYEES, PUBLIC, staff_key, subject_key
from shared.domain.hearing import Hearing, HearingStatus, Visibility
from shared.domain.identity import Identity, IdentityKind


@dataclass(frozen=True)
class Viewer:
    """A caller with the access keys they hold (anonymous: just "public")."""

    identity: Identity | None
    keys: frozenset[str]

    @classmethod
    def anonymous(cls) -> Viewer:
        return cls(None, frozenset({PUBLIC}))

    @classmethod
    def of(cls, who: Identity | None, match_keys: Iterable[str] = ()) -> Viewer:
        """``match_keys`` are the keyed hashes of the caller's CPR number or e-mail, made by the services."""
        if who is None:
            return cls.anonymous()
        keys = {PUBLIC, staff_key(who.subject), subject_key(who.subject), *match_keys}
        if who.is_employee:
            keys.add(EMPLOYEES)
        if who.kind is IdentityKind.COMPANY and who.cvr:
            keys.add(f"cvr:{who.cvr}")
        return cls(who, frozenset(keys))

    @property
    def subject(self) -> str | None:
        return None if self.identity is None else self.identity.subject

    @property
    def is_admin(self) -> bool:
        return self.identity is not None and self.identity.is_admin


def audience_keys(hearing: Hearing) -> list[str]:
    return hearing.access_keys


def may_view(viewer: Viewer, hearing: Hearing) -> bool:
    return viewer.is_admin or not viewer.keys.isdisjoint(audience_keys(hearing))


def is_owner(viewer: Viewer, hearing: Hearing) -> bool:
    return viewer.subject == hearing.owner


def may_manage(viewer: Viewer, hearing: Hearing) -> bool:
    """Owner and admins edit, schedule, moderate, conclude."""
    return viewer.is_admin or is_owner(viewer, hearing)


def sees_every_state(viewer: Viewer, hearing: Hearing) -> bool:
    return may_manage(viewer, hearing) or (viewer.subject is not None and viewer.subject in hearing.reviewers)


def is_invited(viewer: Viewer, hearing: Hearing) -> bool:
    return not viewer.keys.isdisjoint(invitee.match_key for invitee in hearing.invitees)


def may_respond(viewer: Viewer, hearing: Hearing, now: datetime) -> bool:
    who = viewer.identity
    if who is None or not may_view(viewer, hearing):
        return False
    if hearing.status_at(now) is not HearingStatus.ACTIVE:
        return False
    if hearing.visibility is Visibility.INTERNAL:
        return who.is_employee
    if hearing.visibility is Visibility.CLOSED:
        return is_invited(viewer, hearing)
    return who.kind in (IdentityKind.CITIZEN, IdentityKind.COMPANY)


def may_create_hearing(who: Identity | None) -> bool:
    return who is not None and who.may_create_hearings


def list_filter_keys(viewer: Viewer) -> list[str] | None:
    """The keys a hearing list is filtered by; None means no filter (admins see everything)."""
    return None if viewer.is_admin else sorted(viewer.keys)
