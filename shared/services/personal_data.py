"""A person's own data: a machine-readable copy of what the portal holds about them, and its deletion.

The copy holds the person's own documents only: fields about others (the caseworker who decided,
their internal notes, followers' access keys) are left out. Deletion takes what no archiving rule
holds: a response to a concluded hearing is journalised (or about to be) and stays, said per item.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from pydantic import Field

from shared.domain.audit import AuditEvent
from shared.domain.base import Instant, PortalModel
from shared.domain.errors import NotAuthenticated, raises
from shared.domain.hearing import HearingStatus
from shared.domain.identity import Identity
from shared.domain.response import Response
from shared.ports.clock import Clock
from shared.ports.documents import CONTAINERS, Document, DocumentStore, Filter, Query
from shared.ports.files import FileStore
from shared.ports.vault import PersonalDataVault
from shared.services.containers import ATTACHMENTS_CONTAINER, QUARANTINE_CONTAINER, RESPONSE_UPLOADS_CONTAINER
from shared.services.repositories import AuditRepository, HearingRepository, ResponseRepository, SubscriptionRepository

# Where a person's own trail entries go: a request for one's data belongs to no hearing.
PERSONAL_DATA_TRAIL = "personal-data"
PREFERENCES_ID = "preferences"  # one document per person in the subscriptions container, "person:<subject>"
MEETINGS_CONTAINER, DELIVERIES_CONTAINER = "meetings", "deliveries"
_NOT_THEIRS = frozenset({"pendingAudit", "hasPendingAudit", "decidedBy", "notes", "viewerKeys", "campaignGroupId"})


class MyData(PortalModel):
    subject: str
    kind: str
    name: str
    email: str | None = None
    cpr_number: str | None = None  # masked: the portal holds it sealed, for Digital Post and the records system
    responses: list[dict[str, Any]] = Field(default_factory=list)
    subscriptions: list[dict[str, Any]] = Field(default_factory=list)
    preferences: dict[str, Any] | None = None
    meeting_sign_ups: list[dict[str, Any]] = Field(default_factory=list)
    notification_deliveries: list[dict[str, Any]] = Field(default_factory=list)
    audit_entries: list[AuditEvent] = Field(default_factory=list)


class Outcome(StrEnum):
    DELETED = "deleted"
    HELD = "held"  # an archiving rule keeps it


class DeletedItem(PortalModel):
    kind: str  # "response", "subscription", "preferences"
    id: str
    hearing_id: str | None = None
    outcome: Outcome
    reason: str | None = None


class DeletionAnswer(PortalModel):
    deleted_at: Instant
    items: list[DeletedItem]


@raises(NotAuthenticated)
def my_data(who: Identity | None, *, documents: DocumentStore, vault: PersonalDataVault, clock: Clock) -> MyData:
    if who is None:
        raise NotAuthenticated("sign in to see the data the portal holds about you")
    responses = list(ResponseRepository(documents).of_respondent(who.subject))
    sealed = next((r.respondent.cpr_sealed for r in responses if r.respondent.cpr_sealed), None)
    copy = MyData(
        subject=who.subject,
        kind=who.kind.value,
        name=who.name,
        email=who.email,
        cpr_number=_masked(vault.unseal(sealed)) if sealed else None,
        responses=[_own(response.to_document()) for response in responses],
        subscriptions=[_own(s.to_document()) for s in SubscriptionRepository(documents).of_subscriber(who.subject)],
        preferences=_preferences(documents, who.subject),
        meeting_sign_ups=list(_sign_ups(documents, who.subject)),
        notification_deliveries=[_own(d) for d in _deliveries(documents, who.subject)],
        audit_entries=list(_audit_naming(documents, who.subject)),
    )
    _audit(documents, clock, who, "personal-data.copied", responses=str(len(copy.responses)))
    return copy


@raises(NotAuthenticated)
def delete_my_data(who: Identity | None, *, documents: DocumentStore, files: FileStore, clock: Clock) -> DeletionAnswer:
    """Subscriptions, preferences and responses to hearings not yet concluded go; the rest is held."""
    if who is None:
        raise NotAuthenticated("sign in to delete the data the portal holds about you")
    items: list[DeletedItem] = []
    subscriptions = SubscriptionRepository(documents)
    for subscription in subscriptions.of_subscriber(who.subject):
        subscriptions.remove(subscription)
        items.append(DeletedItem(kind="subscription", id=subscription.target, outcome=Outcome.DELETED))
    partition = (f"person:{who.subject}",)
    if documents.read(subscriptions.container, partition, PREFERENCES_ID) is not None:
        documents.delete(subscriptions.container, partition, PREFERENCES_ID)
        items.append(DeletedItem(kind="preferences", id=PREFERENCES_ID, outcome=Outcome.DELETED))
    hearings = HearingRepository(documents)
    responses = ResponseRepository(documents)
    for response in list(responses.of_respondent(who.subject)):
        loaded = hearings.get(response.hearing_id)
        held = _held_because(loaded.model.status, loaded.model.journalised_at is not None) if loaded else None
        if held:
            items.append(_item(response, Outcome.HELD, held))
            continue
        for container in (ATTACHMENTS_CONTAINER, RESPONSE_UPLOADS_CONTAINER, QUARANTINE_CONTAINER):
            for info in files.list(container, prefix=f"{response.hearing_id}/{response.id}/"):
                files.delete(container, info.name)
        documents.delete(responses.container, responses.partition_of(response), response.id)
        items.append(_item(response, Outcome.DELETED, None))
    deleted = sum(1 for item in items if item.outcome is Outcome.DELETED)
    _audit(
        documents, clock, who, "personal-data.deleted-on-request", deleted=str(deleted), held=str(len(items) - deleted)
    )
    return DeletionAnswer(deleted_at=clock.now(), items=items)


def _held_because(status: HearingStatus, journalised: bool) -> str | None:
    if journalised:
        return "the hearing is journalised: the records system keeps the response under the archiving rules"
    if status is HearingStatus.CONCLUDED:
        return "the hearing is concluded and is being journalised: the response is kept under the archiving rules"
    return None


def _item(response: Response, outcome: Outcome, reason: str | None) -> DeletedItem:
    return DeletedItem(kind="response", id=response.id, hearing_id=response.hearing_id, outcome=outcome, reason=reason)


def _own(document: Document) -> dict[str, Any]:
    """The person's document without what is about others, and without the sealed CPR number."""
    copy = {key: value for key, value in document.items() if key not in _NOT_THEIRS}
    respondent = copy.get("respondent")
    if isinstance(respondent, dict):
        copy["respondent"] = {key: value for key, value in respondent.items() if key != "cprSealed"}
    return copy


