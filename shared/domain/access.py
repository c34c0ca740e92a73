"""Who may see and do what (brief section 3). Pure functions; the services enforce them."""

from __future__ import annotations

from datetime import datetime

from shared.domain.hearing import PUBLISHED, Hearing, HearingStatus, Visibility
from shared.domain.identity import Identity, IdentityKind


def is_owner(who: Identity | None, hearing: Hearing) -> bool:
    return who is not None and who.subject == hearing.owner


def may_manage(who: Identity | None, hearing: Hearing) -> bool:
    """Owner and admins edit, schedule, moderate, conclude."""
    return who is not None and (who.is_admin or is_owner(who, hearing))


def sees_every_state(who: Identity | None, hearing: Hearing) -> bool:
    return may_manage(who, hearing) or (who is not None and who.subject in hearing.reviewers)


def is_invited(who: Identity | None, hearing: Hearing) -> bool:
    return who is not None and who.subject in hearing.invitees


def may_view(who: Identity | None, hearing: Hearing) -> bool:
    if sees_every_state(who, hearing):
        return True
    if hearing.status not in PUBLISHED:
        return False
    if hearing.visibility is Visibility.EXTERNAL:
        return True
    if hearing.visibility is Visibility.INTERNAL:
        return who is not None and who.is_employee
    return is_invited(who, hearing)


def may_respond(who: Identity | None, hearing: Hearing, now: datetime) -> bool:
    if who is None or not may_view(who, hearing):
        return False
    if hearing.status_at(now) is not HearingStatus.ACTIVE:
        return False
    if hearing.visibility is Visibility.INTERNAL:
        return who.is_employee
    if hearing.visibility is Visibility.CLOSED:
        return is_invited(who, hearing)
    return who.kind in (IdentityKind.CITIZEN, IdentityKind.COMPANY)


def may_create_hearing(who: Identity | None) -> bool:
    return who is not None and who.may_create_hearings
