"""The blob file store against a real Azurite."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from local_host.azurite import Azurite, free_port, port_answers
from shared.adapters.blob_files import BlobFileStore
from shared.ports.files import FileExists
from tests.azurite_fixture import azurite  # noqa: F401

MINUTES = timedelta(minutes=5)


@pytest.fixture
def store(azurite: Azurite) -> BlobFileStore:  # noqa: F811
    return BlobFileStore.from_connection_string(azurite.connection_string)


@pytest.fixture
def container(store: BlobFileStore) -> str:
    name = f"test-{uuid.uuid4().hex[:12]}"
    store.ensure_containers([name])
    return name


def test_a_written_file_reads_back_with_its_content_type(store: BlobFileStore, container: str) -> None:
    store.write(container, "hearings/h1/plan.pdf", b"%PDF-1.7 plan", content_type="application/pdf")

    assert store.read(container, "hearings/h1/plan.pdf") == b"%PDF-1.7 plan"
    info = store.info(container, "hearings/h1/plan.pdf")
    assert info is not None
    assert (info.container, info.name, info.size, info.content_type) == (
        container,
        "hearings/h1/plan.pdf",
        13,
        "application/pdf",
    )
    assert info.etag


def test_writing_over_a_file_needs_overwrite(store: BlobFileStore, container: str) -> None:
    store.write(container, "a.txt", b"first")

    with pytest.raises(FileExists):
        store.write(container, "a.txt", b"second")
    assert store.read(container, "a.txt") == b"first"

    store.write(container, "a.txt", b"second", overwrite=True)
    assert store.read(container, "a.txt") == b"second"


def test_missing_files(store: BlobFileStore, container: str) -> None:
    with pytest.raises(FileNotFoundError):
        store.read(container, "nothing-here.txt")
    assert store.info(container, "nothing-here.txt") is None
    store.delete(container, "nothing-here.txt")  # not an error


def test_delete_removes_the_file(store: BlobFileStore, container: str) -> None:
    store.write(container, "gone.txt", b"x")
    store.delete(container, "gone.txt")
    assert store.info(container, "gone.txt") is None


def test_list_by_prefix(store: BlobFileStore, container: str) -> None:
    for name in ("h1/a.txt", "h1/b.txt", "h2/c.txt"):
        store.write(container, name, b"x")

    assert [info.name for info in store.list(container, "h1/")] == ["h1/a.txt", "h1/b.txt"]
    assert len(store.list(container)) == 3
    assert store.list("no-such-container") == []


def test_ensure_containers_is_repeatable(store: BlobFileStore, container: str) -> None:
    store.ensure_containers([container, container])


def test_a_browser_can_put_a_file_through_the_upload_url(store: BlobFileStore, container: str) -> None:
    url = store.upload_url(container, "uploads/r1/letter æø.pdf", MINUTES)

    response = httpx.put(
        url, content=b"%PDF-1.7 letter", headers={"x-ms-blob-type": "BlockBlob", "content-type": "application/pdf"}
    )

    assert response.status_code == 201, response.text
    assert store.read(container, "uploads/r1/letter æø.pdf") == b"%PDF-1.7 letter"


def test_the_upload_url_does_not_allow_reading(store: BlobFileStore, container: str) -> None:
    store.write(container, "secret.txt", b"not for you")
    url = store.upload_url(container, "secret.txt", MINUTES)

    assert httpx.get(url).status_code == 403


def test_the_upload_url_is_for_that_file_only(store: BlobFileStore, container: str) -> None:
    url = store.upload_url(container, "mine.txt", MINUTES)
    other = url.replace("/mine.txt?", "/other.txt?")

    response = httpx.put(other, content=b"x", headers={"x-ms-blob-type": "BlockBlob"})

    assert response.status_code == 403
    assert store.info(container, "other.txt") is None


def test_the_download_url_reads_but_does_not_write(store: BlobFileStore, container: str) -> None:
    store.write(container, "notice.txt", b"public notice", content_type="text/plain")
    url = store.download_url(container, "notice.txt", MINUTES)

    assert httpx.get(url).content == b"public notice"
    assert httpx.put(url, content=b"changed", headers={"x-ms-blob-type": "BlockBlob"}).status_code == 403
    assert store.read(container, "notice.txt") == b"public notice"


def test_development_storage_means_azurite_on_its_default_port() -> None:
    store = BlobFileStore.from_connection_string("UseDevelopmentStorage=true")
    url = store.download_url("documents", "a.txt", MINUTES)
    assert url.startswith("http://127.0.0.1:10000/devstoreaccount1/documents/a.txt?")


def test_of_concurrent_writers_exactly_one_wins(store: BlobFileStore, container: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def write(content: bytes) -> bytes | None:
        try:
            store.write(container, "receipt.json", content)
        except FileExists:
            return None
        return content

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(write, [f"writer {n}".encode() for n in range(8)]))

    winners = [content for content in results if content is not None]
    assert len(winners) == 1
    assert store.read(container, "receipt.json") == winners[0]


def test_another_portals_azurite_on_the_usual_port_is_not_shared(azurite: Azurite, tmp_path: Path) -> None:  # noqa: F811
    # Its blob triggers would take this portal's uploads: this data gets an Azurite of its own.
    own = Azurite.for_data(tmp_path / "azurite", preferred=azurite.port)
    try:
        assert own.owned
        assert own.port != azurite.port
        assert port_answers(own.port)
    finally:
        own.stop()
    assert port_answers(azurite.port)


def test_hosts_on_the_same_data_share_its_azurite_and_only_its_starter_stops_it(tmp_path: Path) -> None:
    first = Azurite.for_data(tmp_path / "azurite", preferred=free_port())
    try:
        second = Azurite.for_data(tmp_path / "azurite", preferred=free_port())

        assert first.owned and not second.owned
        assert second.connection_string == first.connection_string
        second.stop()
        assert port_answers(first.port)
    finally:
        first.stop()
    assert not port_answers(first.port)
    # Once it is gone, the next host on the data starts a new one.
    again = Azurite.for_data(tmp_path / "azurite", preferred=free_port())
    try:
        assert again.owned
    finally:
        again.stop()


def test_a_missing_azurite_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import local_host.azurite as module

    monkeypatch.setattr(module, "AZURITE_BLOB", tmp_path / "node_modules" / ".bin" / "azurite-blob")

    with pytest.raises(module.AzuriteError, match="make install"):
        Azurite.start(tmp_path)
