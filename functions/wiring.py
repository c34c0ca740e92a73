"""Hands each service exactly the dependencies it takes, from the process-wide composition root."""

from __future__ import annotations

from shared.bootstrap import DOCUMENTS_CONTAINER, UPLOADS_CONTAINER, dependencies
from shared.services.documents import DocumentDeps
from shared.services.hearings import HearingDeps
from shared.services.records import RecordsDeps
from shared.services.responses import ResponseDeps
from shared.services.subscriptions import SubscriptionDeps


def hearing_deps() -> HearingDeps:
    deps = dependencies()
    return HearingDeps(documents=deps.documents, bus=deps.bus, clock=deps.clock, vault=deps.vault)


def document_deps() -> DocumentDeps:
    deps = dependencies()
    return DocumentDeps(
        documents=deps.documents,
        files=deps.files,
        clock=deps.clock,
        uploads_container=UPLOADS_CONTAINER,
        documents_container=DOCUMENTS_CONTAINER,
        max_bytes=deps.settings.max_upload_bytes,
    )


def response_deps() -> ResponseDeps:
    deps = dependencies()
    return ResponseDeps(
        documents=deps.documents,
        bus=deps.bus,
        clock=deps.clock,
        vault=deps.vault,
        limiter=deps.limiter,
        hearings=deps.intake_hearings,
    )


def subscription_deps() -> SubscriptionDeps:
    deps = dependencies()
    return SubscriptionDeps(
        documents=deps.documents,
        mailer=deps.mailer,
        clock=deps.clock,
        vault=deps.vault,
        public_base_url=deps.settings.public_base_url,
        web_base_url=deps.settings.web_base_url,
    )


def records_deps() -> RecordsDeps:
    deps = dependencies()
    return RecordsDeps(
        documents=deps.documents,
        files=deps.files,
        records=deps.records,
        clock=deps.clock,
        documents_container=DOCUMENTS_CONTAINER,
    )
