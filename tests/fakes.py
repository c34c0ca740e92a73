"""In-memory stand-ins for the ports, for unit tests of the services.

They keep the guarantees the real adapters give (duplicate detection on message ids, a mailer that
delivers a notification id once, files that refuse to be overwritten, a records system that files a
key once) and add switches to make a call fail once, to show what a crash half way leaves behind.
"""

from __future__ import annotations

import builtins
import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from shared.adapters.aes_vault import AesGcmVault
from shared.adapters.eicar_scanner import EicarScanner
from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.adapters.pdfa import PdfaWriter
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.adapters.staff_directory import NoDirectory
from shared.bootstrap import Dependencies
from shared.domain.hearing import Hearing
from shared.domain.identity import Identity, IdentityKind, Role
from shared.domain.reference import Area, HearingTemplate, ReferenceType
from shared.domain.response import Response
from shared.injection import call
from shared.ports.directory import StaffDirectory
from shared.ports.documents import Document, DocumentStore, Page, PartitionKey, Query, Stored
from shared.ports.files import FileExists, FileInfo
from shared.ports.identity import InvalidToken
from shared.ports.mail import Notification
from shared.ports.malware import MalwareScanner
from shared.ports.messages import DeferredBus, OutgoingMessage
from shared.ports.pdf import PdfWriter
from shared.ports.records import CaseRequest, FiledDocument, RecordConflict, RecordDocument
from shared.services.containers import HEARING_FILES_CONTAINER, UPLOADS_CONTAINER
from shared.services.hearing_api import Conclusion, HearingDraft, ScheduleRequest
from shared.services.hearing_cache import HearingCache
from shared.services.hearings import (
    advance_due_hearings,
    cancel_hearing,
    conclude_hearing,
    create_hearing,
    schedule_hearing,
)
from shared.services.repositories import HearingRepository, ReferenceRepository, ResponseRepository
from shared.settings import Settings


class InjectedFailure(Exception):
    """Raised by a fake told to fail; stands in for a broker or service outage."""


class FailingStore:
    """A DocumentStore that passes every call to ``inner`` but raises InjectedFailure in place of the
    ``fail_on``-th write from now (create, upsert, replace or delete), once: the writes before it
    happen, the failed one does not, like a store that stops answering half way through a request."""

    def __init__(self, inner: DocumentStore, fail_on: int) -> None:
        self.inner = inner
        self.fail_on = fail_on
        self.writes = 0
        self.failed = False

    def read(self, container: str, partition: PartitionKey, doc_id: str) -> Stored | None:
        return self.inner.read(container, partition, doc_id)

    def query(self, container: str, query: Query) -> Page:
        return self.inner.query(container, query)

    def create(self, container: str, partition: PartitionKey, body: Document) -> str:
        self._write(f"create {container}")
        return self.inner.create(container, partition, body)

    def upsert(self, container: str, partition: PartitionKey, body: Document) -> str:
        self._write(f"upsert {container}")
        return self.inner.upsert(container, partition, body)

    def create_many(self, container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[str | None]:
        self._write(f"create_many {container}")  # one transaction, so one write
        return self.inner.create_many(container, partition, bodies)

    def upsert_many(self, container: str, partition: PartitionKey, bodies: Sequence[Document]) -> list[str]:
        self._write(f"upsert_many {container}")
        return self.inner.upsert_many(container, partition, bodies)

    def replace(self, container: str, partition: PartitionKey, body: Document, etag: str) -> str:
        self._write(f"replace {container}")
        return self.inner.replace(container, partition, body, etag)

    def delete(self, container: str, partition: PartitionKey, doc_id: str) -> None:
        self._write(f"delete {container}")
        self.inner.delete(container, partition, doc_id)

    def check(self) -> None:
        self.inner.check()

    def _write(self, what: str) -> None:
        self.writes += 1
        if self.writes == self.fail_on:
            self.failed = True
            raise InjectedFailure(f"the document store did not answer ({what}, write {self.writes})")


class FixedClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, instant: datetime) -> None:
        self._now = _aware(instant)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = _aware(instant)

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**units)``; returns the new instant."""
        self._now += delta if delta is not None else timedelta(**units)
        return self._now


class FakeBus:
    """Records published messages per queue and drops a message id seen before on the same queue,
    like Service Bus duplicate detection."""

    def __init__(self) -> None:
        self.queues: dict[str, list[OutgoingMessage]] = defaultdict(list)
        self.dropped: list[tuple[str, OutgoingMessage]] = []
        self._seen: dict[str, set[str]] = defaultdict(set)
        self._failures = 0

    def fail_next(self, times: int = 1) -> None:
        """Make the next ``times`` publishes raise InjectedFailure without delivering anything."""
        self._failures = times

    def publish(self, queue: str, message: OutgoingMessage) -> None:
        if self._failures:
            self._failures -= 1
            raise InjectedFailure(f"the broker is unreachable (queue {queue})")
        if message.message_id in self._seen[queue]:
            self.dropped.append((queue, message))
            return
        self._seen[queue].add(message.message_id)
        self.queues[queue].append(message)

    def publish_many(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        for message in messages:
            self.publish(queue, message)

    def check(self) -> None:
        pass

    def messages(self, queue: str) -> list[OutgoingMessage]:
        return list(self.queues.get(queue, []))

    def ids(self, queue: str) -> list[str]:
        return [message.message_id for message in self.messages(queue)]

    def bodies(self, queue: str) -> list[dict[str, object]]:
        return [message.body for message in self.messages(queue)]


class FakeMailer:
    """Delivers each notification id once, like the local outbox and the real senders."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> bool:
        if any(earlier.notification_id == notification.notification_id for earlier in self.sent):
            return False
        self.sent.append(notification)
        return True

    def to(self, recipient: str) -> list[Notification]:
        return [notification for notification in self.sent if notification.recipient == recipient]


