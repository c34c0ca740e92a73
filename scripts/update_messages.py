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
    sources = ["functions/webui", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "functions").glob("web*.py"))]
    keywords = ["-k", "_", "-k", "N_"]
    extract = [pybabel, "extract", "-F", config, *keywords, "--no-location", "--sort-output", "-o", str(template)]
    subprocess.run([*extract, *sources], check=True, cwd=ROOT)
    for language in ("da", "en"):
        catalogue = LOCALE / language / "LC_MESSAGES" / "messages.po"
        command = "update" if catalogue.exists() else "init"
        # No fuzzy matching: a guessed translation of a similar text is worse than none, and is not shown.
        options = ["--ignore-obsolete", "--no-fuzzy-matching"] if command == "update" else []
        subprocess.run(
            [pybabel, command, "-i", str(template), "-d", str(LOCALE), "-l", language, "--no-wrap", *options],
            check=True,
        )
    for generated in (template, *LOCALE.glob("*/LC_MESSAGES/messages.po")):
        _without_creation_date(generated)


def _without_creation_date(path: Path) -> None:
    """A fixed creation date: the catalogues change only when a text does, so branches merge cleanly."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    fixed = [
        '"POT-Creation-Date: 2026-01-01 00:00+0000\\n"\n' if line.startswith('"POT-Creation-Date:') else line
        for line in lines
    ]
    path.write_text("".join(fixed), encoding="utf-8")


if __name__ == "__main__":
    main()
