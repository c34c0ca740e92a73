"""Hearing templates, subject and city areas, and the KLE numbers the portal offers: admins manage them.

Each lives in the reference container under its type. Every change leaves an entry in the reference
trail (``REFERENCE_TRAIL``) naming what changed, written before the change: a change that then fails
leaves an entry too many, never a change unaudited.
"""

from __future__ import annotations

import re
from datetime import datetime

from shared.domain import access
from shared.domain.audit import AuditEvent
from shared.domain.base import PortalModel
from shared.domain.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotAuthenticated, NotFound, raises
from shared.domain.identity import Identity
from shared.domain.kle import Kle
from shared.domain.reference import (
    REFERENCE_ID_PATTERN,
    REFERENCE_TRAIL,
    Area,
    AreaName,
    HearingTemplate,
    KleEntry,
    KleImport,
    KleImportRow,
    KleTitle,
    ReferenceType,
    TemplateRequest,
)
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Filter, Query
from shared.services.repositories import AuditRepository, HearingRepository, ReferenceRepository
from shared.services.terms import CONTAINER, ensure_admin
from shared.settings import Settings

_REFERENCE_ID = re.compile(REFERENCE_ID_PATTERN)
AREA_KINDS = {
    ReferenceType.SUBJECT_AREA.value: ReferenceType.SUBJECT_AREA,
    ReferenceType.CITY_AREA.value: ReferenceType.CITY_AREA,
}
# Where a hearing names the areas of each kind.
_AREA_FIELD = {ReferenceType.SUBJECT_AREA: "subjectAreaIds", ReferenceType.CITY_AREA: "cityAreaIds"}
KLE_PARTITION = (ReferenceType.KLE.value,)


class TemplateList(PortalModel):
    items: list[HearingTemplate]


class AreaList(PortalModel):
    items: list[Area]


class KleList(PortalModel):
    items: list[KleEntry]


class KleImported(PortalModel):
    added: int
    changed: int
    unchanged: int


def _audit(documents: DocumentStore, admin: Identity, action: str, now: datetime, target: str, **details: str) -> None:
    AuditRepository(documents).append(AuditEvent.record(admin, REFERENCE_TRAIL, action, now, target=target, **details))


def _checked_id(value: str, field: str) -> str:
    if not _REFERENCE_ID.fullmatch(value):
        raise InvalidInput("use lower-case letters, digits and hyphens, at most 64 characters", field=field)
    return value


# -- hearing templates -----------------------------------------------------------------------------------


@raises(NotAuthenticated, Forbidden)
def list_templates(who: Identity | None, *, documents: DocumentStore) -> TemplateList:
    """Admins manage templates; caseworkers who create hearings choose one, so they may read them too."""
    _ensure_creator(who)
    return TemplateList(items=ReferenceRepository(documents).templates())


@raises(NotAuthenticated, Forbidden, NotFound)
def get_template(who: Identity | None, template_id: str, *, documents: DocumentStore) -> HearingTemplate:
    _ensure_creator(who)
    template = ReferenceRepository(documents).template(template_id)
    if template is None:
        raise NotFound("no such template", field="templateId")
    return template


@raises(NotAuthenticated, Forbidden, InvalidInput)
def put_template(
    who: Identity | None,
    template_id: str,
    request: TemplateRequest,
    *,
    documents: DocumentStore,
    clock: Clock,
    settings: Settings,
) -> HearingTemplate:
    """Create the template or change it. Hearings made from it before keep what they were made with:
    a template gives defaults, read when a hearing is created, and the limits responses are checked by."""
    admin = ensure_admin(who)
    _checked_id(template_id, "templateId")
    limits = request.attachment_limits
    # The portal's cap applies to every upload anyway; a size the admin gives above it is a mistake to name.
    if "max_bytes" in limits.model_fields_set and limits.max_bytes > settings.max_upload_bytes:
        raise InvalidInput(
            f"an attachment may be at most {settings.max_upload_bytes} bytes (PORTAL_MAX_UPLOAD_BYTES)",
            field="attachmentLimits.maxBytes",
        )
    references = ReferenceRepository(documents)
    existing = references.template(template_id)
    values = request.model_dump()
    # Changing keeps any field this request does not know of (one a newer portal added).
    base = {"id": template_id} if existing is None else existing.model_dump()
    template = HearingTemplate.model_validate({**base, **values})
    if template == existing:
        return template
    _audit(
        documents,
        admin,
        "template.created" if existing is None else "template.changed",
        clock.now(),
        f"template:{template_id}",
    )
    references.put(template)
    return template


