"""The seeded concluded demo hearing journalises into the local records archive, however often it is seeded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from local_host.azurite import Azurite
from local_host.demo_data import seed
from shared.adapters.blob_archive import CLOSED_NAME, MANIFEST_NAME, BlobRecordsArchive
from shared.adapters.blob_files import BlobFileStore
from shared.services.records import Outcome, journalise_hearing, journalise_pending
from tests.azurite_fixture import azurite  # noqa: F401
from tests.fakes import Portal

HEARING = "demo-concluded"
CASE = "2026-DEMO-concluded"


@pytest.fixture
def store(azurite: Azurite) -> BlobFileStore:  # noqa: F811
    return BlobFileStore.from_connection_string(azurite.connection_string)


@pytest.fixture
def container(store: BlobFileStore) -> str:
    name = f"records-{uuid.uuid4().hex[:12]}"
    store.ensure_containers([name])
    return name


@pytest.fixture
def archive(store: BlobFileStore, container: str) -> BlobRecordsArchive:
    return BlobRecordsArchive(store, container)


def seeded(archive: BlobRecordsArchive, now: datetime) -> Portal:
    portal = Portal.start(now)
    portal.records = archive  # type: ignore[assignment]  # the real archive in the place of the fake
    seed(portal.dependencies())
    return portal


def test_the_seeded_concluded_hearing_is_journalised_and_a_retry_files_nothing(
    archive: BlobRecordsArchive, store: BlobFileStore, container: str
) -> None:
    portal = seeded(archive, datetime(2026, 12, 6, 21, 51, tzinfo=UTC))

    assert portal.call(journalise_pending) == 1

    stored = portal.stored_hearing(HEARING)
    assert stored.journalised_at is not None and stored.journalising is None
    folder = f"{CASE}/{HEARING}/"
    names = {info.name for info in store.list(container, folder)}
    assert {folder + MANIFEST_NAME, folder + CLOSED_NAME, folder + "hearing-text/hoeringstekst.pdf"} <= names
    manifest = archive.read_manifest(CASE, HEARING)
    assert manifest is not None

    portal.clock.advance(days=1)
    assert portal.call(journalise_hearing, HEARING) is Outcome.NOTHING_TO_DO
    assert portal.call(journalise_pending) == 0
    assert archive.read_manifest(CASE, HEARING) == manifest


def test_a_portal_seeded_later_into_the_same_records_system_files_the_same_documents(
    archive: BlobRecordsArchive,
) -> None:
    first = seeded(archive, datetime(2026, 12, 6, 21, 51, tzinfo=UTC))
    assert first.call(journalise_pending) == 1
    filed = archive.read_manifest(CASE, HEARING)

    later = seeded(archive, datetime(2027, 2, 1, 9, 13, 27, tzinfo=UTC))  # another machine, another day

    assert later.call(journalise_hearing, HEARING) is Outcome.JOURNALISED
    assert later.stored_hearing(HEARING).journalising is None
    again = archive.read_manifest(CASE, HEARING)
    assert again is not None and filed is not None
    assert again["documents"] == filed["documents"]  # the same bytes under every key
