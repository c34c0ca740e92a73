"""The owner's exports of a hearing's responses: XLSX and a PDF report, audited, with a short-lived link.

An export is streamed from the store page by page, rendered, written to the ``exports`` container
under a name that carries its creation instant, recorded in the hearing's audit trail, and deleted
by ``delete_expired_exports`` once its retention period has passed. Exports hold what the owner may
see anyway, but never a CPR number, a sealed value or an e-mail address (see export_rows.py).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import Field

from shared.domain.audit import AuditEvent
from shared.domain.base import InputModel, Instant, PortalModel, copenhagen_text
from shared.domain.errors import Forbidden, NotAuthenticated, NotFound, raises
from shared.domain.hearing import Hearing
from shared.domain.identity import Identity
from shared.domain.response import Response
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.files import FileStore
from shared.ports.vault import PersonalDataVault
from shared.services import campaigns
from shared.services.containers import EXPORTS_CONTAINER as EXPORTS_CONTAINER  # where exports are, for callers
from shared.services.export_rows import ExportRow, export_row
from shared.services.guards import managed_hearing
from shared.services.repositories import AuditRepository, ResponseRepository
from shared.services.viewers import viewer_of
from shared.settings import Settings

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=15)

# "<hearing id>/<UTC creation instant>-<random>/<file name>": the sweep reads the age from the name,
# so it needs nothing but a listing of the container.
_STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"(?P<hearing>[^/]+)/(?P<stamp>\d{8}T\d{6}Z)-[0-9a-f]+/[^/]+")


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    PDF = "pdf"


class ExportRequest(InputModel):
    format: ExportFormat = Field(description="xlsx: one row per response; pdf: a report with counts per status")


class ExportTicket(PortalModel):
    """What the owner gets back: a download link valid for a few minutes."""

    hearing_id: str
    format: ExportFormat
    count: int
    name: str
    url: str
    expires_at: Instant
    created_at: Instant


@raises(NotAuthenticated, Forbidden, NotFound)
def create_export(
    who: Identity | None,
    hearing_id: str,
    request: ExportRequest,
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> ExportTicket:
    """The owner's export in the format asked for, with a download link valid for a few minutes."""
    export = export_xlsx if request.format is ExportFormat.XLSX else export_pdf
    return export(who, hearing_id, documents=documents, files=files, clock=clock, vault=vault)


@raises(NotAuthenticated, Forbidden, NotFound)
def export_xlsx(
    who: Identity | None,
    hearing_id: str,
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> ExportTicket:
    """One row per response. Only the hearing's owner and admins; others get the API's usual 404/403."""
    from shared.services import export_xlsx as xlsx  # openpyxl is imported by exports only, not at start-up

    return _export(
        who,
        hearing_id,
        ExportFormat.XLSX,
        lambda hearing, rows, created: xlsx.render_xlsx(rows),
        xlsx.CONTENT_TYPE,
        documents=documents,
        files=files,
        clock=clock,
        vault=vault,
    )


@raises(NotAuthenticated, Forbidden, NotFound)
def export_pdf(
    who: Identity | None,
    hearing_id: str,
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> ExportTicket:
    """A report with the hearing's title, case number, deadline, counts per status and every response."""
    from shared.services import export_pdf as pdf  # reportlab is imported by exports only, not at start-up

    def render(hearing: Hearing, rows: Iterable[ExportRow], created: datetime) -> tuple[bytes, int]:
        heading = pdf.ReportHeading(
            title=hearing.title,
            case_number=hearing.case_number,
            deadline_local=_local(hearing.deadline) if hearing.deadline else None,
            created_local=_local(created),
        )
        return pdf.render_pdf(heading, rows)

    return _export(
        who,
        hearing_id,
        ExportFormat.PDF,
        render,
        pdf.CONTENT_TYPE,
        documents=documents,
        files=files,
        clock=clock,
        vault=vault,
    )


def delete_expired_exports(
    *,
    files: FileStore,
    clock: Clock,
    documents: DocumentStore,
    settings: Settings,
) -> int:
    """Timer: delete every export older than ``PORTAL_EXPORT_RETENTION_HOURS``; returns how many were deleted."""
    cutoff = clock.now() - timedelta(hours=settings.export_retention_hours)
    audit = AuditRepository(documents)
    deleted = 0
    for info in files.list(EXPORTS_CONTAINER):
        parsed = _parse_name(info.name)
        if parsed is None:
            log.warning("leaving %s in the exports container alone: not a name exports write", info.name)
            continue
        hearing_id, created = parsed
        if created > cutoff:
            continue
        files.delete(EXPORTS_CONTAINER, info.name)
        # A deterministic id: a sweep that runs again after a crash records the deletion once.
        audit.append(
            AuditEvent.record(
                None,
                hearing_id,
                "export.deleted",
                clock.now(),
                target=f"export:{info.name}",
                event_id=f"export-deleted:{info.name}",
            )
        )
        deleted += 1
    return deleted


Renderer = Callable[[Hearing, Iterable[ExportRow], datetime], tuple[bytes, int]]


def _export(
    who: Identity | None,
    hearing_id: str,
    export_format: ExportFormat,
    render: Renderer,
    content_type: str,
    *,
    documents: DocumentStore,
    files: FileStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> ExportTicket:
    hearing = managed_hearing(documents, viewer_of(who, vault), hearing_id).model
    assert who is not None  # managed_hearing refused anonymous callers
    created = clock.now()
    in_campaigns = campaigns.campaign_memberships(hearing.id, documents=documents)
    data, count = render(hearing, _rows(ResponseRepository(documents).each(hearing.id), in_campaigns), created)
    name = _name_for(hearing.id, created, export_format)
    files.write(EXPORTS_CONTAINER, name, data, content_type=content_type)
    event = AuditEvent.record(
        who,
        hearing.id,
        "responses.exported",
        created,
        target=f"export:{name}",
        format=export_format.value,
        count=str(count),
    )
    try:
        AuditRepository(documents).append(event)
    except Exception:
        # An export nobody can account for must not stay behind.
        files.delete(EXPORTS_CONTAINER, name)
        raise
    return ExportTicket(
        hearing_id=hearing.id,
        format=export_format,
        count=count,
        name=name,
        url=files.download_url(EXPORTS_CONTAINER, name, LINK_LIFETIME),
        expires_at=created + LINK_LIFETIME,
        created_at=created,
    )


def _rows(responses: Iterable[Response], in_campaigns: dict[str, str]) -> Iterator[ExportRow]:
    for position, response in enumerate(responses, start=1):
        yield export_row(response, position, in_campaigns.get(response.id))


def _name_for(hearing_id: str, created: datetime, export_format: ExportFormat) -> str:
    stamp = created.astimezone(UTC).strftime(_STAMP)
    return f"{hearing_id}/{stamp}-{secrets.token_hex(6)}/hoeringssvar.{export_format.value}"


def _parse_name(name: str) -> tuple[str, datetime] | None:
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    created = datetime.strptime(match.group("stamp"), _STAMP).replace(tzinfo=UTC)
    return match.group("hearing"), created


def _local(instant: datetime) -> str:
    return copenhagen_text(instant).replace("T", " ")[:16]
