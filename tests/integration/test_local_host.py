"""The local host runs a function app's HTTP, queue, timer and blob functions as the Functions host would.

Each test starts ``python -m local_host run`` on a small sample app (tests/integration/sample_app) with its
own data folder, against the session's Azurite.
"""

from __future__ import annotations

import json
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local_host.azurite import Azurite
from local_host.routing import RouteTemplate
from local_host.timers import Schedule
from shared.adapters.blob_files import BlobFileStore
from shared.adapters.local_queue import LocalQueue
from shared.ports.messages import OutgoingMessage
from tests.azurite_fixture import azurite  # noqa: F401
from tests.local_host_fixture import LocalHostProcess, start_local_host

SAMPLE_APP = Path(__file__).parent / "sample_app"


def wait_for(condition: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class SampleHost:
    """Starts and restarts the sample app's host on one data folder."""

    def __init__(self, data_dir: Path, storage: str) -> None:
        self.data_dir = data_dir
        self.env = {
            "AzureWebJobsStorage": storage,
            "PORTAL_DEV_ISSUER": "false",
            "PORTAL_ADJUSTABLE_CLOCK": "true",
            "PORTAL_MESSAGE_BUS": "local",
            "PORTAL_DOCUMENT_STORE": "sqlite",
            "PORTAL_QUEUE_BACKOFF_SECONDS": "0.05",
        }
        self.current: LocalHostProcess | None = None

    def start(self) -> LocalHostProcess:
        self.current = start_local_host("function_app", self.data_dir, self.env, cwd=SAMPLE_APP)
        return self.current

    def stop(self) -> int:
        assert self.current is not None
        code = self.current.stop()
        self.current = None
        return code

    def restart(self) -> LocalHostProcess:
        self.stop()
        return self.start()

    def out(self, *parts: str) -> Path:
        return self.data_dir.joinpath("out", *parts)


@pytest.fixture
def sample(tmp_path: Path, azurite: Azurite) -> Iterator[SampleHost]:  # noqa: F811
    sample = SampleHost(tmp_path / "data", azurite.connection_string)
    sample.start()
    yield sample
    if sample.current is not None:
        sample.current.kill()


@pytest.fixture
def host(sample: SampleHost) -> LocalHostProcess:
    assert sample.current is not None
    return sample.current


@pytest.fixture
def blobs(azurite: Azurite) -> BlobFileStore:  # noqa: F811
    store = BlobFileStore.from_connection_string(azurite.connection_string)
    store.ensure_containers(["uploads"])
    return store


def processed_blobs(sample: SampleHost) -> list[str]:
    log = sample.out("blobs.log")
    return log.read_text().splitlines() if log.exists() else []


# --- HTTP -----------------------------------------------------------------------------------------


def test_an_http_function_gets_route_values_query_headers_and_body(host: LocalHostProcess) -> None:
    response = host.request(
        "POST", "/api/echo/42/files/plan%20v2.pdf?lang=da&page=3", headers={"X-Sample": "hej"}, content=b"indhold"
    )

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-echo"] == "1"
    echoed = response.json()
    assert echoed["method"] == "POST"
    assert echoed["route"] == {"id": "42", "rest": "files/plan v2.pdf"}
    assert echoed["query"] == {"lang": "da", "page": "3"}
    assert echoed["header"] == "hej"
    assert echoed["body"] == "indhold"
    assert echoed["url"] == f"{host.base_url}/api/echo/42/files/plan%20v2.pdf?lang=da&page=3"


def test_a_literal_route_wins_over_a_parameter_and_constraints_are_honoured(host: LocalHostProcess) -> None:
    special = host.request("GET", "/api/echo/special")
    assert (special.status_code, special.text) == (200, "special")
    assert special.headers["content-type"] == "text/plain; charset=utf-8"

    not_an_int = host.request("GET", "/api/echo/abc/x")
    assert not_an_int.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/no-such-function"), ("GET", "/elsewhere"), ("DELETE", "/api/health")]
)
def test_unknown_routes_and_methods_answer_a_404_problem(host: LocalHostProcess, method: str, path: str) -> None:
    response = host.request(method, path)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}


def test_an_unhandled_error_is_a_500_problem_that_reveals_nothing(host: LocalHostProcess) -> None:
    response = host.request("GET", "/api/boom?token=secret-query-value")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Internal Server Error", "status": 500}
    assert "hunter2" not in response.text
    log = wait_for(lambda: "GET /api/boom 500" in host.log() and host.log(), what="the access log line")
    assert "RuntimeError: database password is hunter2" in log  # the developer sees it in the console
    assert "secret-query-value" not in log


