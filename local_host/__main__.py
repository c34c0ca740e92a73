"""``python -m local_host run``: the function app on http://localhost:7071 without Core Tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from local_host.host import Options, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_host", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("run", help="run the function app locally")
    start.add_argument("--port", type=int, default=7071)
    start.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    start.add_argument("--app", default="function_app", help="module defining the FunctionApp")
    start.add_argument("--settings", type=Path, help="settings file (default: local.settings.json, else the sample)")
    start.add_argument("--root", type=Path, default=Path("."), help="folder with host.json and the settings files")
    start.add_argument("--seed", action="store_true", help="load the demo data at startup")
    start.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="the host's log level"
    )
    start.add_argument(
        "--traces",
        help="where traces and metrics go: memory (GET /admin/traces, the default), console, otlp, "
        "several separated by commas, or none",
    )
    start.add_argument(
        "--group",
        choices=["all", "intake", "workers"],
        help="which functions this host runs, as the two apps in Azure do: intake (HTTP, uploads), workers "
        "(queues, timers) or all (the default, or PORTAL_FUNCTION_GROUP); an intake and a workers host may share "
        "one data folder",
    )
    args = parser.parse_args(argv)
    options = Options(
        port=args.port,
        host=args.host,
        app=args.app,
        settings=args.settings,
        seed=args.seed,
        root=args.root,
        log_level=args.log_level,
        traces=args.traces,
        group=args.group,
    )
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