@dataclass
class _Blob:
    data: bytes
    content_type: str
    etag: str


class InMemoryFiles:
    """FileStore in a dict; containers exist as soon as something is written to them."""

    def __init__(self) -> None:
        self._blobs: dict[tuple[str, str], _Blob] = {}
        self._writes = 0

    def upload_url(self, container: str, name: str, valid_for: timedelta) -> str:
        return f"memory://{container}/{name}?op=write&seconds={int(valid_for.total_seconds())}"

    def download_url(self, container: str, name: str, valid_for: timedelta) -> str:
        return f"memory://{container}/{name}?op=read&seconds={int(valid_for.total_seconds())}"

    def read(self, container: str, name: str) -> bytes:
        blob = self._blobs.get((container, name))
        if blob is None:
            raise FileNotFoundError(f"{container}/{name}")
        return blob.data

    def write(
        self,
        container: str,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        overwrite: bool = False,
    ) -> None:
        if not overwrite and (container, name) in self._blobs:
            raise FileExists(f"{container}/{name}")
        self._writes += 1
        self._blobs[(container, name)] = _Blob(bytes(data), content_type, f"etag-{self._writes}")

    def info(self, container: str, name: str) -> FileInfo | None:
        blob = self._blobs.get((container, name))
        if blob is None:
            return None
        return FileInfo(
            container=container, name=name, size=len(blob.data), content_type=blob.content_type, etag=blob.etag
        )

    def list(self, container: str, prefix: str = "") -> list[FileInfo]:
        names = sorted(name for (box, name) in self._blobs if box == container and name.startswith(prefix))
        return [info for name in names if (info := self.info(container, name)) is not None]

    def delete(self, container: str, name: str) -> None:
        self._blobs.pop((container, name), None)

    def check(self) -> None:
        pass

    def names(self, container: str) -> builtins.list[str]:
        return [info.name for info in self.list(container)]