# --- queues ---------------------------------------------------------------------------------------


def test_a_queued_message_is_processed_once(sample: SampleHost, host: LocalHostProcess) -> None:
    assert host.request("POST", "/api/enqueue/notes", json={"id": "n1", "text": "hello"}).status_code == 202

    host.wait_idle()

    written = json.loads(sample.out("notes", "n1.json").read_text())
    assert written == {"note": {"id": "n1", "text": "hello"}, "delivery_count": 1}
    assert host.admin("GET", "/admin/queues").json()["notes"] == 0


def test_a_failing_message_is_dead_lettered_and_can_be_replayed(sample: SampleHost, host: LocalHostProcess) -> None:
    host.request("POST", "/api/enqueue/doomed", json={"id": "d1"})

    letters = wait_for(
        lambda: host.admin("GET", "/admin/queues/doomed/deadletters").json(), timeout=90, what="a dead letter"
    )
    assert len(letters) == 1
    assert json.loads(letters[0]["body"]) == {"id": "d1"}
    assert "ValueError: the sample always fails" in letters[0]["reason"]
    attempts = sample.out("doomed", "d1.log").read_text().split()
    assert attempts == ["1", "2", "3", "4", "5"]

    sample.out("doomed", "healed").touch()
    replayed = host.admin("POST", f"/admin/queues/doomed/deadletters/{letters[0]['id']}/replay")
    assert replayed.status_code == 202
    host.wait_idle()

    assert host.admin("GET", "/admin/queues/doomed/deadletters").json() == []
    assert sample.out("doomed", "d1.log").read_text().split() == [*attempts, "1"]
    assert host.admin("POST", "/admin/queues/doomed/deadletters/unknown/replay").status_code == 404


def test_a_message_queued_while_the_host_was_down_is_processed_after_restart(sample: SampleHost) -> None:
    assert sample.stop() == 0
    queue = LocalQueue(sample.data_dir / "queue.sqlite")
    queue.publish("notes", OutgoingMessage(message_id="offline-1", body={"id": "offline"}))
    queue.close()

    host = sample.start()
    host.wait_idle()

    assert json.loads(sample.out("notes", "offline.json").read_text())["note"] == {"id": "offline"}


# --- timers and the admin endpoints ---------------------------------------------------------------


def test_the_admin_endpoint_runs_a_timer_function_now(sample: SampleHost, host: LocalHostProcess) -> None:
    assert not sample.out("ticks").exists()

    assert host.admin("POST", "/admin/functions/yearly", {"input": ""}).status_code == 202

    ticks = list(sample.out("ticks").iterdir())
    assert len(ticks) == 1
    assert json.loads(ticks[0].read_text()) == {"past_due": False}


def test_a_timer_marked_run_on_startup_runs_at_every_start(sample: SampleHost, host: LocalHostProcess) -> None:
    wait_for(lambda: sample.out("startups").exists() and len(list(sample.out("startups").iterdir())) == 1)

    sample.restart().wait_idle()

    assert len(list(sample.out("startups").iterdir())) == 2


def test_the_admin_endpoint_runs_a_queue_function_and_reports_its_failure(
    sample: SampleHost, host: LocalHostProcess
) -> None:
    assert host.admin("POST", "/admin/functions/write_note", {"input": '{"id": "by-hand"}'}).status_code == 202
    assert json.loads(sample.out("notes", "by-hand.json").read_text())["note"] == {"id": "by-hand"}

    failed = host.admin("POST", "/admin/functions/always_fails", {"input": '{"id": "x"}'})
    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    assert "ValueError" in failed.json()["detail"]

    assert host.admin("POST", "/admin/functions/nothing_here", {"input": ""}).status_code == 404
    assert host.admin("POST", "/admin/functions/echo", {"input": ""}).status_code == 400


def test_the_admin_endpoint_lists_functions_with_their_triggers(host: LocalHostProcess) -> None:
    listed = {entry["name"]: entry for entry in host.admin("GET", "/admin/functions").json()}

    assert listed["echo"]["trigger"] == "HttpTrigger"
    assert listed["echo"]["url"].endswith("/api/echo/{id:int}/{*rest}")
    assert listed["write_note"] == {"name": "write_note", "trigger": "ServiceBusQueueTrigger", "queue": "notes"}
    assert listed["yearly"]["schedule"] == "0 0 0 1 1 *"
    assert listed["on_upload"]["path"] == "uploads/sample/{name}"