def _ensure_creator(who: Identity | None) -> Identity:
    if who is None:
        raise NotAuthenticated("sign in as an employee")
    if not access.may_create_hearing(who):
        raise Forbidden("templates are for employees who create hearings, and for admins")
    return who


# -- subject areas and city areas --------------------------------------------------------------------------


def area_kind(kind: str) -> ReferenceType:
    found = AREA_KINDS.get(kind)
    if found is None:
        raise NotFound("the kinds of area are subject-area and city-area", field="kind")
    return found


@raises(NotAuthenticated, Forbidden, NotFound)
def list_areas(who: Identity | None, kind: str, *, documents: DocumentStore) -> AreaList:
    ensure_admin(who)
    return AreaList(items=ReferenceRepository(documents).areas(area_kind(kind)))


@raises(NotAuthenticated, Forbidden, NotFound, InvalidInput)
def put_area(
    who: Identity | None, kind: str, area_id: str, request: AreaName, *, documents: DocumentStore, clock: Clock
) -> Area:
    """Add the area or rename it; hearings name areas by id, so a new name shows everywhere at once."""
    admin = ensure_admin(who)
    area_type = area_kind(kind)
    _checked_id(area_id, "areaId")
    stored = documents.read(CONTAINER, (area_type.value,), area_id)
    area = Area(type=area_type, id=area_id, name=request.name)
    if stored is not None and Area.model_validate(stored.body) == area:
        return area
    action = "area.added" if stored is None else "area.renamed"
    _audit(documents, admin, action, clock.now(), f"{area_type.value}:{area_id}")
    ReferenceRepository(documents).put(area)
    return area


@raises(NotAuthenticated, Forbidden, NotFound, Conflict)
def remove_area(who: Identity | None, kind: str, area_id: str, *, documents: DocumentStore, clock: Clock) -> None:
    """Refused while any hearing names the area, in whatever state: its page still shows the area's name."""
    admin = ensure_admin(who)
    area_type = area_kind(kind)
    if documents.read(CONTAINER, (area_type.value,), area_id) is None:
        raise NotFound("no such area", field="areaId")
    using = next(iter(HearingRepository(documents).each(Filter(_AREA_FIELD[area_type], "contains", area_id))), None)
    if using is not None:
        raise Conflict("a hearing uses this area; it cannot be removed", field="areaId")
    _audit(documents, admin, "area.removed", clock.now(), f"{area_type.value}:{area_id}")
    documents.delete(CONTAINER, (area_type.value,), area_id)


# -- KLE numbers -----------------------------------------------------------------------------------------


def kle_catalogue(documents: DocumentStore) -> list[KleEntry]:
    entries: list[KleEntry] = []
    continuation: str | None = None
    while True:
        page = documents.query(
            CONTAINER, Query(partition=KLE_PARTITION, order_by="id", limit=1000, continuation=continuation)
        )
        entries.extend(KleEntry.model_validate(item.body) for item in page.items)
        continuation = page.continuation
        if continuation is None:
            return entries


def _kle(number: str) -> Kle:
    try:
        return Kle(number)
    except ValueError as error:
        raise InvalidInput(str(error), field="number") from None


@raises(NotAuthenticated, Forbidden)
def list_kle(who: Identity | None, *, documents: DocumentStore) -> KleList:
    ensure_admin(who)
    return KleList(items=kle_catalogue(documents))


