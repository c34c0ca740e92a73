"""A response's original text cut into pieces for the moderation console: plain text, each flag's span to
be shown in a ``<mark>`` with the flag's kind as text a screen reader reads, and each span removed by hand.

Only the moderation pages use this, on the text ``read_original`` handed out (that read is audited).
A CPR number is never shown in full, not even to the caseworker: its piece carries the flag's masked
excerpt, which is enough to redact it, the only decision it allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.redaction import Redaction
from shared.domain.screening.flags import Flag, FlagKind


@dataclass(frozen=True)
class Piece:
    text: str
    flag: Flag | None = None
    removed: bool = False  # removed by hand: not published


def pieces(text: str, flags: list[Flag], redactions: list[Redaction] | None = None) -> list[Piece]:
    """``text`` in order, each flag's span and each span removed by hand its own piece. A span overlapping
    an earlier one is not marked a second time (the flag stays in the list of flags)."""
    marks: list[tuple[int, int, Flag | None]] = []
    for flag in flags:
        start, end = flag.span_in(text)  # a flag stored before positions covers the whole text
        marks.append((start, end, flag))
    for redaction in redactions or []:
        if redaction.flag_id is None:
            marks.append((redaction.span.start, redaction.span.end, None))
    found: list[Piece] = []
    at = 0
    # The longer of two marks starting together wins: an e-mail address covers the name in it.
    for start, end, marked in sorted(marks, key=lambda mark: (mark[0], -mark[1])):
        if start < at or end > len(text) or start >= end:
            continue
        if start > at:
            found.append(Piece(text[at:start]))
        if marked is None:
            found.append(Piece(text[start:end], removed=True))
        else:
            found.append(Piece(marked.excerpt if marked.kind is FlagKind.CPR else text[start:end], marked))
        at = end
    if at < len(text):
        found.append(Piece(text[at:]))
    return found


def occurrences(text: str, passage: str) -> list[tuple[int, int]]:
    """Where ``passage`` stands in ``text``, every time, not overlapping: what a caseworker asked to remove."""
    spans: list[tuple[int, int]] = []
    if not passage:
        return spans
    start = text.find(passage)
    while start != -1:
        spans.append((start, start + len(passage)))
        start = text.find(passage, start + len(passage))
    return spans
