"""The terms respondents accept before they respond: versioned texts an admin publishes.

Each version is its own document in the reference container (``terms`` partition) and never changes;
a ``current`` document holds a copy of the newest, so the intake path checks consent with one point read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shared.domain.audit import AuditEvent
from shared.domain.base import PortalModel
from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound, raises
from shared.domain.identity import Identity
from shared.domain.reference import CURRENT_TERMS_ID, REFERENCE_TRAIL, ReferenceType, Terms, TermsText
from shared.ports.clock import Clock
from shared.ports.documents import DocumentExists, DocumentStore, Query
from shared.services.hearing_cache import HearingCache
from shared.services.repositories import AuditRepository

CONTAINER = "reference"
PARTITION = (ReferenceType.TERMS.value,)


class Consenting(Protocol):
    """What a submission says about consent (``ResponseSubmission``)."""

    @property
    def accepted_terms(self) -> int | None: ...


class TermsList(PortalModel):
    current: int | None
    versions: list[Terms]


def current_terms(documents: DocumentStore) -> Terms | None:
    stored = documents.read(CONTAINER, PARTITION, CURRENT_TERMS_ID)
    return None if stored is None else Terms.model_validate(stored.body)


def ensure_accepted(
    submission: Consenting,
    *,
    documents: DocumentStore,
    copies: HearingCache | None = None,
    now: datetime | None = None,
) -> None:
    """When terms are published, a response is taken only with the current version accepted.

    With the intake's ``copies``, the current terms are read at most once per their lifetime; a
    version the copy does not know is checked against the store before it is refused, so newly
    published terms are accepted at once (and the version before them for at most that lifetime).
    """
    if copies is None or now is None:
        current = current_terms(documents)
    else:
        current = copies.terms(lambda: current_terms(documents), now)
        if current is not None and submission.accepted_terms != current.version:
            current = copies.terms(lambda: current_terms(documents), now, fresh=True)
    if current is None:
        return
    if submission.accepted_terms != current.version:
        raise InvalidInput(
            f"accept the current terms (version {current.version}) before you respond", field="acceptedTerms"
        )


def current_or_none(*, documents: DocumentStore) -> Terms | None:
    """For pages that ask for consent only when there are terms to consent to."""
    return current_terms(documents)


@raises(NotFound)
def get_current_terms(*, documents: DocumentStore) -> Terms:
    current = current_terms(documents)
    if current is None:
        raise NotFound("no terms are published", field="terms")
    return current


@raises(NotAuthenticated, Forbidden)
def list_terms(who: Identity | None, *, documents: DocumentStore) -> TermsList:
    ensure_admin(who)
    page = documents.query(CONTAINER, Query(partition=PARTITION, order_by="version", limit=1000))
    versions = [Terms.model_validate(item.body) for item in page.items if item.body["id"] != CURRENT_TERMS_ID]
    current = current_terms(documents)
    return TermsList(current=current.version if current else None, versions=versions)


@raises(NotAuthenticated, Forbidden, InvalidInput, Conflict)
def publish_terms(who: Identity | None, request: TermsText, *, documents: DocumentStore, clock: Clock) -> Terms:
    """Publish the next version. Sending the same version with the same text again changes nothing."""
    admin = ensure_admin(who)
    stored = documents.read(CONTAINER, PARTITION, Terms.id_of(request.version))
    if stored is not None:
        earlier = Terms.model_validate(stored.body)
        if (earlier.text, earlier.text_en) != (request.text, request.text_en):
            raise Conflict(f"version {request.version} is published already; publish a new one", field="version")
        # A retry after a crash between the writes: the entry keeps its id, so it is kept once.
        _audit_published(documents, admin, earlier)
        _make_current(documents, earlier)
        return earlier
    current = current_terms(documents)
    expected = (current.version if current else 0) + 1
    if request.version != expected:
        raise InvalidInput(f"the next version is {expected}", field="version")
    terms = Terms(
        id=Terms.id_of(request.version),
        version=request.version,
        text=request.text,
        text_en=request.text_en,
        published_at=clock.now(),
        published_by=admin.subject,
    )
    try:
        documents.create(CONTAINER, PARTITION, terms.to_document())
    except DocumentExists:
        raise Conflict("another admin published this version just now", field="version") from None
    _audit_published(documents, admin, terms)
    _make_current(documents, terms)
    return terms


def _audit_published(documents: DocumentStore, admin: Identity, terms: Terms) -> None:
    AuditRepository(documents).append(
        AuditEvent.record(
            admin,
            REFERENCE_TRAIL,
            "terms.published",
            terms.published_at,
            target=f"terms:{terms.version}",
            event_id=f"terms.published:{terms.version}",
        )
    )


def _make_current(documents: DocumentStore, terms: Terms) -> None:
    current = current_terms(documents)
    if current is None or current.version <= terms.version:
        documents.upsert(CONTAINER, PARTITION, terms.model_copy(update={"id": CURRENT_TERMS_ID}).to_document())


def ensure_admin(who: Identity | None) -> Identity:
    if who is None:
        raise NotAuthenticated("sign in as an admin")
    if not who.is_admin:
        raise Forbidden("only admins manage reference data")
    return who
