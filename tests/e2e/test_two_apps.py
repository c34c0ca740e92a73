"""The local host as the two apps deployed to Azure: an intake host and a workers host on one data folder.

The intake host (``--group intake``) answers the HTTP functions and runs no queue consumer or timer, so
a response it accepts waits on the durable queue; the workers host (``--group workers``) screens,
numbers and logs it, and answers no API route.
"""

from __future__ import annotations

from pathlib import Path

from local_host.azurite import Azurite
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.receipts import entry_key
from shared.services import queues
from shared.services.receipt_log import logged_index
from tests.citizens import citizen_tokens, response_body
from tests.e2e.conftest import portal_env
from tests.local_host_fixture import start_local_host

HEARING = "demo-active"


def test_an_intake_host_accepts_and_a_workers_host_on_the_same_data_processes(azurite: Azurite, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = portal_env(azurite)
    intake = start_local_host("function_app", data_dir, env, extra_args=("--seed", "--group", "intake"))
    try:
        tokens = citizen_tokens(data_dir, 3, issuer=intake.dev_issuer())
        receipts = []
        for n, token in enumerate(tokens):
            answer = intake.request(
                "POST",
                f"/api/hearings/{HEARING}/responses",
                json=response_body(f"Svar fra to apps nummer {n}"),
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 201, answer.text
            receipts.append(answer.json()["responseId"])
        intake.wait_idle()  # nothing of the intake's own is left; the queue is the workers' to consume
        assert intake.admin("GET", "/admin/queues").json()[queues.RESPONSES_RECEIVED] == len(receipts)

        workers = start_local_host("function_app", data_dir, env, extra_args=("--group", "workers"))
        try:
            assert workers.request("GET", "/api/health").status_code == 404  # no HTTP functions here
            workers.wait_idle(timeout=60)
        finally:
            workers.stop()
    finally:
        intake.stop()

    store = SqliteDocumentStore(data_dir / "documents.sqlite")
    try:
        for response_id in receipts:
            stored = store.read("responses", (HEARING, response_id), response_id)
            assert stored is not None
            assert stored.body["status"] == "awaiting_review"
            assert stored.body["number"] is not None
            assert logged_index(HEARING, entry_key(response_id, 1), documents=store) is not None
    finally:
        store.close()
