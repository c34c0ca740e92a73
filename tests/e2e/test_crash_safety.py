"""Nothing acknowledged is lost: the host is killed (SIGKILL) during a burst of responses, then restarted.

5,000 submissions from 64 concurrent clients; the host is killed once 1,500 receipts are out, while
requests are in flight. After a restart and once the consumer has caught up, every receipted response
is stored exactly once, unaltered, numbered (1..n, no gaps, no repeats) and signed into the hearing's log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from local_host.azurite import Azurite
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.receipts import entry_key
from shared.ports.documents import Query
from shared.services.receipt_log import logged_index
from tests.citizens import citizen_tokens, response_body
from tests.e2e.conftest import portal_env
from tests.local_host_fixture import start_local_host

RESPONSES = 5_000
CLIENTS = 64
KILL_AFTER = 1_500
HEARING = "demo-active"


def test_every_receipt_survives_a_killed_host_and_is_processed_after_restart(azurite: Azurite, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # A consumer killed mid-message holds its lock until it expires; keep that short here.
    env = {**portal_env(azurite), "PORTAL_QUEUE_LOCK_SECONDS": "3"}
    host = start_local_host("function_app", data_dir, env, extra_args=("--seed",))
    tokens = citizen_tokens(data_dir, RESPONSES, issuer=host.dev_issuer())
    receipts = asyncio.run(_burst(host.base_url, tokens, host.kill))
    host.kill()
    assert len(receipts) >= KILL_AFTER

    restarted = start_local_host("function_app", data_dir, env)
    try:
        restarted.wait_idle(timeout=120)
        # A response stored in the instant before the kill may have lost its queue message with its answer;
        # the sweep for stalled responses announces it once it is five minutes old.
        later = datetime.now(UTC) + timedelta(minutes=6)
        assert restarted.admin("PUT", "/admin/clock", json={"now": later.isoformat()}).status_code == 200
        assert restarted.admin("POST", "/admin/functions/rescreen_stalled_responses").status_code < 300
        restarted.wait_idle(timeout=120)
    finally:
        restarted.stop()

    store = SqliteDocumentStore(data_dir / "documents.sqlite")
    # The burst's responses (the demo data's own response was stored without a message).
    stored = [body for body in _all(store, "responses", (HEARING,)) if _from_the_burst(body)]
    by_id = {body["id"]: body for body in stored}
    assert len(by_id) == len(stored)
    subjects = [body["respondent"]["subject"] for body in stored]
    assert len(subjects) == len(set(subjects)), "a respondent's response was stored twice"
    for response_id, digest in receipts.items():
        body = by_id.get(response_id)
        assert body is not None, "a response that got a receipt was lost"
        assert body["digest"] == digest, "a receipted response was altered"
        assert body["status"] == "awaiting_review"  # its screening message survived the crash too
        assert logged_index(HEARING, entry_key(response_id, 1), documents=store) is not None, "not in the log"
    # Numbers: one each, 1..n, including responses stored just before the kill whose answer was lost.
    numbers = sorted(int(body["number"]) for body in stored)
    assert numbers == list(range(1, len(stored) + 1))


async def _burst(base_url: str, tokens: list[str], kill: Callable[[], None]) -> dict[str, str]:
    receipts: dict[str, str] = {}
    pending = iter(range(len(tokens)))
    killed = asyncio.Event()
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def one_client() -> None:
            for n in pending:
                if killed.is_set():
                    return
                try:
                    answer = await client.post(
                        f"/api/hearings/{HEARING}/responses",
                        json=response_body(f"Svar nummer {n}"),
                        headers={"Authorization": f"Bearer {tokens[n]}"},
                    )
                except httpx.HTTPError:
                    continue  # no answer is no receipt
                if answer.status_code == 201:
                    receipts[answer.json()["responseId"]] = answer.json()["digest"]
                    if len(receipts) == KILL_AFTER and not killed.is_set():
                        killed.set()
                        await asyncio.to_thread(kill)

        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return receipts


def _from_the_burst(body: dict[str, Any]) -> bool:
    return "load-citizen-" in str(body["respondent"]["subject"])


def _all(store: SqliteDocumentStore, container: str, partition: tuple[str, ...]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    continuation: str | None = None
    while True:
        page = store.query(container, Query(partition=partition, limit=500, continuation=continuation))
        found.extend(item.body for item in page.items)
        continuation = page.continuation
        if continuation is None:
            return found
