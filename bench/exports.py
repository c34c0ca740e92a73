"""The owner's exports on a large hearing: time and peak memory of XLSX and PDF beside just reading the store.

Two hearings, 2,000 and 10,000 responses (seeded, Danish texts of 100-900 characters, some hiding a
CPR number or an e-mail address), in one SQLite file in a temporary folder, written through the
embedded document store. Every measurement runs in a fresh interpreter so peak figures do not carry
over: once for wall time and max RSS, once under tracemalloc for the peak of Python allocations.

- ``read store``: the baseline, paging through the hearing's responses (``ResponseRepository.each``).
- ``rows``: the same plus building each export row (public text, masking, flags).
- ``xlsx`` / ``pdf``: the whole export service (access check, rendering, writing the file, audit);
  the file store keeps only the size, so the finished file is counted once, as the real adapter has it.

Prints seconds, ratio to the baseline, peak traced MB, max RSS MB and file size, and the ratio of peak
traced memory at 10,000 to 2,000 responses: near 1 means memory does not grow with the hearing.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO_ROOT, table
from shared.adapters.aes_vault import AesGcmVault
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.identity import Identity, IdentityKind, Role
from shared.domain.response import ResponseStatus
from shared.ports.clock import SystemClock
from shared.ports.files import FileInfo
from shared.services.export_rows import export_row
from shared.services.exports import export_pdf, export_xlsx
from shared.services.repositories import ResponseRepository
from tests.export_support import OPENED, add_hearing, add_response

OWNER = Identity(subject="entra:bench-owner", kind=IdentityKind.EMPLOYEE, name="Bench", roles=frozenset({Role.ADMIN}))
KINDS = ("read store", "rows", "xlsx", "pdf")
SIZES = (2_000, 10_000)
_TEXT = (
    "jeg vi støtter er imod forslaget lokalplanen cykelstien træerne på fælleden i Ørestad ved søen skolen "
    "parkering trafikken om aftenen støj fra byggeriet grønne områder børnene legepladsen bør bevares "
    "kommunen må sikre at beboerne bliver hørt og at udsigten over havnen ikke forsvinder"
)
_WORDS = _TEXT.split()
_STATUSES = list(ResponseStatus)


class SizeOnlyFiles:
    """A file store that keeps only what it was given the size of; the bench measures the export, not a copy."""

    def __init__(self) -> None:
        self.sizes: dict[str, int] = {}

    def check(self) -> None:
        pass

    def upload_url(self, container: str, name: str, valid_for: timedelta) -> str:
        return f"bench://{container}/{name}"

    def download_url(self, container: str, name: str, valid_for: timedelta) -> str:
        return f"bench://{container}/{name}"

    def read(self, container: str, name: str) -> bytes:
        raise FileNotFoundError(name)

    def write(
        self,
        container: str,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        overwrite: bool = False,
    ) -> None:
        self.sizes[name] = len(data)

    def info(self, container: str, name: str) -> FileInfo | None:
        return None

    def list(self, container: str, prefix: str = "") -> list[FileInfo]:
        return []

    def delete(self, container: str, name: str) -> None:
        self.sizes.pop(name, None)


def seed(path: Path) -> None:
    store = SqliteDocumentStore(path)
    rnd = random.Random(2026)
    for size in SIZES:
        hearing_id = add_hearing(store, OWNER, f"bench-{size}")
        for index in range(size):
            words = [rnd.choice(_WORDS) for _ in range(rnd.randint(15, 130))]
            if index % 50 == 0:
                words.insert(3, "mit cpr er 010190-1234")
            if index % 70 == 0:
                words.append("skriv til borger@example.dk")
            add_response(
                store,
                hearing_id,
                f"mitid:bench-{index}",
                " ".join(words).capitalize() + ".",
                OPENED + timedelta(seconds=index * 7),
                name=f"Borger {index}",
                publish_name=index % 5 == 0,
                status=_STATUSES[index % len(_STATUSES)],
            )


def run_once(kind: str, path: Path, size: int) -> tuple[int, int]:
    """Returns (responses, file bytes)."""
    store = SqliteDocumentStore(path)
    hearing_id = f"bench-{size}"
    vault = AesGcmVault(bytes(32))
    if kind in ("read store", "rows"):
        count = 0
        for position, response in enumerate(ResponseRepository(store).each(hearing_id), start=1):
            if kind == "rows":
                export_row(response, position)
            count += 1
        return count, 0
    files = SizeOnlyFiles()
    export = export_xlsx if kind == "xlsx" else export_pdf
    ticket = export(OWNER, hearing_id, documents=store, files=files, clock=SystemClock(), vault=vault)
    return ticket.count, files.sizes[ticket.name]


def child(kind: str, path: Path, size: int, traced: bool) -> None:
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    count, file_bytes = run_once(kind, path, size)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"count": count, "seconds": seconds, "peak": peak, "rss": rss_kb * 1024, "bytes": file_bytes}))


def measure(kind: str, path: Path, size: int, traced: bool) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(path), str(size)]
    if traced:
        command.append("--traced")
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["count"] != size:
        raise SystemExit(f"{kind} on {size} responses exported {result['count']}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DB", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]), int(args.child[2]), args.traced)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-exports-") as folder:
        path = Path(folder) / "portal.sqlite"
        began = time.perf_counter()
        seed(path)
        print(f"seeded {sum(SIZES):,} responses in {time.perf_counter() - began:.1f} s ({datetime.now(UTC):%Y-%m-%d})")
        results = {
            (kind, size): (measure(kind, path, size, traced=False), measure(kind, path, size, traced=True))
            for size in SIZES
            for kind in KINDS
        }
    rows: list[list[object]] = [["", "responses", "seconds", "x read store", "peak traced MB", "max RSS MB", "file KB"]]
    for size in SIZES:
        baseline = results[("read store", size)][0]["seconds"]
        for kind in KINDS:
            timed, traced = results[(kind, size)]
            rows.append(
                [
                    kind,
                    f"{size:,}",
                    f"{timed['seconds']:.2f}",
                    f"{timed['seconds'] / baseline:.2f}",
                    f"{traced['peak'] / 1e6:.1f}",
                    f"{timed['rss'] / 1e6:.0f}",
                    f"{timed['bytes'] / 1e3:,.0f}" if timed["bytes"] else "",
                ]
            )
    print(table(rows))
    print()
    growth = [["peak traced memory, 10,000 / 2,000 responses", "ratio"]]
    for kind in KINDS:
        small, large = results[(kind, SIZES[0])][1]["peak"], results[(kind, SIZES[1])][1]["peak"]
        growth.append([kind, f"{large / small:.2f}"])
    print(table(growth))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
