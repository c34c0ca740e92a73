"""Receipt log cost: appends per second and proof time at 10,000 and 100,000 leaves, beside signing alone.

    .venv/bin/python bench/receipt_log.py [--sizes 10000 100000] [--window 1000] [--proofs 300] [--file]

Baselines measured in the same run: one ES256 signature (what a receipt costs before any log), and one
document create in the same store (the least an append can cost). The log is filled through
``issue_receipt`` itself; by default the SQLite store is in memory so that filling 100,000 leaves takes
a minute, ``--file`` uses a file with the adapter's durable settings instead (much slower to fill).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import median, percentile
from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.receipts import ReceiptPayload, jws_signing_input
from shared.services.receipt_log import consistency_proof, inclusion_proof, issue_receipt, log_size

HEARING = "bench-hearing"
RECEIVED = datetime(2026, 6, 1, 12, tzinfo=UTC)


def payload(n: int) -> ReceiptPayload:
    return ReceiptPayload(
        hearing_id=HEARING, response_id=f"r-{n}", version=1, received_at=RECEIVED, text_sha256=f"{n:064x}"
    )


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--window", type=int, default=1000, help="appends timed at each size")
    parser.add_argument("--proofs", type=int, default=300, help="proofs timed at each size")
    parser.add_argument("--file", action="store_true", help="a durable SQLite file instead of memory")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="receipt-bench-"))
    store = SqliteDocumentStore(folder / "documents.sqlite" if args.file else ":memory:")
    signer = LocalReceiptSigner.generate()
    kid = signer.signing_key()
    rng = random.Random(9162)

    signing_input = jws_signing_input(kid, b'{"type":"hearing-portal/receipt/v1"}')
    started = time.perf_counter()
    for _ in range(args.window):
        signer.sign(kid, signing_input)
    sign_rate = per_second(args.window, time.perf_counter() - started)

    started = time.perf_counter()
    for n in range(args.window):
        store.create("audit", ("bench",), {"id": f"baseline-{n}", "hearingId": "bench"})
    write_rate = per_second(args.window, time.perf_counter() - started)

    print(f"baseline  ES256 signature alone         {sign_rate:10,.0f} /s")
    print(f"baseline  one document create           {write_rate:10,.0f} /s")
    print()
    print(
        f"{'leaves':>8}  {'appends/s':>10}  {'÷ signing':>9}  {'÷ create':>8}  {'inclusion p50':>13}  {'p99':>8}  "
        f"{'consistency p50':>15}  {'p99':>8}"
    )
    next_n = 0
    for size in sorted(args.sizes):
        filling_to = size - args.window
        while next_n < filling_to:
            issue_receipt(payload(next_n), documents=store, signer=signer)
            next_n += 1
        started = time.perf_counter()
        while next_n < size:
            issue_receipt(payload(next_n), documents=store, signer=signer)
            next_n += 1
        append_rate = per_second(args.window, time.perf_counter() - started)
        assert log_size(HEARING, documents=store) == size

        inclusion: list[float] = []
        consistency: list[float] = []
        for _ in range(args.proofs):
            index = rng.randrange(size)
            started = time.perf_counter()
            inclusion_proof(HEARING, index, size, documents=store)
            inclusion.append((time.perf_counter() - started) * 1000)
            first = rng.randrange(1, size)
            started = time.perf_counter()
            consistency_proof(HEARING, first, size, documents=store)
            consistency.append((time.perf_counter() - started) * 1000)
        print(
            f"{size:>8,}  {append_rate:>10,.0f}  {append_rate / sign_rate:>9.3f}  {append_rate / write_rate:>8.3f}  "
            f"{median(inclusion):>10.2f} ms  {percentile(inclusion, 0.99):>5.2f} ms  "
            f"{median(consistency):>12.2f} ms  {percentile(consistency, 0.99):>5.2f} ms"
        )
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
