"""Response intake over HTTP through the local host, beside the same server answering a constant.

Starts Azurite and the intake app as it is deployed (``bench.baseline_app``: the real app plus
``/api/bench/constant`` and ``/api/bench/token``, in a local host running the intake group only: HTTP
and upload triggers), creates and opens a hearing, signs one development token per respondent (a
response is one per respondent per hearing), then sends the same number of requests with the same
bodies and headers to the constant function, to the function that only checks the token and parses
the body, and to the intake, in alternating rounds, over keep-alive connections.

In Azure the queue consumers and timers run in the workers app on instances of their own, so during
the timed rounds they do not share the intake's cores. Afterwards the benchmark starts the workers
app (a second local host, ``--group workers``, on the same data), lets it drain, and checks that
every receipt names a stored response that was screened, numbered and signed into the hearing's log.

Prints requests per second and latency of each, the intake's ratio to the constant, the intake's CPU
time per accepted response beside an in-process floor, what the token check costs inside the host,
and the workers' CPU per response. ``--parts`` also times two kinds between the token check and the
intake (the handler machinery, and one durable row) and prints what each part adds. Exits 1 on any
error.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    LoadResult,
    LocalStack,
    Outcome,
    Request,
    StackError,
    cpu_seconds,
    local_host,
    local_stack,
    percentile,
    request_json,
    run_load,
    table,
)
from local_host.demo_data import TERMS_VERSION

APP_MODULE = "bench.baseline_app"
CONSTANT_PATH = "/api/bench/constant"
TOKEN_PATH = "/api/bench/token"
HANDLER_PATH = "/api/bench/handler"
ROW_PATH = "/api/bench/row"
KEY_FILE_NAME = "dev-issuer-key.pem"
ACTIVE_TIMEOUT_SECONDS = 30
IDLE_WAIT_SECONDS = 120  # the admin endpoint's longest wait; asked again while work remains
DRAIN_LIMIT_SECONDS = 900

Failure = tuple[int, str]  # how many requests it concerns, and what went wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="timed requests of each kind (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections (default 8)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating constant/intake rounds (default 4)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed requests of each kind first (default 100)")
    parser.add_argument("--deadline", type=float, default=300, help="seconds allowed for each timed round")
    parser.add_argument("--data-dir", type=Path, help="keep the host's data here instead of a temporary folder")
    parser.add_argument(
        "--profile", type=Path, help="sample the host with py-spy during the intake rounds; collapsed stacks here"
    )
    parser.add_argument(
        "--parts",
        action="store_true",
        help="also time the handler machinery and one durable row alone, to show what each part of the intake costs",
    )
    args = parser.parse_args(argv)
    if args.requests < args.rounds or args.concurrency < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("need requests >= rounds >= 1, concurrency >= 1 and warmup >= 0")

    if args.data_dir is not None:
        return _run(args, args.data_dir.resolve())
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as folder:
        return _run(args, Path(folder))


def _run(args: argparse.Namespace, data_dir: Path) -> int:
    print(f"Starting Azurite and the local host ({APP_MODULE}) in {data_dir} ...", flush=True)
    try:
        # No span recording: a deployed intake app records spans only when an exporter is configured.
        with local_stack(data_dir, APP_MODULE, ["--seed", "--traces", "none"], group="intake") as stack:
            return _bench(args, stack)
    except StackError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1


def _bench(args: argparse.Namespace, stack: LocalStack) -> int:
    creator = stack.call("POST", "/api/dev/token", {"persona": "hearing-creator"})["accessToken"]
    hearing_id = _open_hearing(stack, creator)
    total = args.warmup + args.requests
    print(f"Hearing {hearing_id} is active; signing {total} respondent tokens ...", flush=True)
    tokens = _respondent_tokens(stack, creator, total)
    intake_path = f"/api/hearings/{hearing_id}/responses"
    intake = [_submission(intake_path, token, index) for index, token in enumerate(tokens)]
    # Byte for byte the same requests, only to the function that answers a constant, to the one that
    # checks the token and parses the body first, and (--parts) to those that do ever more of the intake.
    paths = {"constant": CONSTANT_PATH, "token check": TOKEN_PATH}
    if args.parts:
        paths.update({"handler": HANDLER_PATH, "durable row": ROW_PATH})
    kinds = {name: [Request(r.method, path, r.body, r.headers) for r in intake] for name, path in paths.items()}
    kinds["intake"] = intake

    pid, concurrency = stack.host.pid, args.concurrency
    warm = {
        name: run_load(stack.port, requests[: args.warmup], concurrency, pid, args.deadline)
        for name, requests in kinds.items()
    }
    stack.wait_idle()

    runs: dict[str, list[LoadResult]] = {name: [] for name in kinds}
    for index, chunk in enumerate(_chunks(range(args.requests), args.rounds)):
        size = chunk.stop - chunk.start
        print(f"Round {index + 1}/{args.rounds}: {size} each of {', '.join(kinds)}", flush=True)
        for name, requests in kinds.items():
            timed = requests[args.warmup :][chunk]
            with _profiled(pid, args.profile if name == "intake" else None, index):
                runs[name].append(run_load(stack.port, timed, concurrency, pid, args.deadline))

    results = {name: _merge(kind_runs) for name, kind_runs in runs.items()}
    timed_intake = intake[args.warmup :]
    floor_ms, token_ms = _in_process_floor(stack, timed_intake, hearing_id)
    constant_errors: list[Failure] = []
    for name in paths:
        constant_errors += _constant_errors([*warm[name].outcomes, *results[name].outcomes])
    intake_result = results["intake"]
    receipts, intake_errors = _receipts([*warm["intake"].outcomes, *intake_result.outcomes], hearing_id)
    missing = _missing_from_store(stack, creator, hearing_id, receipts)
    print(f"Starting the workers app to process the {len(receipts)} accepted responses ...", flush=True)
    workers_cpu, unprocessed = _drain(stack, hearing_id, receipts)

    failures = constant_errors + intake_errors
    if missing:
        failures.append((len(missing), f"{len(missing)} receipts name responses the store does not return"))
    if unprocessed:
        failures.append((len(unprocessed), f"{len(unprocessed)} receipts: {_summary_of(unprocessed)}"))
    _report(args, results, len(receipts), failures)
    print(f"in-process floor (same token, same JSON and model, same row into the same store): {floor_ms:.2f} ms CPU")
    print(f"intake CPU per accepted response / floor: {_per_request_ms(intake_result) / floor_ms:.1f}")
    print(f"the token check alone in this process: {token_ms:.3f} ms CPU")
    print(
        f"workers CPU per response, screening, grouping, numbering, signing, logging until idle: "
        f"{workers_cpu * 1000 / max(1, len(receipts)):.2f} ms"
    )
    print()
    if failures:
        for _, failure in failures:
            print(f"ERROR: {failure}")
        return 1
    print(
        f"Stored and processed: all {len(receipts)} receipts name a response the store returns to the hearing's "
        "owner, screened, numbered 1..n and in the hearing's log."
    )
    return 0


def _drain(stack: LocalStack, hearing_id: str, receipts: list[str]) -> tuple[float, list[str]]:
    """Run the workers app on the intake's data until it is idle; its CPU, and what it left unprocessed."""
    with local_host(stack.data_dir, APP_MODULE, stack.azurite, ["--traces", "none"], group="workers") as workers:
        started = cpu_seconds(workers.host.pid)
        give_up = time.monotonic() + DRAIN_LIMIT_SECONDS
        while True:
            status, _ = request_json(workers.port, "POST", f"/admin/idle?timeout={IDLE_WAIT_SECONDS}", timeout=150)
            if status == 200:
                break
            if time.monotonic() > give_up:
                raise StackError(f"the workers app was still busy after {DRAIN_LIMIT_SECONDS} s")
        spent = cpu_seconds(workers.host.pid) - started
    return spent, _unprocessed(stack.data_dir, hearing_id, receipts)