def _masked(cpr: str) -> str:
    digits = cpr.replace("-", "")
    return f"{digits[:6]}-XXXX"


def _preferences(documents: DocumentStore, subject: str) -> dict[str, Any] | None:
    stored = documents.read("subscriptions", (f"person:{subject}",), PREFERENCES_ID)
    return dict(stored.body) if stored is not None else None


def _each(documents: DocumentStore, container: str, *filters: Filter) -> Iterator[Document]:
    continuation: str | None = None
    while True:
        page = documents.query(container, Query(filters=filters, limit=200, continuation=continuation))
        for item in page.items:
            yield item.body
        continuation = page.continuation
        if continuation is None:
            return


def _sign_ups(documents: DocumentStore, subject: str) -> Iterator[dict[str, Any]]:
    """A person's place on a meeting's attendee or waiting list, where meetings exist."""
    if MEETINGS_CONTAINER not in CONTAINERS:
        return
    for meeting in _each(documents, MEETINGS_CONTAINER):
        for listed in ("attendees", "waitingList"):
            for person in meeting.get(listed) or []:
                if isinstance(person, dict) and person.get("subject") == subject:
                    yield {
                        "hearingId": meeting.get("hearingId"),
                        "meetingId": meeting.get("id"),
                        "list": listed,
                        **person,
                    }


def _deliveries(documents: DocumentStore, subject: str) -> Iterator[Document]:
    if DELIVERIES_CONTAINER not in CONTAINERS:
        return iter(())
    return _each(documents, DELIVERIES_CONTAINER, Filter("recipient.person", "=", subject))


def _audit_naming(documents: DocumentStore, subject: str) -> Iterator[AuditEvent]:
    for body in _each(documents, AuditRepository.container, Filter("actor", "=", subject)):
        yield AuditEvent.model_validate(body)


def _audit(documents: DocumentStore, clock: Clock, who: Identity, action: str, **details: str) -> None:
    entry = AuditEvent.record(who, PERSONAL_DATA_TRAIL, action, clock.now(), target=f"person:{who.subject}", **details)
    AuditRepository(documents).append(entry)
