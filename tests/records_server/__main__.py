"""Run the records test server.

python -m tests.records_server --port P --state DIR --client-id ID --client-secret S --user jdoe --template 101
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from tests.records_server.app import State, create_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--user", action="append", default=[])
    parser.add_argument("--template", type=int, action="append", default=[])
    args = parser.parse_args()
    state = State(args.state, args.client_id, args.client_secret, args.user, args.template)
    uvicorn.run(create_app(state), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
