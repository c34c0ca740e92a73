"""Precision and recall of screening per kind, against the labelled Danish set in tests/data."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shared.domain.screening import Flag, FlagKind, screen

LABELLED = Path(__file__).parent / "data" / "screening_labelled.jsonl"
# The terms an admin would have listed for the labelled set.
BLACKLIST = ("idiot", "idioter", "svindler", "svindlere", "korruption")


@dataclass(frozen=True)
class Labelled:
    text: str
    spans: tuple[tuple[FlagKind, int, int], ...]


@dataclass
class Score:
    predicted: int = 0
    predicted_right: int = 0  # overlaps an expected span of the same kind
    expected: int = 0
    expected_found: int = 0  # overlapped by a flag of the same kind
    exact: int = 0  # found with exactly the expected start and end
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.predicted_right / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.expected_found / self.expected if self.expected else 1.0


def labelled_set() -> list[Labelled]:
    items = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text = record["text"]
        spans = []
        for span in record["spans"]:
            assert text[span["start"] : span["end"]] == span["value"], f"span out of step: {span}"
            spans.append((FlagKind(span["kind"]), span["start"], span["end"]))
        items.append(Labelled(text, tuple(spans)))
    return items


def score(items: Iterable[Labelled]) -> dict[FlagKind, Score]:
    scores = {kind: Score() for kind in FlagKind}
    for item in items:
        flags = screen(item.text, blacklist=BLACKLIST)
        _score_one(item, flags, scores)
    return scores


def _score_one(item: Labelled, flags: list[Flag], scores: dict[FlagKind, Score]) -> None:
    def overlaps(flag: Flag, start: int, end: int) -> bool:
        return flag.end is not None and flag.start < end and start < flag.end

    for flag in flags:
        entry = scores[flag.kind]
        entry.predicted += 1
        if any(kind is flag.kind and overlaps(flag, start, end) for kind, start, end in item.spans):
            entry.predicted_right += 1
        else:
            entry.false_alarms.append(f"{item.text[flag.start : flag.end]!r} in {item.text!r}")
    for kind, start, end in item.spans:
        entry = scores[kind]
        entry.expected += 1
        matching = [flag for flag in flags if flag.kind is kind and overlaps(flag, start, end)]
        if matching:
            entry.expected_found += 1
            entry.exact += any((flag.start, flag.end) == (start, end) for flag in matching)
        else:
            entry.misses.append(f"{item.text[start:end]!r} in {item.text!r}")
