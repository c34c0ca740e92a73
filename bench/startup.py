"""Start-up import cost: ``import function_app`` beside ``import azure.functions`` alone.

Each import runs in a fresh interpreter (same interpreter, same environment, the repository as the
working directory), N times each, interleaved and rotated so that drift in the machine's load hits both alike.
Prints median and p90 wall time, their ratio, and the ten modules with the largest own import
time (``python -X importtime``) for information. A cold start pays at least this on every new
instance, so the ratio says how much the portal adds to the Functions library it cannot avoid.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO_ROOT, median, percentile, table

BARE = "python (no import)"
LIBRARY = "import azure.functions"
APP = "import function_app"
SNIPPETS = {BARE: "pass", LIBRARY: "import azure.functions", APP: "import function_app"}
COMPILED = ("function_app.py", "functions", "shared")  # what the deployment package compiles


@dataclass(frozen=True)
class ImportLine:
    module: str
    self_us: int
    cumulative_us: int


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--runs", type=int, default=15, help="fresh interpreters per import (default 15)")
    parser.add_argument("--top", type=int, default=10, help="modules to list from -X importtime (default 10)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    env = dict(os.environ)
    # The deployment package carries the app's bytecode (azure.yaml's prepackage hook compiles it, since a
    # Flex Consumption instance runs from a read-only package); compile it the same way, so that neither side
    # pays for compiling sources even where PYTHONDONTWRITEBYTECODE keeps imports from writing caches.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "checked-hash", *COMPILED],
        cwd=REPO_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for snippet in SNIPPETS.values():
        _run_once(snippet, env)
    timings: dict[str, list[float]] = {name: [] for name in SNIPPETS}
    names = list(SNIPPETS)
    for run in range(args.runs):
        # Rotated, so that none of them always runs right after the same neighbour.
        for name in names[run % len(names) :] + names[: run % len(names)]:
            timings[name].append(_run_once(SNIPPETS[name], env))

    print(f"Fresh interpreters: {sys.executable}, {args.runs} runs each, interleaved, cwd {REPO_ROOT}")
    print()
    rows: list[list[object]] = [["", "median ms", "p90 ms"]]
    for name, values in timings.items():
        rows.append([name, f"{median(values):.1f}", f"{percentile(values, 0.9):.1f}"])
    print(table(rows))
    print()
    library, app, bare = timings[LIBRARY], timings[APP], timings[BARE]
    print(f"ratio function_app/azure.functions, median: {median(app) / median(library):.2f}")
    print(f"ratio function_app/azure.functions, p90:    {percentile(app, 0.9) / percentile(library, 0.9):.2f}")
    own = median(app) - median(library)
    print(f"added by the portal's own imports (median difference): {own:.1f} ms")
    net_library, net_app = median(library) - median(bare), median(app) - median(bare)
    if net_library > 0:
        print(f"ratio without interpreter start-up, median:  {net_app / net_library:.2f}")

    lines = _import_times(env)
    if lines:
        print()
        print(f"Largest own import times of function_app (python -X importtime, one run), top {args.top}:")
        print()
        top = sorted(lines, key=lambda line: line.self_us, reverse=True)[: args.top]
        rows = [["module", "self ms", "cumulative ms"]]
        rows += [[line.module, f"{line.self_us / 1000:.1f}", f"{line.cumulative_us / 1000:.1f}"] for line in top]
        print(table(rows))
        total = next((line for line in lines if line.module == "function_app"), None)
        if total is not None:
            print()
            print(f"function_app cumulative (importtime): {total.cumulative_us / 1000:.1f} ms")
    return 0


def _run_once(snippet: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", snippet], cwd=REPO_ROOT, env=env, check=True, stdout=subprocess.DEVNULL, timeout=120
    )
    return (time.perf_counter() - started) * 1000


def _import_times(env: dict[str, str]) -> list[ImportLine]:
    finished = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import function_app"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    return parse_import_times(finished.stderr)


def parse_import_times(text: str) -> list[ImportLine]:
    """``import time:  self [us] | cumulative | imported package`` lines; the header is skipped."""
    lines = []
    for raw in text.splitlines():
        if not raw.startswith("import time:"):
            continue
        parts = raw.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        lines.append(ImportLine(parts[2].strip(), int(parts[0]), int(parts[1])))
    return lines


if __name__ == "__main__":
    sys.exit(main())