@raises(NotAuthenticated, Forbidden, InvalidInput)
def put_kle(
    who: Identity | None, number: str, request: KleTitle, *, documents: DocumentStore, clock: Clock
) -> KleEntry:
    admin = ensure_admin(who)
    kle = _kle(number)
    stored = documents.read(CONTAINER, KLE_PARTITION, kle)
    entry = KleEntry(id=str(kle), number=kle, title=request.title)
    if stored is not None and KleEntry.model_validate(stored.body) == entry:
        return entry
    _audit(documents, admin, "kle.added" if stored is None else "kle.changed", clock.now(), f"kle:{kle}")
    documents.upsert(CONTAINER, KLE_PARTITION, entry.to_document())
    return entry


@raises(NotAuthenticated, Forbidden, NotFound, InvalidInput)
def remove_kle(who: Identity | None, number: str, *, documents: DocumentStore, clock: Clock) -> None:
    """Hearings keep the number they carry and followers keep following it; it is no longer offered."""
    admin = ensure_admin(who)
    kle = _kle(number)
    if documents.read(CONTAINER, KLE_PARTITION, kle) is None:
        raise NotFound("the portal does not offer this KLE number", field="number")
    _audit(documents, admin, "kle.removed", clock.now(), f"kle:{kle}")
    documents.delete(CONTAINER, KLE_PARTITION, kle)


@raises(NotAuthenticated, Forbidden, InvalidInput)
def import_kle(who: Identity | None, request: KleImport, *, documents: DocumentStore, clock: Clock) -> KleImported:
    """Add or retitle the numbers of a file. Every row is checked first: one bad row (each one named by
    its line) and nothing is written. Numbers not in the file stay."""
    admin = ensure_admin(who)
    problems: list[FieldProblem] = []
    wanted: dict[str, KleEntry] = {}
    for row in request.rows:
        title = " ".join(row.title.split())
        try:
            kle = Kle(row.number.strip())
        except ValueError as error:
            problems.append(FieldProblem(f"rows[{row.line}].number", f"line {row.line}: {error}"))
            continue
        if not title or len(title) > 300:
            problems.append(FieldProblem(f"rows[{row.line}].title", f"line {row.line}: a title of 1 to 300 characters"))
        elif kle in wanted and wanted[kle].title != title:
            problems.append(FieldProblem(f"rows[{row.line}].number", f"line {row.line}: {kle} is in the file twice"))
        else:
            wanted[kle] = KleEntry(id=str(kle), number=kle, title=title)
    if problems:
        raise InvalidInput(f"{len(problems)} row(s) could not be read; nothing was imported", problems=problems)
    if not wanted:
        raise InvalidInput("the file holds no KLE numbers", field="rows")
    current = {entry.id: entry for entry in kle_catalogue(documents)}
    added = [entry for entry in wanted.values() if entry.id not in current]
    changed = [entry for entry in wanted.values() if entry.id in current and current[entry.id] != entry]
    if added or changed:
        _audit(documents, admin, "kle.imported", clock.now(), "kle", added=str(len(added)), changed=str(len(changed)))
    for entry in [*added, *changed]:
        documents.upsert(CONTAINER, KLE_PARTITION, entry.to_document())
    return KleImported(added=len(added), changed=len(changed), unchanged=len(wanted) - len(added) - len(changed))


_KLE_HEADERS = {"kle", "kle-nummer", "kle-nr", "nummer", "number"}


def kle_rows_from_csv(text: str) -> KleImport:
    """The rows of a CSV file (comma, semicolon or tab; a header row naming the number column is
    skipped): the number in the first column, its title in the second. Empty rows are left out."""
    import csv
    import io

    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[KleImportRow] = []
    for line, cells in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff")), dialect), start=1):
        if not cells or not any(cell.strip() for cell in cells):
            continue
        if not rows and line == 1 and cells[0].strip().lower() in _KLE_HEADERS:
            continue
        number, title = cells[0], (cells[1] if len(cells) > 1 else "")
        rows.append(KleImportRow(line=line, number=number.strip()[:100], title=title.strip()[:1000]))
        if len(rows) > 5000:
            raise InvalidInput("a file holds at most 5000 KLE numbers", field="rows")
    return KleImport(rows=rows)
