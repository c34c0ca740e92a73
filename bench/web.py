"""Server time of the web's hearing page beside the API's answer for the same hearing, in one run.

Both are the real HTTP functions called in-process (``func.HttpRequest`` in, ``func.HttpResponse`` out)
over the same SQLite store with the demo data: ``GET /api/hearings/{id}`` and ``GET /api/hearings/{id}/responses``
(what a JavaScript front end would need) against ``GET /hoeringer/{id}`` (both reads plus rendering).
Interleaved rounds, so drift in the machine's load hits both alike. Prints medians, p90 and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import azure.functions as func

from bench.common import median, percentile, table
from functions import hearings as hearing_functions
from functions import responses as response_functions
from functions import web
from local_host.demo_data import seed
from shared import bootstrap
from tests.fakes import Portal

HEARING = "demo-active"


def _request(url: str, route: dict[str, str]) -> func.HttpRequest:
    return func.HttpRequest("GET", url, headers={}, params={}, route_params=route, body=b"")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--rounds", type=int, default=300)
    rounds = parser.parse_args(argv).rounds
    portal = Portal.start()
    deps = portal.dependencies()
    seed(deps)
    bootstrap.override(deps)
    route = {"hearing_id": HEARING}
    api_hearing = _request(f"http://localhost/api/hearings/{HEARING}", route)
    api_responses = _request(f"http://localhost/api/hearings/{HEARING}/responses", route)
    page = _request(f"http://localhost/hoeringer/{HEARING}", route)

    def api() -> None:
        assert hearing_functions.get_hearing(api_hearing).status_code == 200
        assert response_functions.list_responses(api_responses).status_code == 200

    def html() -> None:
        assert web.hearing_page(page).status_code == 200

    timings: dict[str, list[float]] = {"API: hearing + responses (JSON)": [], "web: hearing page (HTML)": []}
    runs = list(zip(timings, (api, html), strict=True))
    for run in (api, html):  # warm: templates compiled, catalogue read
        run()
    for index in range(rounds):
        for name, run in runs if index % 2 == 0 else runs[::-1]:
            started = time.perf_counter()
            run()
            timings[name].append((time.perf_counter() - started) * 1000)
    baseline = median(next(iter(timings.values())))
    rows: list[list[object]] = [["", "median ms", "p90 ms", "× API"]]
    for name, values in timings.items():
        rows.append(
            [name, f"{median(values):.2f}", f"{percentile(values, 0.9):.2f}", f"{median(values) / baseline:.2f}"]
        )
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
