"""The Danish name lexicon and the word lists that go with it, read once per process.

First names and surnames come from the table the ``dacy`` package ships (Danmarks Statistik 2021 for
Danish names, Meldgaard 2005 / University of Copenhagen for Muslim names given in Denmark). Only its data
file is read, found through the package's installed-file record, so none of dacy's heavy dependencies
(spaCy, transformers, pandas) are needed: it is installed with ``--no-deps``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path

_NAMES_FILE = "dacy/resources/lookup_tables/names.csv"
# Where the deployment package carries a copy of the table (scripts/package_screening_names.py).
PACKAGED_NAMES = Path(__file__).parent / "data" / "packaged" / "names.csv"
# Entries in the source table that are placeholders, not names.
_NOT_NAMES = frozenset({"Unavngivet", "Ukendt"})


@dataclass(frozen=True)
class NameLexicon:
    first_names: frozenset[str]
    surnames: frozenset[str]
    ambiguous: frozenset[str]  # names that are also ordinary words
    place_words: frozenset[str]  # "Vej", "Skole": the names before them are a place's

    def is_first_name(self, word: str) -> bool:
        return word in self.first_names

    def is_surname(self, word: str) -> bool:
        return word in self.surnames


@cache
def name_lexicon() -> NameLexicon:
    first: set[str] = set()
    last: set[str] = set()
    with _names_table().open(encoding="utf-8", newline="") as table:
        for row in csv.DictReader(table):
            name = row["name"].strip()
            if len(name) < 2 or name in _NOT_NAMES:
                continue  # one-letter entries are initials, handled on their own
            (first if row["first_name"] == "True" else last).add(name)
    return NameLexicon(
        first_names=frozenset(first),
        surnames=frozenset(last),
        ambiguous=frozenset(_words("ambiguous_names.txt")),
        place_words=frozenset(_words("place_words.txt")),
    )


@cache
def default_allowed_places() -> tuple[str, ...]:
    return tuple(_lines("allowed_places.txt"))


def _names_table() -> Path:
    return PACKAGED_NAMES if PACKAGED_NAMES.is_file() else installed_names_table()


def installed_names_table() -> Path:
    try:
        located = metadata.distribution("dacy").locate_file(_NAMES_FILE)
    except metadata.PackageNotFoundError:
        raise RuntimeError(
            "screening needs the Danish name lexicon from the dacy package: pip install --no-deps dacy==2.9.0"
        ) from None
    path = Path(str(located))
    if not path.is_file():
        raise RuntimeError(f"the dacy package is installed without its name table ({_NAMES_FILE})")
    return path


def _lines(filename: str) -> list[str]:
    text = resources.files("shared.domain.screening").joinpath("data", filename).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _words(filename: str) -> list[str]:
    return [word for line in _lines(filename) for word in line.split()]
