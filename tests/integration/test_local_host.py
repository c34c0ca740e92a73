"""The local host runs a function app's HTTP, queue, timer and blob functions as the Functions host would.

Each test starts ``python -m local_host run`` on a small sample app (tests/integration/sample_app) with its
own data folder, against the session's Azurite.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local_host.azurite import Azurite
from local_host.blob_watcher import retry_delay
from local_host.host import public_base_url
from local_host.timers import Schedule
from shared.adapters.blob_files import BlobFileStore
from shared.adapters.local_queue import LocalQueue
from shared.ports.messages import OutgoingMessage
from tests.azurite_fixture import azurite  # noqa: F401
from tests.local_host_fixture import REPO_ROOT, LocalHostProcess, start_local_host

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

    def __init__(
        self, data_dir: Path, storage: str, env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()
    ) -> None:
        self.data_dir = data_dir
        self.env = {
            "AzureWebJobsStorage": storage,
            "PORTAL_DEV_ISSUER": "false",
            "PORTAL_ADJUSTABLE_CLOCK": "true",
            "PORTAL_MESSAGE_BUS": "local",
            "PORTAL_DOCUMENT_STORE": "sqlite",
            "PORTAL_QUEUE_BACKOFF_SECONDS": "0.05",
            "PORTAL_BLOB_RETRY_BASE_SECONDS": "0.01",
            **(env or {}),
        }
        self.extra_args = extra_args
        self.current: LocalHostProcess | None = None

    def start(self) -> LocalHostProcess:
        self.current = start_local_host(
            "function_app", self.data_dir, self.env, cwd=SAMPLE_APP, extra_args=self.extra_args
        )
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


@contextmanager
def running_sample(
    data_dir: Path, storage: str, env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()
) -> Iterator[SampleHost]:
    sample = SampleHost(data_dir, storage, env, extra_args)
    sample.start()
    try:
        yield sample
    finally:
        if sample.current is not None:
            sample.current.kill()


@pytest.fixture
def sample(tmp_path: Path, azurite: Azurite) -> Iterator[SampleHost]:  # noqa: F811
    with running_sample(tmp_path / "data", azurite.connection_string) as sample:
        yield sample


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


def test_a_literal_route_wins_over_a_parameter_registered_before_it(host: LocalHostProcess) -> None:
    special = host.request("GET", "/api/echo/special")
    assert (special.status_code, special.text) == (200, "special")
    assert special.headers["content-type"] == "text/plain; charset=utf-8"

    other = host.request("GET", "/api/echo/abc")
    assert (other.status_code, other.json()["route"]) == (201, {"id": "abc"})


@pytest.mark.parametrize(
    ("path", "values"),
    [
        ("/api/segments/%252E%252E", {"first": "%2E%2E"}),  # decoded once, not twice
        ("/api/segments/a%2Fb/c%2Fd/e%20f", {"first": "a%2Fb", "rest": "c%2Fd/e f"}),  # an encoded slash stays
        ("/api/segments/caf%C3%A9", {"first": "café"}),
    ],
)
def test_route_values_are_decoded_once_and_an_encoded_slash_stays_in_its_segment(
    host: LocalHostProcess, path: str, values: dict[str, str]
) -> None:
    response = host.request("GET", path)

    assert response.status_code == 200
    assert response.json() == values


def test_cors_preflights_are_answered_for_the_configured_origins_only(tmp_path: Path, azurite: Azurite) -> None:  # noqa: F811
    settings = tmp_path / "local.settings.json"
    cors = {"CORS": "http://localhost:3000, http://localhost:5173", "CORSCredentials": True}
    settings.write_text(json.dumps({"IsEncrypted": False, "Values": {}, "Host": cors}))
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}

    with running_sample(
        tmp_path / "data", azurite.connection_string, extra_args=("--settings", str(settings))
    ) as sample:
        assert sample.current is not None
        allowed = sample.current.request(
            "OPTIONS", "/api/enqueue/notes", headers={"Origin": "http://localhost:5173", **preflight}
        )
        refused = sample.current.request(
            "OPTIONS", "/api/enqueue/notes", headers={"Origin": "https://elsewhere.example", **preflight}
        )
        simple = sample.current.request("GET", "/api/health", headers={"Origin": "http://localhost:3000"})

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in refused.headers
    assert simple.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert {"Location", "ETag", "Retry-After"} <= set(simple.headers["access-control-expose-headers"].split(", "))


def test_without_cors_settings_no_cors_headers_are_sent(host: LocalHostProcess) -> None:
    response = host.request("GET", "/api/health", headers={"Origin": "http://localhost:3000"})

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_the_portal_on_another_port_names_itself_by_that_port_and_allows_the_sample_origins(
    tmp_path: Path,
    azurite: Azurite,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PORTAL_PUBLIC_BASE_URL", raising=False)
    env = {
        "PORTAL_ENVIRONMENT": "development",
        "PORTAL_DEV_ISSUER": "true",
        "PORTAL_DOCUMENT_STORE": "sqlite",
        "PORTAL_MESSAGE_BUS": "local",
        "AzureWebJobsStorage": azurite.connection_string,
    }
    sample_settings = str(REPO_ROOT / "local.settings.sample.json")
    portal = start_local_host("function_app", tmp_path / "data", env, extra_args=("--settings", sample_settings))
    try:
        response = portal.request("GET", "/api/dev/.well-known/openid-configuration")
        preflight = portal.request(  # the sample settings allow the web front end's development server
            "OPTIONS",
            "/api/dev/.well-known/openid-configuration",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"},
        )
    finally:
        portal.stop()

    assert portal.port != 7071
    assert response.status_code == 200
    assert response.json()["issuer"] == f"http://localhost:{portal.port}/api/dev"
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:5173"


@pytest.mark.parametrize(
    ("configured", "port", "expected"),
    [
        ("http://localhost:7071", 8080, "http://localhost:8080"),
        (None, 8080, "http://localhost:8080"),
        ("http://localhost:7071", 7071, None),
        ("https://portal-dev.example", 8080, None),  # a tunnel or proxy address is the developer's choice
    ],
)
def test_the_public_base_url_follows_the_port_unless_set_to_another_address(
    configured: str | None, port: int, expected: str | None
) -> None:
    assert public_base_url(configured, port, "127.0.0.1") == expected


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


def test_a_message_outlasting_its_lock_is_kept_and_runs_once(tmp_path: Path, azurite: Azurite) -> None:  # noqa: F811
    with running_sample(tmp_path / "data", azurite.connection_string, {"PORTAL_QUEUE_LOCK_SECONDS": "1"}) as sample:
        assert sample.current is not None
        host = sample.current
        assert host.request("POST", "/api/enqueue/slow", json={"id": "s1", "seconds": 2.5}).status_code == 202

        host.wait_idle()

        runs = [json.loads(path.read_text()) for path in sample.out("slow").iterdir()]
        assert runs == [{"delivery_count": 1}]
        assert host.admin("GET", "/admin/queues").json()["slow"] == 0
        assert host.admin("GET", "/admin/queues/slow/deadletters").json() == []
        assert "lock not renewed" not in host.log()


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


def test_a_timer_runs_every_occurrence_on_the_same_thread(tmp_path: Path, azurite: Azurite) -> None:  # noqa: F811
    with running_sample(tmp_path / "data", azurite.connection_string, {"SAMPLE_EVERY_SECOND": "true"}) as sample:
        assert sample.current is not None
        tasks = Path(f"/proc/{sample.current.process.pid}/task")

        def ticks() -> list[int]:
            folder = sample.out("seconds")
            return [json.loads(path.read_text())["thread"] for path in folder.iterdir()] if folder.exists() else []

        wait_for(lambda: len(ticks()) >= 2, what="two timer ticks")
        threads_before = len(list(tasks.iterdir()))
        seen = len(ticks())
        wait_for(lambda: len(ticks()) >= seen + 4, what="four more timer ticks")
        threads_after = len(list(tasks.iterdir()))
        alive = {int(task.name) for task in tasks.iterdir()}

    assert threads_after <= threads_before
    assert len(set(ticks())) == 1
    assert set(ticks()) <= alive


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
    assert listed["echo"]["url"].endswith("/api/echo/{id}/{*rest}")
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


def test_a_poison_blob_can_be_replayed_once_the_function_is_fixed(
    sample: SampleHost, host: LocalHostProcess, blobs: BlobFileStore
) -> None:
    name = f"sample/{uuid.uuid4().hex}.txt"
    blobs.write("uploads", name, b"fail me", content_type="text/plain")
    host.wait_idle()
    assert f"uploads/{name} 7" not in processed_blobs(sample)

    sample.out("blobs-healed").touch()
    replayed = host.admin("POST", f"/admin/blobs/poison/on_upload/{name}/replay")
    assert replayed.status_code == 202
    host.wait_idle()

    assert processed_blobs(sample).count(f"uploads/{name} 7") == 1
    assert [entry for entry in host.admin("GET", "/admin/blobs/poison").json() if entry["name"] == name] == []
    assert host.admin("POST", f"/admin/blobs/poison/on_upload/{name}/replay").status_code == 404


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 1), (2, 2), (3, 4), (4, 8), (9, 256), (10, 300), (40, 300)])
def test_a_failing_blob_waits_longer_before_each_retry(attempts: int, seconds: float) -> None:
    assert retry_delay(attempts, base=1) == seconds


# --- stopping -------------------------------------------------------------------------------------


def test_a_bad_host_json_stops_the_start_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "functionTimeout": "ten minutes"}))

    finished = subprocess.run(
        [sys.executable, "-m", "local_host", "run", "--root", str(tmp_path), "--port", "0"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode == 2
    assert "host.json: functionTimeout: " in finished.stderr
    assert "Traceback" not in finished.stderr


def test_ctrl_c_stops_the_host_cleanly(sample: SampleHost, host: LocalHostProcess) -> None:
    assert sample.stop() == 0
    assert "local host stopped" in host.log()


def test_sigterm_stops_the_host_cleanly(sample: SampleHost, host: LocalHostProcess) -> None:
    host.process.send_signal(signal.SIGTERM)

    assert host.process.wait(20) == 0
    sample.current = None


# --- schedules (no host needed) ------------------------------------------------------------------


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
