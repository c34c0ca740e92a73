"""Redaction: the public version of a text with personal data replaced, and the record of what was replaced.

The original text is never changed; services store the ``Redaction`` records beside it, so the public
version can be rebuilt and every replacement traced to who made it, when and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import model_validator

from shared.domain.base import Instant, PortalModel
from shared.domain.errors import InvalidInput
from shared.domain.screening.flags import Flag, FlagState

Language = Literal["da", "en"]
PLACEHOLDERS: dict[Language, str] = {"da": "[fjernet: personoplysning]", "en": "[removed: personal data]"}


class Span(PortalModel):
    """Characters ``start`` up to ``end`` of a text (``text[start:end]``)."""

    start: int
    end: int

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if not 0 <= self.start < self.end:
            raise ValueError("a span needs 0 <= start < end")
        return self


class Redaction(PortalModel):
    span: Span
    reason: str  # the flag's kind ("cpr", "name", ...) or a caseworker's own words
    flag_id: str | None = None  # None for a span chosen by hand
    by: str  # the caseworker's subject
    at: Instant

    @classmethod
    def of_flag(cls, flag: Flag, text: str, by: str, at: datetime) -> Redaction:
        start, end = flag.span_in(text)
        return cls(span=Span(start=start, end=end), reason=flag.kind.value, flag_id=flag.id, by=by, at=at)


def merged_spans(spans: Iterable[Span | tuple[int, int]], text_length: int) -> list[Span]:
    """Spans checked against the text and merged where they overlap or touch, in text order.

    A span outside the text is refused (``InvalidInput`` on ``spans``) rather than clipped: it was chosen
    for another version of the text, and clipping it could leave personal data standing.
    """
    checked: list[tuple[int, int]] = []
    for span in spans:
        start, end = (span.start, span.end) if isinstance(span, Span) else span
        if not 0 <= start < end <= text_length:
            raise InvalidInput(f"span {start}-{end} is not within the text of {text_length} characters", field="spans")
        checked.append((start, end))
    merged: list[Span] = []
    for start, end in sorted(checked):
        if merged and start <= merged[-1].end:
            merged[-1] = Span(start=merged[-1].start, end=max(merged[-1].end, end))
        else:
            merged.append(Span(start=start, end=end))
    return merged


def redact(text: str, spans: Iterable[Span | tuple[int, int]], language: Language = "da") -> str:
    """``text`` with each (merged) span replaced by the placeholder; everything else as written."""
    placeholder = PLACEHOLDERS[language]
    parts: list[str] = []
    position = 0
    for span in merged_spans(spans, len(text)):
        parts += [text[position : span.start], placeholder]
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def redacted_spans(flags: Iterable[Flag], text: str) -> list[tuple[int, int]]:
    """Where the flags a caseworker chose to redact are (a flag with no known position covers the text)."""
    return [flag.span_in(text) for flag in flags if flag.state is FlagState.REDACTED and text]


def public_text(text: str, flags: Iterable[Flag], language: Language = "da") -> str:
    return redact(text, redacted_spans(flags, text), language)
