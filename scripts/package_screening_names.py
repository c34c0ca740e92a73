"""Copy the Danish name table from the installed dacy package into the deployment package.

Azure's build installs requirements.txt only, and dacy cannot be listed there (it would bring spaCy and
transformers along), so the table screening reads travels inside the package instead, generated beside the
screening code by ``make package-prepare`` (azure.yaml's prepackage hook) and never committed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.domain.screening.lexicon import PACKAGED_NAMES, installed_names_table  # noqa: E402


def main() -> int:
    PACKAGED_NAMES.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(installed_names_table(), PACKAGED_NAMES)
    print(f"name table packaged at {PACKAGED_NAMES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