def _unprocessed(data_dir: Path, hearing_id: str, receipts: list[str]) -> list[str]:
    """Why receipted responses are not fully processed, one line each: screened, numbered once, logged."""
    from shared.adapters.sqlite_documents import SqliteDocumentStore
    from shared.domain.receipts import entry_key
    from shared.ports.documents import Query
    from shared.services.receipt_log import logged_index

    store = SqliteDocumentStore(data_dir / "documents.sqlite")
    try:
        stored: dict[str, dict[str, Any]] = {}
        continuation: str | None = None
        while True:
            page = store.query("responses", Query(partition=(hearing_id,), limit=1000, continuation=continuation))
            stored.update((str(item.body["id"]), item.body) for item in page.items)
            continuation = page.continuation
            if not continuation:
                break
        problems: list[str] = []
        for response_id in receipts:
            body = stored.get(response_id)
            if body is None:
                problems.append("not stored")
            elif body["status"] == "submitted":
                problems.append("not screened")
            elif body.get("number") is None:
                problems.append("not numbered")
            elif logged_index(hearing_id, entry_key(response_id, 1), documents=store) is None:
                problems.append("not in the hearing's log")
        numbers = sorted(int(body["number"]) for body in stored.values() if body.get("number") is not None)
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append("numbers are not 1..n without gaps or repeats")
        return problems
    finally:
        store.close()


