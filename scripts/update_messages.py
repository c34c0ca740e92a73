"""Extracts the web pages' texts into ``messages.pot`` and updates each language's ``messages.po`` from it.

``make messages`` runs it after a text is added or changed; translate the new entries in
``functions/webui/locale/da/LC_MESSAGES/messages.po`` (English is the source language: its catalogue stays
empty and shows the texts as written). A test fails while a Danish translation is missing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "functions" / "webui" / "locale"


def main() -> None:
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    template = LOCALE / "messages.pot"
    config = str(LOCALE.parent / "babel.cfg")
    sources = ["functions/webui", "functions/web.py"]
    extract = [pybabel, "extract", "-F", config, "-k", "_", "--no-location", "--sort-output", "-o", str(template)]
    subprocess.run([*extract, *sources], check=True, cwd=ROOT)
    for language in ("da", "en"):
        catalogue = LOCALE / language / "LC_MESSAGES" / "messages.po"
        command = "update" if catalogue.exists() else "init"
        options = ["--ignore-obsolete"] if command == "update" else []
        subprocess.run(
            [pybabel, command, "-i", str(template), "-d", str(LOCALE), "-l", language, "--no-wrap", *options],
            check=True,
        )


if __name__ == "__main__":
    main()
