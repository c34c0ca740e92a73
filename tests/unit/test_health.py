"""Health says which backing service is down instead of answering ok while storage refuses every call."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
import pytest

from functions import platform
from shared import bootstrap
from shared.adapters.aes_vault import AesGcmVault
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.services.health import check_health
from shared.settings import Settings
from tests.fakes import FakeBus, FakeLimiter, FakeMailer, FixedClock, InMemoryFiles, InMemoryRecords, RefusingTokens


class RefusingStore(SqliteDocumentStore):
    """A document store whose backend refuses every call, as Cosmos DB does during an outage."""

    def check(self) -> None:
        raise ConnectionError("503 Service Unavailable from db.internal")


class HangingFiles(InMemoryFiles):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def check(self) -> None:
        self.release.wait(10)


def install(monkeypatch: pytest.MonkeyPatch, documents: Any, files: Any) -> None:
    deps = bootstrap.Dependencies(
        settings=Settings(),
        documents=documents,
        bus=FakeBus(),
        files=files,
        tokens=RefusingTokens(),
        mailer=FakeMailer(),
        records=InMemoryRecords(),
        clock=FixedClock(datetime(2026, 5, 4, tzinfo=UTC)),
        vault=AesGcmVault(bytes(32)),
        limiter=FakeLimiter(),
    )
    monkeypatch.setattr(bootstrap, "_current", deps)


def get(function: Any) -> func.HttpResponse:
    handler: Any = function.build(func.AuthLevel.ANONYMOUS).get_user_function()
    answer: func.HttpResponse = handler(func.HttpRequest("GET", "http://localhost/api/health", body=b""))
    return answer


def test_everything_answering_is_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, SqliteDocumentStore(":memory:"), InMemoryFiles())

    answer = get(platform.health)

    assert answer.status_code == 200
    body = json.loads(answer.get_body())
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert {d["name"] for d in body["dependencies"]} == {"documents", "messages", "files"}


def test_a_store_that_refuses_every_call_is_a_503_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, RefusingStore(":memory:"), InMemoryFiles())

    answer = get(platform.health)

    assert answer.status_code == 503
    body = json.loads(answer.get_body())
    assert body["status"] == "failing"
    assert body["failing"] == ["documents"]
    assert "db.internal" not in answer.get_body().decode()  # the reason goes to the log, not the caller


def test_a_dependency_that_does_not_answer_fails_after_the_timeout() -> None:
    files = HangingFiles()
    try:
        report = check_health(
            0.05, documents=SqliteDocumentStore(":memory:"), bus=FakeBus(), files=files, settings=Settings()
        )
    finally:
        files.release.set()

    assert report.failing == ["files"]


def test_liveness_asks_no_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, RefusingStore(":memory:"), InMemoryFiles())

    answer = get(platform.health_live)

    assert answer.status_code == 200
    assert json.loads(answer.get_body()) == {"status": "ok"}