def _summary_of(problems: list[str]) -> str:
    return "; ".join(f"{count} x {kind}" for kind, count in Counter(problems).most_common())


def _per_request_ms(result: LoadResult) -> float:
    return result.host_cpu_seconds * 1000 / max(1, len(result.outcomes))


@contextlib.contextmanager
def _profiled(pid: int, output: Path | None, round_index: int) -> Iterator[None]:
    """py-spy samples the host (all threads, idle ones left out) while the block runs."""
    if output is None:
        yield
        return
    target = output.with_name(f"{output.stem}-{round_index + 1}{output.suffix or '.txt'}")
    spy = Path(sys.executable).with_name("py-spy")
    command = [str(spy), "record", "--pid", str(pid), "--format", "raw", "--rate", "250", "--output", str(target)]
    sampler = subprocess.Popen([*command, "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # let it attach before the load starts
    try:
        yield
    finally:
        sampler.send_signal(signal.SIGINT)
        sampler.wait(timeout=30)
        print(f"profile of this round: {target}", flush=True)


def _in_process_floor(stack: LocalStack, requests: list[Request], hearing_id: str) -> tuple[float, float]:
    """CPU per response of the least an intake must do, in this process: validate the request's token,
    parse its body with the same model, and append the same response row to the host's own store (with
    its durable commit), one request after another. Also what the token check alone costs here."""
    from local_host.dev_identity.issuer import DevIssuer
    from shared.adapters.jwt_validator import JwtValidator
    from shared.adapters.sqlite_documents import SqliteDocumentStore
    from shared.domain.response import Response
    from shared.services.responses import ResponseSubmission

    issuer = jwt.decode(requests[0].headers["Authorization"].split()[1], options={"verify_signature": False})["iss"]
    dev = DevIssuer(stack.data_dir / KEY_FILE_NAME, issuer=issuer, audience="api://hearing-portal")
    validator = JwtValidator([dev.trusted_issuer()])
    store = SqliteDocumentStore(stack.data_dir / "documents.sqlite")
    floor_hearing = f"floor-{hearing_id}"
    started = time.process_time()
    for request in requests:
        who = validator.validate(request.headers["Authorization"].split()[1])
        submission = ResponseSubmission.model_validate_json(request.body)
        response = Response.receive(floor_hearing, who, submission.text, submission.publish_name, datetime.now(UTC))
        store.create("responses", (floor_hearing, response.id), response.to_document())
    spent = time.process_time() - started
    store.close()
    started = time.process_time()
    for request in requests:
        validator.validate(request.headers["Authorization"].split()[1])
    token_spent = time.process_time() - started
    return spent * 1000 / len(requests), token_spent * 1000 / len(requests)


# -- set-up ------------------------------------------------------------------------------------------


def _open_hearing(stack: LocalStack, creator: str) -> str:
    draft = {"templateId": "lokalplan", "title": "Belastningsprøve for høringssvar", "caseNumber": "BENCH-1"}
    hearing_id = str(stack.call("POST", "/api/hearings", draft, creator)["id"])
    now = datetime.now(UTC)
    # A start in the past opens the hearing at once: the rules read the exact instants.
    schedule = {"start": (now - timedelta(seconds=1)).isoformat(), "deadline": (now + timedelta(hours=2)).isoformat()}
    stack.call("POST", f"/api/hearings/{hearing_id}/schedule", schedule, creator)
    give_up = time.monotonic() + ACTIVE_TIMEOUT_SECONDS
    while stack.call("GET", f"/api/hearings/{hearing_id}", token=creator)["status"] != "active":
        if time.monotonic() > give_up:
            raise StackError(f"hearing {hearing_id} did not become active within {ACTIVE_TIMEOUT_SECONDS} s")
        time.sleep(0.2)
    return hearing_id


def _respondent_tokens(stack: LocalStack, creator: str, count: int) -> list[str]:
    """Citizen tokens from the development issuer's own key, each with a subject of its own."""
    claims = jwt.decode(creator, options={"verify_signature": False})
    kid = stack.call("GET", "/api/dev/jwks.json")["keys"][0]["kid"]
    key = serialization.load_pem_private_key((stack.data_dir / KEY_FILE_NAME).read_bytes(), password=None)
    now = int(time.time())
    run = uuid.uuid4().hex[:8]
    base = {"iss": claims["iss"], "aud": claims["aud"], "iat": now, "nbf": now, "exp": now + 3600}
    citizen = {"idp": "mitid", "nemlogin.cpr": "0101901234", "name": "Bench"}
    return [
        jwt.encode(
            {**base, **citizen, "sub": f"bench-{run}-{index}"},
            key,  # type: ignore[arg-type]
            algorithm="RS256",
            headers={"kid": kid},
        )
        for index in range(count)
    ]


def _submission(path: str, token: str, index: int) -> Request:
    text = f"Jeg støtter forslaget, men ønsker flere træer langs vejen. (svar {index})"
    body = {"text": text, "publishName": False, "acceptedTerms": TERMS_VERSION}
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    return Request("POST", path, json.dumps(body).encode(), headers)


def _chunks(indices: range, parts: int) -> list[slice]:
    size, extra = divmod(len(indices), parts)
    slices, start = [], 0
    for part in range(parts):
        end = start + size + (1 if part < extra else 0)
        slices.append(slice(start, end))
        start = end
    return slices


def _merge(runs: list[LoadResult]) -> LoadResult:
    return LoadResult(
        outcomes=[outcome for run in runs for outcome in run.outcomes],
        wall_seconds=sum(run.wall_seconds for run in runs),
        client_cpu_seconds=sum(run.client_cpu_seconds for run in runs),
        host_cpu_seconds=sum(run.host_cpu_seconds for run in runs),
    )


# -- checks ------------------------------------------------------------------------------------------


def _constant_errors(outcomes: list[Outcome]) -> list[Failure]:
    wrong = [o for o in outcomes if o.status != 200 or _json(o.body) != {"ok": True}]
    return [(len(wrong), f"{len(wrong)} constant requests failed: {_summary(wrong)}")] if wrong else []


def _receipts(outcomes: list[Outcome], hearing_id: str) -> tuple[list[str], list[Failure]]:
    """Response ids from the receipts, and what was wrong: every answer must be 201 with a receipt."""
    ids: list[str] = []
    wrong: list[Outcome] = []
    for outcome in outcomes:
        receipt = _json(outcome.body) if outcome.status == 201 else None
        if (
            isinstance(receipt, dict)
            and receipt.get("hearingId") == hearing_id
            and receipt.get("responseId")
            and receipt.get("digest")
        ):
            ids.append(str(receipt["responseId"]))
        else:
            wrong.append(outcome)
    errors = [(len(wrong), f"{len(wrong)} submissions got no receipt: {_summary(wrong)}")] if wrong else []
    duplicates = len(ids) - len(set(ids))
    if duplicates:
        errors.append((duplicates, f"{duplicates} receipts repeat a response id: distinct respondents were merged"))
    return ids, errors


def _missing_from_store(stack: LocalStack, owner: str, hearing_id: str, receipts: list[str]) -> list[str]:
    stored: set[str] = set()
    continuation: str | None = None
    while True:
        query = "limit=100" + (f"&continuation={urllib.parse.quote(continuation, safe='')}" if continuation else "")
        page = stack.call("GET", f"/api/hearings/{hearing_id}/responses?{query}", token=owner)
        stored.update(str(item["id"]) for item in page["items"])
        continuation = page.get("continuation")
        if not continuation:
            break
    return [response_id for response_id in receipts if response_id not in stored]


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _summary(outcomes: list[Outcome]) -> str:
    kinds = Counter(f"{o.status or o.error} {o.body[:160].decode(errors='replace')}".strip() for o in outcomes)
    return "; ".join(f"{count} x {kind}" for kind, count in kinds.most_common(3))


# -- report ------------------------------------------------------------------------------------------


def _report(args: argparse.Namespace, results: dict[str, LoadResult], accepted: int, failures: list[Failure]) -> None:
    def ms(value: float) -> str:
        return f"{value:.2f}"

    print()
    print(
        f"{args.requests} requests of each kind in {args.rounds} alternating rounds, concurrency {args.concurrency}, "
        f"keep-alive, loopback; {os.cpu_count()} CPUs shared by client, intake host and Azurite."
    )
    print()
    rows: list[list[object]] = [["", "requests/s", "p50 ms", "p99 ms", "host CPU ms/req", "client CPU %"]]
    for name, result in results.items():
        rows.append(
            [
                name,
                f"{result.per_second:.0f}",
                ms(percentile(result.latencies_ms, 0.50)),
                ms(percentile(result.latencies_ms, 0.99)),
                ms(_per_request_ms(result)),
                f"{100 * result.client_cpu_seconds / result.wall_seconds:.0f}",
            ]
        )
    print(table(rows))
    print()
    constant, token_check, intake = results["constant"], results["token check"], results["intake"]
    print(f"throughput ratio intake/constant:         {intake.per_second / constant.per_second:.3f}")
    print(f"intake app CPU per accepted response:      {_per_request_ms(intake):.2f} ms")
    print(
        f"token check and body model in the host:    {_per_request_ms(token_check) - _per_request_ms(constant):.2f} ms "
        "CPU beyond the constant"
    )
    if "durable row" in results:
        print("what each part of the intake adds in the host, in CPU per request beyond the kind before it:")
        for before, name in itertools.pairwise(results):
            added = _per_request_ms(results[name]) - _per_request_ms(results[before])
            print(f"  {PARTS[name]:<66} {added:.2f} ms")
    print(f"accepted responses (incl. {args.warmup} warm-up): {accepted}")
    print(f"errors: {sum(count for count, _ in failures)}")


# What each kind does beyond the one before it, in the order they run.
PARTS = {
    "token check": "checking the token and parsing the body with the model",
    "handler": "the handler's signature-driven reading, span and answer",
    "durable row": "one response row through the group commit, before the answer",
    "intake": "the rest: the hearing's rules, the response, sealing, the message",
}


if __name__ == "__main__":
    sys.exit(main())
