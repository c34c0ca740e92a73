"""Nothing acknowledged is lost: the host is killed (SIGKILL) while responses pour in, then restarted."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from local_host.azurite import Azurite
from tests.citizens import citizen_tokens, response_body
from tests.e2e.conftest import portal_env
from tests.local_host_fixture import start_local_host

RESPONSES = 400


def test_every_receipt_survives_a_killed_host_and_is_processed_after_restart(azurite: Azurite, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # A consumer killed mid-message holds its lock until it expires; keep that short here.
    env = {**portal_env(azurite), "PORTAL_QUEUE_LOCK_SECONDS": "3"}
    host = start_local_host("function_app", data_dir, env, extra_args=("--seed",))
    tokens = citizen_tokens(data_dir, RESPONSES, issuer=host.dev_issuer())
    url = "/api/hearings/demo-active/responses"
    receipts: dict[str, str] = {}
    lock = threading.Lock()
    killed = threading.Event()

    def submit(n: int) -> None:
        if killed.is_set():
            return
        try:
            answer = httpx.post(
                host.base_url + url,
                json=response_body(f"Svar nummer {n}"),
                headers={"Authorization": f"Bearer {tokens[n]}"},
                timeout=10,
            )
        except httpx.HTTPError:
            return  # no answer is no receipt
        if answer.status_code == 201:
            with lock:
                receipts[answer.json()["responseId"]] = answer.json()["digest"]
                if len(receipts) == RESPONSES // 4:
                    host.kill()
                    killed.set()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(submit, range(RESPONSES)))
    host.kill()
    assert len(receipts) >= RESPONSES // 4

    restarted = start_local_host("function_app", data_dir, env)
    try:
        restarted.wait_idle(timeout=60)
        owner = restarted.request("POST", "/api/dev/token", json={"persona": "hearing-creator"}).json()["accessToken"]
        stored: dict[str, dict[str, str]] = {}
        continuation: str | None = None
        while True:
            params = {"limit": "100", **({"continuation": continuation} if continuation else {})}
            page = restarted.request("GET", url, headers={"Authorization": f"Bearer {owner}"}, params=params).json()
            stored.update({item["id"]: item for item in page["items"]})
            continuation = page.get("continuation")
            if not continuation:
                break
        for response_id, digest in receipts.items():
            assert response_id in stored, "a response that got a receipt was lost"
            assert stored[response_id]["digest"] == digest
            # The screening message survived the crash too: nothing is left unprocessed.
            assert stored[response_id]["status"] == "awaiting_review"
    finally:
        restarted.stop()
