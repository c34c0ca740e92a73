"""Exports against a real Azurite and a real SQLite file: the SAS link downloads the file, the sweep deletes it."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from local_host.azurite import Azurite
from shared.adapters.blob_files import BlobFileStore
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.services.exports import EXPORTS_CONTAINER, delete_expired_exports, export_pdf, export_xlsx
from shared.settings import Settings
from tests.azurite_fixture import azurite  # noqa: F401
from tests.export_support import CPR_WRITTEN, DEADLINE, EMAIL, VAULT, seed_mixed
from tests.fakes import FixedClock, caseworker

OWNER = caseworker("entra:henriette")


@pytest.fixture
def files(azurite: Azurite) -> BlobFileStore:  # noqa: F811
    store = BlobFileStore.from_connection_string(azurite.connection_string)
    store.ensure_containers([EXPORTS_CONTAINER])
    return store


@pytest.fixture
def documents(tmp_path: Path) -> SqliteDocumentStore:
    return SqliteDocumentStore(str(tmp_path / "portal.sqlite"))


def test_an_xlsx_export_downloads_through_its_link_and_is_swept_after_retention(
    files: BlobFileStore, documents: SqliteDocumentStore
) -> None:
    hearing_id = seed_mixed(documents, OWNER).hearing_id
    clock = FixedClock(DEADLINE + timedelta(hours=1))

    ticket = export_xlsx(OWNER, hearing_id, documents=documents, files=files, clock=clock, vault=VAULT)

    answer = httpx.get(ticket.url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(load_workbook(io.BytesIO(answer.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + 4
    cells = "\n".join(str(cell) for row in rows for cell in row if cell is not None)
    assert CPR_WRITTEN not in cells and EMAIL not in cells

    clock.advance(hours=24)
    assert delete_expired_exports(files=files, clock=clock, documents=documents, settings=Settings()) >= 1
    assert files.info(EXPORTS_CONTAINER, ticket.name) is None
    assert httpx.get(ticket.url).status_code == 404


def test_a_pdf_export_downloads_through_its_link(files: BlobFileStore, documents: SqliteDocumentStore) -> None:
    hearing_id = seed_mixed(documents, OWNER).hearing_id
    clock = FixedClock(DEADLINE + timedelta(hours=1))

    ticket = export_pdf(OWNER, hearing_id, documents=documents, files=files, clock=clock, vault=VAULT)

    answer = httpx.get(ticket.url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert "Sagsnummer: 2026-0042" in text and "Ørestad" in text
    assert CPR_WRITTEN not in text and EMAIL not in text
    assert "sig=" in ticket.url and "sp=r" in ticket.url  # a read-only SAS
