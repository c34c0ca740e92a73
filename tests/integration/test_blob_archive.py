"""The local records archive against a real Azurite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from local_host.azurite import Azurite
from shared.adapters.blob_archive import BlobRecordsArchive
from shared.adapters.blob_files import BlobFileStore
from shared.ports.records import CaseRequest, RecordDocument
from tests.azurite_fixture import azurite  # noqa: F401


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


def document(content: bytes = b"%PDF-1.7 response", key: str = "response-7") -> RecordDocument:
    return RecordDocument(
        key=key, title="Response 7", filename="response-7.pdf", content_type="application/pdf", content=content
    )


def test_filing_stores_the_document_in_the_case(
    archive: BlobRecordsArchive, store: BlobFileStore, container: str
) -> None:
    filed = archive.file_document("27.00.00-P20-1-24", "h1", document())

    assert filed.reference == "27.00.00-P20-1-24/h1/response-7/response-7.pdf"
    assert (filed.key, filed.title, filed.filename, filed.content_type) == (
        "response-7",
        "Response 7",
        "response-7.pdf",
        "application/pdf",
    )
    assert filed.size == len(b"%PDF-1.7 response")
    assert len(filed.sha256) == 64
    assert store.read(container, filed.reference) == b"%PDF-1.7 response"


def test_filing_the_same_document_twice_files_it_once(
    archive: BlobRecordsArchive, store: BlobFileStore, container: str
) -> None:
    first = archive.file_document("case-1", "h1", document())
    second = archive.file_document("case-1", "h1", document())

    assert second == first
    assert [info.name for info in store.list(container)] == [first.reference]


def test_filing_a_key_again_with_other_content_is_refused(
    archive: BlobRecordsArchive, store: BlobFileStore, container: str
) -> None:
    first = archive.file_document("case-1", "h1", document(b"original"))

    with pytest.raises(ValueError, match="different content"):
        archive.file_document("case-1", "h1", document(b"tampered"))
    assert store.read(container, first.reference) == b"original"


def test_names_cannot_escape_their_folder(archive: BlobRecordsArchive, store: BlobFileStore, container: str) -> None:
    doc = RecordDocument(
        key="..", title="Odd", filename="../../other/evil.pdf", content_type="application/pdf", content=b"x"
    )
    filed = archive.file_document("case/1", "h1", doc)

    assert filed.reference.count("/") == 3
    assert filed.reference.startswith("case%2F1/h1/%2E%2E/")
    assert filed.filename == "../../other/evil.pdf"
    assert [info.name for info in store.list(container)] == [filed.reference]


def test_manifest_round_trip(archive: BlobRecordsArchive, store: BlobFileStore, container: str) -> None:
    assert archive.read_manifest("case-1", "h1") is None
    filed = archive.file_document("case-1", "h1", document())
    manifest: dict[str, object] = {
        "hearingId": "h1",
        "documents": [{"key": filed.key, "sha256": filed.sha256, "reference": filed.reference}],
        "archivedAt": datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        "title": "Lokalplan for Ørestad",
    }

    reference = archive.write_manifest("case-1", "h1", manifest)
    again = archive.write_manifest("case-1", "h1", manifest)

    assert reference == again == "case-1/h1/manifest.json"
    assert archive.read_manifest("case-1", "h1") == {**manifest, "archivedAt": "2025-03-01T12:00:00+00:00"}
    text = store.read(container, reference).decode("utf-8")
    assert "Ørestad" in text and "\n  " in text  # readable by a person


def test_a_hearing_keeps_the_case_it_was_given_or_gets_its_own(archive: BlobRecordsArchive) -> None:
    given = CaseRequest(hearing_id="h1", title="Lokalplan", kle="01.02", owner="jdoe", case_number="27.00.00-P20-1-24")
    new = CaseRequest(hearing_id="h2", title="Lokalplan", kle="01.02", owner="jdoe")

    assert archive.ensure_case(given) == "27.00.00-P20-1-24"
    assert archive.ensure_case(new) == archive.ensure_case(new) == "hearing-h2"


def test_closing_a_case_twice_closes_it_once(archive: BlobRecordsArchive, store: BlobFileStore, container: str) -> None:
    archive.close_case("case-1", "h1")
    archive.close_case("case-1", "h1")

    assert [info.name for info in store.list(container)] == ["case-1/h1/closed.json"]