def test_the_adjustable_clock_can_be_set_and_reset(host: LocalHostProcess) -> None:
    moved = host.admin("PUT", "/admin/clock", {"now": "2026-12-01T10:00:00+01:00"})
    assert moved.status_code == 200
    assert moved.json()["now"].startswith("2026-12-01T09:00:0")
    assert host.admin("GET", "/admin/clock").json()["now"].startswith("2026-12-01T09:0")

    reset = host.admin("DELETE", "/admin/clock").json()["now"]
    assert not reset.startswith("2026-12-01T09:0")


# --- blobs ----------------------------------------------------------------------------------------


def test_a_blob_trigger_fires_once_per_blob_version_even_across_restarts(
    sample: SampleHost, host: LocalHostProcess, blobs: BlobFileStore
) -> None:
    name = f"sample/{uuid.uuid4().hex}.txt"
    blobs.write("uploads", name, b"first version", content_type="text/plain")

    host.wait_idle()
    assert processed_blobs(sample).count(f"uploads/{name} 13") == 1

    host = sample.restart()
    host.wait_idle()
    assert processed_blobs(sample).count(f"uploads/{name} 13") == 1

    blobs.write("uploads", name, b"second", content_type="text/plain", overwrite=True)
    host.wait_idle()
    assert processed_blobs(sample).count(f"uploads/{name} 6") == 1
    assert processed_blobs(sample).count(f"uploads/{name} 13") == 1


def test_a_blob_that_keeps_failing_is_recorded_as_poison(host: LocalHostProcess, blobs: BlobFileStore) -> None:
    name = f"sample/{uuid.uuid4().hex}.txt"
    blobs.write("uploads", name, b"fail me", content_type="text/plain")

    host.wait_idle()

    poison = [entry for entry in host.admin("GET", "/admin/blobs/poison").json() if entry["name"] == name]
    assert len(poison) == 1
    assert poison[0]["attempts"] == 5
    assert "ValueError: this blob cannot be processed" in poison[0]["error"]


# --- stopping -------------------------------------------------------------------------------------


def test_ctrl_c_stops_the_host_cleanly(sample: SampleHost, host: LocalHostProcess) -> None:
    assert sample.stop() == 0
    assert "local host stopped" in host.log()


def test_sigterm_stops_the_host_cleanly(sample: SampleHost, host: LocalHostProcess) -> None:
    host.process.send_signal(signal.SIGTERM)

    assert host.process.wait(20) == 0
    sample.current = None


# --- route templates and schedules (no host needed) -----------------------------------------------


@pytest.mark.parametrize(
    ("template", "path", "values"),
    [
        (
            "hearings/{id:guid}",
            "/hearings/3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            {"id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"},
        ),
        ("hearings/{id:guid}", "/hearings/42", None),
        ("files/{*rest}", "/files/a/b/c.pdf", {"rest": "a/b/c.pdf"}),
        ("files/{*rest}", "/files", {}),
        ("items/{page:int?}", "/items", {}),
        ("items/{page:int?}", "/items/2", {"page": "2"}),
        ("items/{page=1}", "/items", {"page": "1"}),
        ("docs/{name}.{ext}", "/docs/plan.v2.pdf", {"name": "plan.v2", "ext": "pdf"}),
        ("Hearings/{id}", "/hearings/x%2Fy", {"id": "x/y"}),
        ("hearings/{id}", "/hearings/1/responses", None),
    ],
)
def test_route_templates_match_as_in_the_functions_host(
    template: str, path: str, values: dict[str, str] | None
) -> None:
    assert RouteTemplate.parse(template).match(path) == values


def test_literal_segments_take_precedence_over_parameters() -> None:
    templates = ["hearings/{id}", "{*any}", "hearings/mine", "hearings/{id:int}"]

    ordered = sorted(templates, key=lambda template: RouteTemplate.parse(template).precedence())

    assert ordered == ["hearings/mine", "hearings/{id:int}", "hearings/{id}", "{*any}"]


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 */5 * * * *", datetime(2026, 3, 1, 10, 2, 30, tzinfo=UTC), datetime(2026, 3, 1, 10, 5, tzinfo=UTC)),
        ("*/15 * * * * *", datetime(2026, 3, 1, 10, 0, 1, tzinfo=UTC), datetime(2026, 3, 1, 10, 0, 15, tzinfo=UTC)),
        ("30 2 * * *", datetime(2026, 3, 1, 10, 0, tzinfo=UTC), datetime(2026, 3, 2, 2, 30, tzinfo=UTC)),
        ("00:10:00", datetime(2026, 3, 1, 10, 0, tzinfo=UTC), datetime(2026, 3, 1, 10, 10, tzinfo=UTC)),
    ],
)
def test_ncrontab_schedules_have_seconds_first(expression: str, after: datetime, expected: datetime) -> None:
    assert Schedule(expression).next_after(after) == expected
