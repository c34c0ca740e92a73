"""Terms an admin wants flagged in every response (say, a neighbour's nickname that keeps turning up):
one document in the reference container, read by the screening consumer."""

from __future__ import annotations

from shared.domain.audit import AuditEvent
from shared.domain.errors import Forbidden, NotAuthenticated, raises
from shared.domain.identity import Identity
from shared.domain.reference import BLACKLIST_ID, REFERENCE_TRAIL, Blacklist, BlacklistTerms, ReferenceType
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.services.repositories import AuditRepository
from shared.services.terms import CONTAINER, ensure_admin

PARTITION = (ReferenceType.BLACKLIST.value,)


def blacklisted_terms(documents: DocumentStore) -> list[str]:
    stored = documents.read(CONTAINER, PARTITION, BLACKLIST_ID)
    return [] if stored is None else Blacklist.model_validate(stored.body).terms


@raises(NotAuthenticated, Forbidden)
def get_blacklist(who: Identity | None, *, documents: DocumentStore) -> Blacklist:
    ensure_admin(who)
    stored = documents.read(CONTAINER, PARTITION, BLACKLIST_ID)
    return Blacklist() if stored is None else Blacklist.model_validate(stored.body)


@raises(NotAuthenticated, Forbidden)
def put_blacklist(
    who: Identity | None, request: BlacklistTerms, *, documents: DocumentStore, clock: Clock
) -> Blacklist:
    """Replace the list. The trail says who changed it and how many terms came and went, not the terms:
    an admin lists them because they must not be published."""
    admin = ensure_admin(who)
    before = set(blacklisted_terms(documents))
    now = clock.now()
    blacklist = Blacklist(terms=request.terms, updated_at=now, updated_by=admin.subject)
    after = set(request.terms)
    # The entry first: a change that then failed leaves an entry too many, never a change unaudited.
    AuditRepository(documents).append(
        AuditEvent.record(
            admin,
            REFERENCE_TRAIL,
            "blacklist.changed",
            now,
            target="blacklist",
            added=str(len(after - before)),
            removed=str(len(before - after)),
            count=str(len(after)),
        )
    )
    documents.upsert(CONTAINER, PARTITION, blacklist.to_document())
    return blacklist
