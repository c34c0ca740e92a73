"""Campaign grouping on a generated hearing of 50,000 responses, through the SQLite document store.

Prints pairwise precision and recall against the generated truth, the time per response of
grouping (mean and p99) and, as the baseline measured in the same run, the time per response of
only normalising the text and computing its MinHash signature; and the ratio of the two.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.campaign_corpus import generate, pairwise_score
from bench.common import percentile, table
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.campaigns import Signature, normalise
from shared.services.campaigns import group_response, list_groups

HEARING = "bench-hearing"
# tempfile makes a private (0700) folder inside it, so the shared location is safe to use.
MEMORY_FOLDER = Path("/dev/shm")  # noqa: S108


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--folder",
        default=str(MEMORY_FOLDER) if MEMORY_FOLDER.is_dir() else None,
        help="where the temporary SQLite file goes; the default, memory-backed /dev/shm, leaves out the cost of"
        " the disk flush every durable write makes, so the figures show the grouping itself",
    )
    args = parser.parse_args()

    responses = generate(args.responses, seed=args.seed)
    campaign_share = sum(r.campaign is not None for r in responses) / len(responses)
    print(f"{len(responses)} responses, {campaign_share:.1%} campaign copies, {1 - campaign_share:.1%} unique")

    Signature.of_text("warm up")  # loads datasketch and numpy before anything is timed
    baseline = []
    cpu_started = time.process_time()
    for response in responses:
        started = time.perf_counter()
        normalise(response.text)
        Signature.of_text(response.text)
        baseline.append(time.perf_counter() - started)
    baseline_cpu = time.process_time() - cpu_started

    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        path = Path(folder) / "documents.sqlite"
        store = SqliteDocumentStore(path)
        grouping = []
        cpu_started = time.process_time()
        for response in responses:
            started = time.perf_counter()
            group_response(HEARING, response.response_id, response.text, documents=store)
            grouping.append(time.perf_counter() - started)
        grouping_cpu = time.process_time() - cpu_started
        started = time.perf_counter()
        groups = list_groups(HEARING, documents=store)
        listing = time.perf_counter() - started
        store.close()
        written = _count_documents(path)

    # Score what the hearing view shows: members of listed groups, after any merge of racing founders.
    shown = {member.response_id: group.id for group in groups for member in group.members}
    score = pairwise_score(responses, {r.response_id: shown.get(r.response_id) for r in responses})
    mean_group, mean_base = statistics.fmean(grouping), statistics.fmean(baseline)
    print()
    print(
        table(
            [
                ("per response", "mean ms", "p99 ms"),
                ("normalise + MinHash (baseline)", f"{mean_base * 1e3:.3f}", f"{percentile(baseline, 0.99) * 1e3:.3f}"),
                ("group_response", f"{mean_group * 1e3:.3f}", f"{percentile(grouping, 0.99) * 1e3:.3f}"),
            ]
        )
    )
    print(f"ratio group_response / baseline (mean): {mean_group / mean_base:.2f}")
    print(
        f"CPU per response: baseline {baseline_cpu / len(responses) * 1e3:.3f} ms,"
        f" group_response {grouping_cpu / len(responses) * 1e3:.3f} ms, ratio {grouping_cpu / baseline_cpu:.2f}"
    )
    print()
    print(f"groups shown: {len(groups)}, largest {[g.member_count for g in groups[:12]]}")
    print(f"documents written: {written} ({written / len(responses):.1f} per response)")
    print(f"list_groups over the whole hearing: {listing * 1e3:.0f} ms")
    print(
        f"pairwise precision {score.precision:.4f}, recall {score.recall:.4f}"
        f" (pairs: {score.true_pairs} true, {score.predicted_pairs} predicted, {score.correct_pairs} correct)"
    )
    return 0 if score.precision >= 0.98 and score.recall >= 0.98 else 1


def _count_documents(path: Path) -> int:
    # Straight from the file: paging through hundreds of thousands of documents is not the point here.
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM documents WHERE container = 'campaigns'").fetchone()[0])


if __name__ == "__main__":
    raise SystemExit(main())
