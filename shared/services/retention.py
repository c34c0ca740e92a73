"""Retention: after its hearing type's period, a journalised hearing keeps only what stays public.

Each step deletes one kind of thing and is safe to run again; the hearing notes each step done, and
``personal_data_deleted_at`` is set last, in the same write as the audit entry that counts what went.
A run stopped half way is finished by the next (the nightly timer asks again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from shared.domain.audit import AuditEvent
from shared.domain.errors import NotFound, raises
from shared.domain.hearing import Hearing, HearingStatus
from shared.domain.preferences import Preferences
from shared.domain.retention import (
    DEFAULT_RETENTION_DAYS,
    Eligibility,
    RetentionOutcome,
    RetentionReport,
    Step,
    anonymised,
    eligibility,
    keeps,
    scrubbed,
)
from shared.ports.clock import Clock
from shared.ports.documents import CONTAINERS, DocumentStore, Filter, Query
from shared.ports.erasure import Erasure
from shared.ports.files import FileStore
from shared.services.campaigns import CONTAINER as CAMPAIGNS_CONTAINER
from shared.services.containers import ATTACHMENTS_CONTAINER, QUARANTINE_CONTAINER, RESPONSE_UPLOADS_CONTAINER
from shared.services.exports import EXPORTS_CONTAINER
from shared.services.repositories import (
    AuditRepository,
    HearingRepository,
    Loaded,
    ReferenceRepository,
    ResponseRepository,
    SubscriptionRepository,
)
from shared.services.unit_of_work import UnitOfWork

SUBSCRIPTIONS_CONTAINER = SubscriptionRepository.container
PREFERENCES_ID = Preferences.model_fields["id"].default

log = logging.getLogger(__name__)

# Containers other parts of the portal add; deleted from when they exist (the meetings container keeps
# attendee lists, the deliveries container a record per notification and recipient).
MEETINGS_CONTAINER = "meetings"
DELIVERIES_CONTAINER = "deliveries"
ATTENDEE_FIELDS = ("attendees", "waitingList")


def purge_due(*, documents: DocumentStore, files: FileStore, clock: Clock, erasure: Erasure) -> RetentionReport:
    """The nightly run: every concluded hearing past its period; those not journalised are reported."""
    report = RetentionReport()
    now = clock.now()
    periods: dict[str, int] = {}
    concluded = Filter("status", "=", HearingStatus.CONCLUDED.value)
    for loaded in HearingRepository(documents).each(concluded, Filter("personalDataDeletedAt", "=", None)):
        hearing = loaded.model
        days = periods.setdefault(hearing.template_id, _retention_days(documents, hearing))
        state = eligibility(hearing, days, now)
        if state is Eligibility.NOT_JOURNALISED:
            log.warning("hearing %s is past its retention period but not journalised; kept", hearing.id)
            report.not_journalised.append(hearing.id)
        elif state is Eligibility.DUE:
            report.purged.append(_purge(loaded, documents=documents, files=files, clock=clock, erasure=erasure))
    return report


@raises(NotFound)
def purge_hearing(
    hearing_id: str, *, documents: DocumentStore, files: FileStore, clock: Clock, erasure: Erasure
) -> RetentionOutcome:
    """One hearing, if it is due; otherwise says why not and deletes nothing."""
    loaded = HearingRepository(documents).require(hearing_id)
    state = eligibility(loaded.model, _retention_days(documents, loaded.model), clock.now())
    if state is not Eligibility.DUE:
        return RetentionOutcome(
            hearing_id=hearing_id, eligibility=state, deleted_at=loaded.model.personal_data_deleted_at
        )
    return _purge(loaded, documents=documents, files=files, clock=clock, erasure=erasure)


def _retention_days(documents: DocumentStore, hearing: Hearing) -> int:
    template = ReferenceRepository(documents).template(hearing.template_id)
    return template.retention_days if template is not None else DEFAULT_RETENTION_DAYS


def _purge(
    loaded: Loaded[Hearing], *, documents: DocumentStore, files: FileStore, clock: Clock, erasure: Erasure
) -> RetentionOutcome:
    hearing_id = loaded.model.id
    steps: dict[Step, Callable[[], int]] = {
        Step.AUDIT: lambda: _scrub_audit(documents, hearing_id),
        Step.ATTACHMENTS: lambda: sum(
            _delete_blobs(files, container, hearing_id)
            for container in (ATTACHMENTS_CONTAINER, RESPONSE_UPLOADS_CONTAINER, QUARANTINE_CONTAINER)
        ),
        Step.EXPORTS: lambda: _delete_blobs(files, EXPORTS_CONTAINER, hearing_id),
        Step.CAMPAIGNS: lambda: _delete_partition(documents, CAMPAIGNS_CONTAINER, hearing_id),
        Step.SUBSCRIPTIONS: lambda: _delete_subscriptions(documents, hearing_id),
        Step.DELIVERIES: lambda: _delete_partition(documents, DELIVERIES_CONTAINER, hearing_id),
        Step.MEETINGS: lambda: _clear_attendees(documents, hearing_id),
        Step.OUTBOX: lambda: erasure.forget_notifications(hearing_id),
        Step.QUEUE: lambda: erasure.forget_messages(hearing_id),
        Step.RESPONSES: lambda: _reduce_responses(documents, hearing_id),
    }
    counts: dict[str, int] = {}
    for step, run in steps.items():
        if step.value in loaded.model.retention_steps_done:
            continue
        counts[step.value] = run()
        _note_done(loaded, documents, step)
    now = clock.now()
    hearing = loaded.model
    counts["invitees"] = sum(1 for invitee in hearing.invitees if invitee.sealed)
    # Invitees keep their keyed hash (who may still see the hearing) and masked label; the sealed value goes.
    hearing.invitees = [invitee.model_copy(update={"sealed": None}) for invitee in hearing.invitees]
    hearing.personal_data_deleted_at, hearing.updated_at = now, now
    hearing.record_audit(
        None,
        "personal-data.deleted",
        now,
        target=f"hearing:{hearing_id}",
        event_id=f"{hearing_id}:personal-data.deleted",
        **{name: str(count) for name, count in sorted(counts.items())},
    )
    with UnitOfWork(documents) as uow:
        uow.save(loaded)
        uow.commit()
    erasure.erase_freed()
    return RetentionOutcome(hearing_id=hearing_id, eligibility=Eligibility.DONE, deleted_at=now, counts=counts)


def _note_done(loaded: Loaded[Hearing], documents: DocumentStore, step: Step) -> None:
    loaded.model.retention_steps_done = [*loaded.model.retention_steps_done, step.value]
    HearingRepository(documents).save(loaded)


def _scrub_audit(documents: DocumentStore, hearing_id: str) -> int:
    """Entries keep action, time and role; a respondent's subject and name go."""
    responses = list(ResponseRepository(documents).each(hearing_id))
    subjects = [response.respondent.subject for response in responses]
    names = [response.respondent.name for response in responses if not response.respondent.publish_name]
    audit = AuditRepository(documents)
    changed: list[AuditEvent] = []
    continuation: str | None = None
    while True:
        page, continuation = audit.page(hearing_id, 200, continuation)
        changed += [entry for entry in (scrubbed(e, subjects, names) for e in page) if entry is not None]
        if continuation is None:
            break
    for entry in changed:
        audit.upsert(entry)
    return len(changed)