@dataclass
class InMemoryRecords:
    """RecordsSystem in memory: filing a key again returns the earlier filing, as the port promises."""

    filed: dict[tuple[str, str, str], FiledDocument] = field(default_factory=dict)
    contents: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    manifests: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)
    closed: set[tuple[str, str]] = field(default_factory=set)
    cases: list[CaseRequest] = field(default_factory=list)  # every ensure_case request, in order
    calls: int = 0  # file_document calls, including repeats of a key already filed
    _fail_on_call: int | None = None

    def fail_on_call(self, number: int) -> None:
        """Make the ``number``-th file_document call from now raise InjectedFailure, once."""
        self._fail_on_call = self.calls + number

    def file_document(self, case_number: str, hearing_id: str, document: RecordDocument) -> FiledDocument:
        self.calls += 1
        if self._fail_on_call == self.calls:
            self._fail_on_call = None
            raise InjectedFailure("the records system did not answer")
        slot = (case_number, hearing_id, document.key)
        earlier = self.filed.get(slot)
        if earlier is not None:
            if self.contents[slot] != document.content:
                raise RecordConflict(document.key, f"{case_number}/{hearing_id}/{document.key}/{earlier.filename}")
            return earlier
        filing = FiledDocument(
            key=document.key,
            title=document.title,
            filename=document.filename,
            content_type=document.content_type,
            sha256=hashlib.sha256(document.content).hexdigest(),
            size=len(document.content),
            reference=f"{case_number}/{hearing_id}/{document.key}/{document.filename}",
        )
        self.filed[slot], self.contents[slot] = filing, document.content
        return filing

    def write_manifest(self, case_number: str, hearing_id: str, manifest: dict[str, object]) -> str:
        self.manifests[(case_number, hearing_id)] = manifest
        return f"{case_number}/{hearing_id}/manifest.json"

    def read_manifest(self, case_number: str, hearing_id: str) -> dict[str, object] | None:
        return self.manifests.get((case_number, hearing_id))

    def ensure_case(self, request: CaseRequest) -> str:
        self.cases.append(request)
        return request.case_number or f"hearing-{request.hearing_id}"

    def close_case(self, case_number: str, hearing_id: str) -> None:
        self.closed.add((case_number, hearing_id))

    def keys(self, case_number: str, hearing_id: str) -> list[str]:
        return [key for (case, hearing, key) in self.filed if (case, hearing) == (case_number, hearing_id)]


# -- people ------------------------------------------------------------------------------------------
# Fictitious; CPR and CVR numbers are made up. Employees carry e-mail addresses on the reserved domain.


def citizen(subject: str = "mitid:anna", name: str = "Anna Jensen") -> Identity:
    return Identity(subject=subject, kind=IdentityKind.CITIZEN, name=name, cpr="0101901234")


def company_user(subject: str = "mitid-erhverv:karin", company_name: str = "Holm & Co ApS") -> Identity:
    return Identity(
        subject=subject, kind=IdentityKind.COMPANY, name="Karin Holm", cvr="39162571", company_name=company_name
    )


def employee(subject: str = "entra:erik", *roles: Role) -> Identity:
    local = subject.split(":")[-1]
    return Identity(
        subject=subject,
        kind=IdentityKind.EMPLOYEE,
        name=local.title(),
        email=f"{local}@kommune.example",
        roles=frozenset(roles),
    )


def caseworker(subject: str = "entra:henriette") -> Identity:
    return employee(subject, Role.HEARING_CREATOR)


def admin(subject: str = "entra:ada") -> Identity:
    return employee(subject, Role.ADMIN)


# -- a portal wired with the fakes ---------------------------------------------------------------------

TEMPLATE_ID = "standard"
UPLOADS = UPLOADS_CONTAINER
DOCUMENTS = HEARING_FILES_CONTAINER
SUMMER_MORNING = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


