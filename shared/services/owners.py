"""Who owns which hearing: admins find an employee's hearings and move a hearing to another employee
(say, when its caseworker leaves). The portal knows an employee once they have signed in to it, or when
the organisation's staff directory knows them: a hearing is given only to someone who can sign in and
run it."""

from __future__ import annotations

from datetime import datetime

from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound, StaleWrite, raises
from shared.domain.identity import Identity
from shared.domain.reference import OwnerChange, ReferenceType, StaffMember
from shared.ports.clock import Clock
from shared.ports.directory import Colleague, StaffDirectory
from shared.ports.documents import DocumentStore, Filter, Query
from shared.ports.messages import MessageBus
from shared.services.hearing_api import HearingPage, HearingView
from shared.services.repositories import HearingRepository
from shared.services.terms import CONTAINER, ensure_admin
from shared.services.unit_of_work import UnitOfWork

STAFF_PARTITION = (ReferenceType.STAFF.value,)


def remember_employee(who: Identity, *, documents: DocumentStore, clock: Clock) -> bool:
    """Note an employee who signed in, with their name and address as their organisation gives them.
    Written only when something changed; returns whether it was."""
    if not who.is_employee:
        return False
    email = who.email.strip().lower() if who.email else None
    stored = documents.read(CONTAINER, STAFF_PARTITION, who.subject)
    if stored is not None:
        known = StaffMember.model_validate(stored.body)
        if (known.name, known.email) == (who.name, email) and not known.from_directory:
            return False
    member = StaffMember(id=who.subject, name=who.name, email=email, seen_at=clock.now())
    documents.upsert(CONTAINER, STAFF_PARTITION, member.to_document())
    return True


# Employees listed for an admin at most: a municipality's caseworkers who use the portal.
KNOWN_EMPLOYEES_LISTED = 500


def find_employee(documents: DocumentStore, key: str) -> StaffMember | None:
    """By portal user id, by e-mail address (in any case), or by a name only one employee has."""
    key = key.strip()
    stored = documents.read(CONTAINER, STAFF_PARTITION, key)
    if stored is not None:
        return StaffMember.model_validate(stored.body)
    if "@" not in key:
        named = [member for member in _staff(documents) if member.name.casefold() == key.casefold()]
        return named[0] if len(named) == 1 else None
    page = documents.query(
        CONTAINER, Query(partition=STAFF_PARTITION, filters=(Filter("email", "=", key.lower()),), limit=1)
    )
    return StaffMember.model_validate(page.items[0].body) if page.items else None


@raises(NotAuthenticated, Forbidden)
def known_employees(who: Identity | None, *, documents: DocumentStore) -> list[StaffMember]:
    """The employees the portal knows, by name: whom an admin may look up or make a hearing's owner."""
    ensure_admin(who)
    return sorted(_staff(documents), key=lambda member: (member.name.casefold(), member.id))


def _staff(documents: DocumentStore) -> list[StaffMember]:
    page = documents.query(CONTAINER, Query(partition=STAFF_PARTITION, limit=KNOWN_EMPLOYEES_LISTED))
    return [StaffMember.model_validate(item.body) for item in page.items]


def find_colleague(documents: DocumentStore, directory: StaffDirectory, key: str) -> Colleague | None:
    """An employee by user id or e-mail address: those who signed in first, then the staff directory."""
    member = find_employee(documents, key)
    if member is not None:
        return Colleague(subject=member.id, name=member.name, email=member.email)
    return directory.find(key)


def note_colleague(documents: DocumentStore, colleague: Colleague, now: datetime) -> None:
    """Remember a colleague the directory gave, once they own or review a hearing, so the desk can name
    them before their first sign-in. Called after the change is stored: a refused one leaves nothing."""
    if find_employee(documents, colleague.subject) is None:
        member = StaffMember(
            id=colleague.subject, name=colleague.name, email=colleague.email, seen_at=now, from_directory=True
        )
        documents.upsert(CONTAINER, STAFF_PARTITION, member.to_document())


@raises(NotAuthenticated, Forbidden, InvalidInput)
def hearings_of_owner(
    who: Identity | None,
    owner: str | None,
    limit: int = 50,
    continuation: str | None = None,
    *,
    documents: DocumentStore,
    clock: Clock,
) -> HearingPage:
    """The hearings an employee owns, newest first, in every state. ``owner``: user id or e-mail address."""
    ensure_admin(who)
    if owner is None or not owner.strip():
        raise InvalidInput("give the owner's user id or e-mail address", field="owner")
    member = find_employee(documents, owner)
    subject = member.id if member is not None else owner.strip()
    hearings, token = HearingRepository(documents).page((Filter("owner", "=", subject),), limit, continuation)
    now = clock.now()
    return HearingPage(items=[HearingView.of(h, now, staff=True) for h in hearings], continuation=token)


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput, StaleWrite)
def move_hearing(
    who: Identity | None,
    hearing_id: str,
    request: OwnerChange,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    directory: StaffDirectory,
) -> HearingView:
    """Make another employee the hearing's owner; the hearing's trail says who moved it from whom to whom."""
    admin = ensure_admin(who)
    now = clock.now()
    member = find_colleague(documents, directory, request.owner)
    if member is None:
        raise InvalidInput(
            "no employee with this user id or e-mail address has signed in to the portal or is in the staff directory",
            field="owner",
        )
    with UnitOfWork(documents, bus) as uow:
        loaded = uow.hearings.require(hearing_id)
        former = loaded.model.reassign(member.subject, member.name, now)
        loaded.model.record_audit(admin, "hearing.owner-changed", now, target=f"owner:{member.subject}", former=former)
        uow.save(loaded)
        uow.commit()
    note_colleague(documents, member, now)
    return HearingView.of(loaded.model, now, staff=True, etag=loaded.etag)
