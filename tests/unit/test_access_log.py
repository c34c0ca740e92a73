"""The local host's access log: one line per request, and nothing personal typed into a path."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from local_host.web import AccessLog


async def _not_found(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _get(app: AccessLog, target: str) -> None:
    raw_path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "method": "GET",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        return None

    asyncio.run(app(scope, receive, send))


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/api/hearings/010190-1234", "GET /api/hearings/[redacted] 404"),
        ("/api/hearings/0101901234/responses", "GET /api/hearings/[redacted]/responses 404"),
        ("/api/hearings/010190%2D1234", "GET /api/hearings/[redacted] 404"),
        ("/hoeringer/anna%40example.dk", "GET /hoeringer/[redacted] 404"),
        ("/api/hearings/demo-active?q=010190-1234", "GET /api/hearings/demo-active 404"),
        ("/api/hearings/a%2Fb", "GET /api/hearings/a%2Fb 404"),
        ("/api/" + "x" * 300 + "/010190-1234", "GET /api/" + "x" * 300 + "/[redacted] 404"),  # too long to remember
    ],
)
def test_a_cpr_number_or_address_typed_into_a_path_is_not_logged(
    path: str, logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="local_host.http"):
        _get(AccessLog(_not_found), path)

    [line] = [record.getMessage() for record in caplog.records if record.name == "local_host.http"]
    assert line.startswith(logged + " ")
    assert "1234" not in line and "anna" not in line


def test_a_path_asked_for_again_is_logged_the_same_way(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="local_host.http"):
        for _ in range(3):
            _get(AccessLog(_not_found), "/api/hearings/0101901234")
            _get(AccessLog(_not_found), "/api/hearings/demo-active")

    lines = [record.getMessage().rsplit(" ", 1)[0] for record in caplog.records if record.name == "local_host.http"]
    assert lines == ["GET /api/hearings/[redacted] 404", "GET /api/hearings/demo-active 404"] * 3
