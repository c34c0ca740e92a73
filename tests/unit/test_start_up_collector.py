"""Indexing pauses the garbage collector (``function_app``); the app must hand it back running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import gc
import function_app
print(gc.isenabled(), gc.get_freeze_count() > 0, len(function_app.app.get_functions()) > 0)
"""


def test_the_function_app_leaves_the_garbage_collector_running_after_indexing() -> None:
    # A fresh interpreter: in this one the app may already have been imported by another test.
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
    )

    assert done.stdout.split() == ["True", "True", "True"]