class FakeLimiter:
    """Allows everything until told otherwise; records the keys it was asked about."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.refuse_with: float | None = None

    def acquire(self, key: str) -> float | None:
        self.keys.append(key)
        return self.refuse_with


@dataclass
class NamedTokens:
    """For tests of the HTTP edge: a token is the name of a person; the real validation has tests of its own."""

    people: dict[str, Identity]

    def validate(self, token: str) -> Identity:
        if token not in self.people:
            raise InvalidToken("unknown token")
        return self.people[token]


class RefusingTokens:
    """Services never see tokens; the HTTP edge does. A portal for the services refuses every one."""

    def validate(self, token: str) -> Identity:
        raise InvalidToken("no tokens in service tests")


R = TypeVar("R")


@dataclass
class Portal:
    """Every service's dependencies over one in-memory store, one bus, one clock.

    ``portal.call(service, ...)`` fills a service's ports from these fakes the way the composition
    root fills them in a running function.
    """

    clock: FixedClock
    store: DocumentStore
    bus: FakeBus
    mailer: FakeMailer
    files: InMemoryFiles
    records: InMemoryRecords
    public_base_url: str = "https://hoeringer.kommune.example"
    web_base_url: str | None = None
    max_upload_bytes: int = 1024 * 1024
    vault: AesGcmVault = field(default_factory=lambda: AesGcmVault(bytes(range(32))))
    limiter: FakeLimiter = field(default_factory=lambda: FakeLimiter())
    scanner: MalwareScanner = field(default_factory=EicarScanner)
    signer: LocalReceiptSigner = field(default_factory=LocalReceiptSigner.generate)
    intake_hearings: HearingCache | None = None
    deferred_bus: DeferredBus | None = None  # None: the intake announces before it answers
    pdf: PdfWriter = field(default_factory=PdfaWriter)  # real PDF/A, rendered in this process
    directory: StaffDirectory = field(default_factory=NoDirectory)  # the organisation's staff directory

    @classmethod
    def start(cls, now: datetime = SUMMER_MORNING) -> Portal:
        portal = cls(
            clock=FixedClock(now),
            store=SqliteDocumentStore(":memory:"),
            bus=FakeBus(),
            mailer=FakeMailer(),
            files=InMemoryFiles(),
            records=InMemoryRecords(),
        )
        ReferenceRepository(portal.store).put(
            HearingTemplate(id=TEMPLATE_ID, name="Standardhøring", default_summary="Kort resumé", default_body="Tekst")
        )
        return portal

    @property
    def settings(self) -> Settings:
        return Settings(
            public_base_url=self.public_base_url,
            web_base_url=self.web_base_url,
            max_upload_bytes=self.max_upload_bytes,
        )

    def dependencies(self) -> Dependencies:
        return Dependencies(
            settings=self.settings,
            documents=self.store,
            bus=self.bus,
            files=self.files,
            tokens=RefusingTokens(),
            mailer=self.mailer,
            records=self.records,
            clock=self.clock,
            vault=self.vault,
            limiter=self.limiter,
            scanner=self.scanner,
            signer=self.signer,
            intake_hearings=self.intake_hearings,
            deferred_bus=self.deferred_bus,
            extras={"pdf": self.pdf, "directory": self.directory},
        )

    def call(self, service: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
        """``service(*args, **kwargs)`` with its ports filled from this portal's fakes."""
        return call(self.dependencies(), service, *args, **kwargs)

    def stored_hearing(self, hearing_id: str) -> Hearing:
        loaded = HearingRepository(self.store).get(hearing_id)
        assert loaded is not None, f"hearing {hearing_id} is not stored"
        return loaded.model

    def stored_response(self, hearing_id: str, response_id: str) -> Response:
        loaded = ResponseRepository(self.store).get(hearing_id, response_id)
        assert loaded is not None, f"response {response_id} is not stored"
        return loaded.model

    def add_area(self, kind: ReferenceType, area_id: str, name: str) -> None:
        ReferenceRepository(self.store).put(Area(type=kind, id=area_id, name=name))

    # -- hearings in a given state, made through the services --------------------------------------

    def draft(self, owner: Identity | None = None, **fields: Any) -> str:
        """A draft made by ``owner`` (a caseworker by default); ``fields`` are HearingDraft fields."""
        values: dict[str, object] = {
            "template_id": TEMPLATE_ID,
            "title": "Cykelsti på Amagerbrogade",
            "case_number": "2026-0042",
            **fields,
        }
        view = self.call(create_hearing, owner or caseworker(), HearingDraft.model_validate(values))
        return view.id

    def scheduled(
        self,
        owner: Identity | None = None,
        starts_in: timedelta = timedelta(days=1),
        runs_for: timedelta = timedelta(days=14),
        **fields: Any,
    ) -> str:
        who = owner or caseworker()
        hearing_id = self.draft(who, **fields)
        start = self.clock.now() + starts_in
        request = ScheduleRequest(start=start, deadline=start + runs_for)
        self.call(schedule_hearing, who, hearing_id, request)
        return hearing_id

    def active(self, owner: Identity | None = None, **fields: Any) -> str:
        """Scheduled to have started one second ago, and opened by the timer."""
        hearing_id = self.scheduled(owner, starts_in=timedelta(seconds=1), **fields)
        self.clock.advance(seconds=1)
        self.call(advance_due_hearings)
        return hearing_id

    def past_deadline(self, owner: Identity | None = None, **fields: Any) -> str:
        hearing_id = self.active(owner, **fields)
        deadline = self.stored_hearing(hearing_id).deadline
        assert deadline is not None
        self.clock.set(deadline)
        self.call(advance_due_hearings)
        return hearing_id

    def concluded(self, owner: Identity | None = None, **fields: Any) -> str:
        who = owner or caseworker()
        hearing_id = self.past_deadline(who, **fields)
        self.call(conclude_hearing, who, hearing_id, Conclusion(conclusion="Cykelstien anlægges som foreslået."))
        return hearing_id

    def cancelled(self, owner: Identity | None = None, **fields: Any) -> str:
        who = owner or caseworker()
        hearing_id = self.scheduled(who, **fields)
        self.call(cancel_hearing, who, hearing_id)
        return hearing_id


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("a clock instant must carry a timezone")
    return instant.astimezone(UTC)
