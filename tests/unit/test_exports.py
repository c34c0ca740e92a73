"""The owner's XLSX and PDF exports: what they contain, what they never contain, who may make them,
the audit trail, the short-lived link and the retention sweep."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.errors import Forbidden, NotAuthenticated, NotFound
from shared.domain.identity import Identity
from shared.ports.documents import Document, PartitionKey
from shared.services.export_xlsx import HEADERS
from shared.services.exports import (
    EXPORTS_CONTAINER,
    ExportFormat,
    ExportTicket,
    delete_expired_exports,
    export_pdf,
    export_xlsx,
)
from shared.services.repositories import AuditRepository
from shared.settings import Settings
from tests.export_support import (
    CASE_NUMBER,
    CPR,
    CPR_WRITTEN,
    DEADLINE,
    EMAIL,
    TITLE,
    VAULT,
    Seeded,
    add_hearing,
    seed_mixed,
)
from tests.fakes import FixedClock, InjectedFailure, InMemoryFiles, admin, caseworker, citizen, employee

OWNER = caseworker("entra:henriette")
NOW = DEADLINE + timedelta(hours=1)


class World:
    def __init__(self) -> None:
        self.store = SqliteDocumentStore(":memory:")
        self.files = InMemoryFiles()
        self.clock = FixedClock(NOW)

    def xlsx(self, who: Identity | None, hearing_id: str) -> ExportTicket:
        return export_xlsx(who, hearing_id, documents=self.store, files=self.files, clock=self.clock, vault=VAULT)

    def pdf(self, who: Identity | None, hearing_id: str) -> ExportTicket:
        return export_pdf(who, hearing_id, documents=self.store, files=self.files, clock=self.clock, vault=VAULT)

    def sweep(self, **retention: int) -> int:
        settings = Settings(**retention)  # type: ignore[arg-type]
        return delete_expired_exports(files=self.files, clock=self.clock, documents=self.store, settings=settings)

    def sheet_rows(self, ticket: ExportTicket) -> list[tuple[Any, ...]]:
        workbook = load_workbook(io.BytesIO(self.files.read(EXPORTS_CONTAINER, ticket.name)))
        return list(workbook.worksheets[0].iter_rows(values_only=True))

    def pdf_text(self, ticket: ExportTicket) -> str:
        reader = PdfReader(io.BytesIO(self.files.read(EXPORTS_CONTAINER, ticket.name)))
        return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def seeded(world: World) -> Seeded:
    return seed_mixed(world.store, OWNER)


def all_text(rows: list[tuple[Any, ...]]) -> str:
    return "\n".join(str(cell) for row in rows for cell in row if cell is not None)


# -- XLSX ---------------------------------------------------------------------------------------------


def test_the_xlsx_has_one_row_per_response_in_order_of_receipt(world: World, seeded: Seeded) -> None:
    ticket = world.xlsx(OWNER, seeded.hearing_id)

    rows = world.sheet_rows(ticket)
    assert rows[0] == HEADERS
    assert ticket.count == 4
    assert [row[0] for row in rows[1:]] == [1, 2, 3, 4]
    assert [row[2] for row in rows[1:]] == ["Borger", "Holm & Co ApS", "Bo Nielsen", "Borger"]
    assert [row[3] for row in rows[1:]] == ["Godkendt", "Afventer behandling", "Afvist", "Trukket tilbage"]
    # Received 10:00 UTC on 4 May: noon on the Copenhagen wall clock (summer time).
    assert rows[1][1] == datetime(2026, 5, 4, 12, 0)
    assert rows[2][5] is None  # no campaign group yet
    assert rows[3][6].startswith("=HYPERLINK")  # kept as text, not turned into a formula


def test_the_xlsx_never_holds_a_cpr_number_a_sealed_value_or_an_email_address(world: World, seeded: Seeded) -> None:
    ticket = world.xlsx(OWNER, seeded.hearing_id)

    rows = world.sheet_rows(ticket)
    text = all_text(rows)
    assert CPR not in text and CPR_WRITTEN not in text and "010190" not in text
    assert EMAIL not in text and "@" not in text
    assert seeded.sealed_cpr not in text
    assert "Anna Jensen" not in text and "Karin Holm" not in text and "Carl Berg" not in text
    assert "Bevar træerne på Ørestads fælled!" in rows[1][6]
    assert "[fjernet: personoplysning]" in rows[1][6]


def test_flags_show_kind_and_state_but_not_what_was_flagged(world: World, seeded: Seeded) -> None:
    rows = world.sheet_rows(world.xlsx(OWNER, seeded.hearing_id))

    assert rows[1][4] == "CPR-nummer: ikke afgjort, e-mailadresse: godkendt"  # an old cleared CPR flag is open again
    assert rows[2][4] is None


def test_a_text_longer_than_an_excel_cell_is_cut_with_a_note(world: World) -> None:
    from tests.export_support import OPENED, add_response

    hearing_id = add_hearing(world.store, OWNER)
    add_response(world.store, hearing_id, "mitid:long", "Træ " * 12_000, OPENED)

    rows = world.sheet_rows(world.xlsx(OWNER, hearing_id))

    assert len(rows[1][6]) == 32_767
    assert rows[1][6].endswith("[forkortet: den fulde tekst står i PDF-rapporten]")


def test_a_hearing_without_responses_exports_just_the_headers(world: World) -> None:
    hearing_id = add_hearing(world.store, OWNER)

    ticket = world.xlsx(OWNER, hearing_id)

    assert ticket.count == 0
    assert world.sheet_rows(ticket) == [HEADERS]


# -- PDF ----------------------------------------------------------------------------------------------


def test_the_pdf_report_has_the_hearing_counts_per_status_and_every_response(world: World, seeded: Seeded) -> None:
    ticket = world.pdf(OWNER, seeded.hearing_id)

    text = world.pdf_text(ticket)
    assert ticket.count == 4
    assert TITLE[:40] in text
    assert f"Sagsnummer: {CASE_NUMBER}" in text
    assert "Høringsfrist: 2026-06-01 12:00" in text
    for status in ("Godkendt", "Afventer behandling", "Afvist", "Trukket tilbage", "Modtaget"):
        assert status in text
    summary = re.sub(r"\s+", "", text[text.index("Svar fordelt på status") :])
    assert summary.startswith(
        "Svarfordeltpåstatus" + "Modtaget0Afventerbehandling1Godkendt1Afvist1Trukkettilbage1Ialt4"
    )
    assert "Bevar træerne på" in text and "Ørestads fælled!" in text  # wrapped onto two lines
    assert "æ" in text and "ø" in text and "å" in text and "Ø" in text
    assert "Holm & Co ApS" in text and "Bo Nielsen" in text


def test_the_pdf_never_holds_a_cpr_number_or_an_email_address(world: World, seeded: Seeded) -> None:
    text = world.pdf_text(world.pdf(OWNER, seeded.hearing_id))

    assert CPR not in text and CPR_WRITTEN not in text and "010190" not in text
    assert EMAIL not in text and "@" not in text
    assert seeded.sealed_cpr not in text
    assert "Anna Jensen" not in text


def test_a_long_response_runs_over_pages_and_a_long_word_is_broken(world: World) -> None:
    from tests.export_support import OPENED, add_response

    hearing_id = add_hearing(world.store, OWNER)
    add_response(world.store, hearing_id, "mitid:long", "Cykelsti " * 3_000 + "x" * 400 + " slut", OPENED)

    ticket = world.pdf(OWNER, hearing_id)

    reader = PdfReader(io.BytesIO(world.files.read(EXPORTS_CONTAINER, ticket.name)))
    assert len(reader.pages) > 3
    assert "slut" in reader.pages[-1].extract_text()


# -- access ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("export", [World.xlsx, World.pdf])
def test_an_admin_may_export(world: World, seeded: Seeded, export: Any) -> None:
    ticket = export(world, admin(), seeded.hearing_id)

    assert ticket.count == 4


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        (None, NotAuthenticated),
        (citizen("mitid:anna"), Forbidden),  # may see the published hearing, may not manage it
        (employee("entra:erik"), Forbidden),
        (caseworker("entra:other"), Forbidden),
    ],
)
@pytest.mark.parametrize("export", [World.xlsx, World.pdf])
def test_only_the_owner_and_admins_may_export(
    world: World, seeded: Seeded, export: Any, who: Identity | None, refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        export(world, who, seeded.hearing_id)

    assert world.files.names(EXPORTS_CONTAINER) == []


def test_an_unknown_hearing_is_not_found(world: World) -> None:
    with pytest.raises(NotFound) as refused:
        world.xlsx(OWNER, "no-such-hearing")

    assert refused.value.problems[0].field == "hearingId"


# -- audit, link, retention ---------------------------------------------------------------------------


def test_each_export_is_audited_without_personal_data(world: World, seeded: Seeded) -> None:
    xlsx = world.xlsx(OWNER, seeded.hearing_id)
    world.clock.advance(seconds=1)  # the trail is ordered by time
    pdf = world.pdf(OWNER, seeded.hearing_id)

    events, _ = AuditRepository(world.store).page(seeded.hearing_id, 10, None)
    exported = [event for event in events if event.action == "responses.exported"]
    assert [(event.actor, event.details, event.target) for event in exported] == [
        (OWNER.subject, {"format": "xlsx", "count": "4"}, f"export:{xlsx.name}"),
        (OWNER.subject, {"format": "pdf", "count": "4"}, f"export:{pdf.name}"),
    ]
    stored = str([event.to_document() for event in events])
    assert "Anna" not in stored and CPR not in stored and "@" not in stored


def test_the_link_is_a_download_link_for_fifteen_minutes(world: World, seeded: Seeded) -> None:
    ticket = world.xlsx(OWNER, seeded.hearing_id)

    assert ticket.url == f"memory://{EXPORTS_CONTAINER}/{ticket.name}?op=read&seconds=900"
    assert ticket.expires_at == NOW + timedelta(minutes=15)
    assert ticket.format is ExportFormat.XLSX
    info = world.files.info(EXPORTS_CONTAINER, ticket.name)
    assert info is not None
    assert info.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ticket.name.startswith(f"{seeded.hearing_id}/") and ticket.name.endswith("/hoeringssvar.xlsx")


def test_exports_are_deleted_when_their_retention_has_passed(world: World, seeded: Seeded) -> None:
    first = world.xlsx(OWNER, seeded.hearing_id)
    world.clock.advance(hours=2)
    second = world.pdf(OWNER, seeded.hearing_id)
    world.files.write(EXPORTS_CONTAINER, "stray.txt", b"not an export")

    world.clock.advance(hours=22, seconds=-1)
    assert world.sweep() == 0
    world.clock.advance(seconds=1)
    assert world.sweep() == 1
    assert sorted(world.files.names(EXPORTS_CONTAINER)) == sorted([second.name, "stray.txt"])
    world.clock.advance(hours=2)
    assert world.sweep() == 1
    assert world.sweep() == 0
    assert world.files.names(EXPORTS_CONTAINER) == ["stray.txt"]

    events, _ = AuditRepository(world.store).page(seeded.hearing_id, 10, None)
    deleted = [event.target for event in events if event.action == "export.deleted"]
    assert deleted == [f"export:{first.name}", f"export:{second.name}"]


def test_the_retention_period_is_a_parameter(world: World, seeded: Seeded) -> None:
    world.xlsx(OWNER, seeded.hearing_id)
    world.clock.advance(hours=1)

    assert world.sweep(export_retention_hours=2) == 0
    assert world.sweep(export_retention_hours=1) == 1


class _AuditFails(SqliteDocumentStore):
    def create(self, container: str, partition: PartitionKey, body: Document) -> str:
        if container == "audit":
            raise InjectedFailure("the document store did not answer")
        return super().create(container, partition, body)


def test_an_export_that_cannot_be_audited_leaves_no_file_behind() -> None:
    world = World()
    world.store = _AuditFails(":memory:")
    hearing_id = seed_mixed(world.store, OWNER).hearing_id

    with pytest.raises(InjectedFailure):
        world.xlsx(OWNER, hearing_id)

    assert world.files.names(EXPORTS_CONTAINER) == []


def test_another_caseworker_does_not_learn_that_a_draft_exists(world: World) -> None:
    from shared.domain.hearing import HearingStatus
    from shared.services.repositories import HearingRepository

    hearing_id = add_hearing(world.store, OWNER, "h-draft")
    repository = HearingRepository(world.store)
    loaded = repository.require(hearing_id)
    loaded.model.status = HearingStatus.DRAFT
    repository.save(loaded)

    with pytest.raises(NotFound):
        world.pdf(caseworker("entra:other"), hearing_id)
    assert world.pdf(OWNER, hearing_id).count == 0