def _delete_blobs(files: FileStore, container: str, hearing_id: str) -> int:
    found = files.list(container, prefix=f"{hearing_id}/")
    for info in found:
        files.delete(container, info.name)
    return len(found)


def _delete_partition(documents: DocumentStore, container: str, hearing_id: str) -> int:
    """Every document of the hearing in a container partitioned by hearing first."""
    if container not in CONTAINERS:
        return 0
    gone = 0
    while True:
        page = documents.query(container, Query(limit=200, partition=(hearing_id,)))
        for item in page.items:
            key = tuple(str(item.body.get(path.strip("/"), "")) for path in CONTAINERS[container])
            documents.delete(container, key, str(item.body["id"]))
            gone += 1
        if not page.items:
            return gone


def _delete_subscriptions(documents: DocumentStore, hearing_id: str) -> int:
    """The hearing's follows, and the preferences (with the address) of followers who now follow nothing."""
    repository = SubscriptionRepository(documents)
    followers = list(repository.followers(f"hearing:{hearing_id}"))
    for subscription in followers:
        repository.remove(subscription)
    for person in {subscription.subscriber for subscription in followers}:
        if not repository.of_subscriber(person):
            documents.delete(SUBSCRIPTIONS_CONTAINER, (Preferences.partition_of(person),), PREFERENCES_ID)
    return len(followers)


def _clear_attendees(documents: DocumentStore, hearing_id: str) -> int:
    """A meeting stays on the record; who signed up for it does not."""
    if MEETINGS_CONTAINER not in CONTAINERS:
        return 0
    cleared = 0
    page = documents.query(MEETINGS_CONTAINER, Query(limit=500, partition=(hearing_id,)))
    for item in page.items:
        body = dict(item.body)
        found = [name for name in ATTENDEE_FIELDS if body.get(name)]
        if found:
            cleared += sum(len(body[name]) if isinstance(body[name], list) else 1 for name in found)
            body.update({name: [] for name in found})
            documents.replace(MEETINGS_CONTAINER, (hearing_id,), body, item.etag)
    return cleared


def _reduce_responses(documents: DocumentStore, hearing_id: str) -> int:
    """Published responses keep their public text under their public author; the rest are deleted."""
    repository = ResponseRepository(documents)
    touched = 0
    for response in list(repository.each(hearing_id)):
        if keeps(response):
            if response.respondent.subject.startswith("anonymous:"):
                continue  # reduced by an earlier run
            repository.upsert(anonymised(response))
        else:
            documents.delete(repository.container, repository.partition_of(response), response.id)
        touched += 1
    return touched
