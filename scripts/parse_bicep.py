"""Fail when a Bicep template does not parse: checkov skips such a file with a warning, unchecked.

Run with the scanner's interpreter (make scan), so the parser is the one checkov itself uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pycep import BicepParser


def main(folder: str) -> int:
    parser = BicepParser()
    failures = 0
    paths = sorted(Path(folder).rglob("*.bicep"))
    for path in paths:
        try:
            parser.parse(file_path=path)
        except Exception as error:  # the parser raises lark's errors, whose types vary by version
            failures += 1
            print(f"{path}: does not parse: {str(error).splitlines()[0]}", file=sys.stderr)
    print(f"{len(paths) - failures} of {len(paths)} Bicep files parse")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "infra"))
