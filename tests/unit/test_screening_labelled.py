"""Screening measured on a labelled set of Danish hearing responses (tests/data/screening_labelled.jsonl).

Thresholds: a CPR number or an e-mail address that slips through is published, so recall must be 1.0 and
a false alarm costs a caseworker one click (precision >= 0.98). Phone numbers and addresses follow fixed
Danish formats (>= 0.95). Names are open-ended and the set was written by the people who wrote the rules,
so the bar leaves room for what a new text will bring (>= 0.85).
"""

from __future__ import annotations

import pytest

from shared.domain.redaction import public_text
from shared.domain.screening import FlagKind, FlagState, screen
from tests.screening_scores import labelled_set, score

THRESHOLDS = {  # kind: (precision, recall)
    FlagKind.CPR: (0.98, 1.0),
    FlagKind.EMAIL: (0.98, 1.0),
    FlagKind.PHONE: (0.95, 0.95),
    FlagKind.ADDRESS: (0.95, 0.95),
    FlagKind.NAME: (0.85, 0.85),
    FlagKind.BLACKLISTED: (1.0, 1.0),
}


@pytest.fixture(scope="module")
def scores():
    return score(labelled_set())


def test_the_labelled_set_is_large_and_mixed() -> None:
    items = labelled_set()

    assert len(items) >= 200
    assert sum(1 for item in items if not item.spans) >= 100  # texts with nothing personal, tricky ones included
    kinds = {kind for item in items for kind, _, _ in item.spans}
    assert kinds == set(FlagKind)


@pytest.mark.parametrize("kind", list(FlagKind), ids=[kind.value for kind in FlagKind])
def test_precision_and_recall_per_kind(scores, kind: FlagKind) -> None:
    entry = scores[kind]
    precision, recall = THRESHOLDS[kind]

    assert entry.expected > 0
    assert entry.precision >= precision, entry.false_alarms
    assert entry.recall >= recall, entry.misses


def test_the_reported_response_is_flagged_exactly_and_redacted_completely() -> None:
    text = "Mit CPR er 010190-1234 og min mail er anna@example.dk"

    flags = screen(text)

    assert [(flag.kind, text[flag.start : flag.end]) for flag in flags] == [
        (FlagKind.CPR, "010190-1234"),
        (FlagKind.EMAIL, "anna@example.dk"),
    ]
    for flag in flags:
        flag.state = FlagState.REDACTED
    public = public_text(text, flags)
    assert public == "Mit CPR er [fjernet: personoplysning] og min mail er [fjernet: personoplysning]"
    assert not any(run in public for run in ("010190", "1234", "0101901234")) and "@" not in public
