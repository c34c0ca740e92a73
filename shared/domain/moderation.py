"""What a caseworker records about a response, and the spans its public version replaces.

The original text is never changed. The public version is rebuilt from it on every read: the flags a
caseworker redacted, the spans redacted by hand, and, whatever anyone decided, every CPR number and
every e-mail address screening finds in it now that no caseworker accepted (a flag stored by an older
screening, or none at all, must not let one through).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from shared.domain.base import InputModel, Instant, PortalModel
from shared.domain.errors import FieldProblem
from shared.domain.redaction import Language, Redaction, Span, merged_spans, redact
from shared.domain.screening.flags import Flag, FlagKind, FlagState
from shared.domain.screening.identifiers import find_cpr_numbers, find_email_addresses
from shared.domain.screening.text import readable

REASON_LENGTH = 2000


class CaseworkerNotes(PortalModel):
    """Kept from the public and from the respondent; part of what is journalised."""

    note: str | None = None  # internal
    summary: str | None = None  # resumé, for the hearing memo
    assessment: str | None = None  # vurdering, for the hearing memo
    by: str
    at: Instant


class NotesChange(InputModel):
    note: str | None = Field(default=None, max_length=10_000)
    summary: str | None = Field(default=None, max_length=10_000)
    assessment: str | None = Field(default=None, max_length=10_000)


def public_spans(text: str, flags: Iterable[Flag], redactions: Iterable[Redaction]) -> list[Span]:
    """Every span the public version replaces, merged."""
    flags = list(flags)
    spans: list[tuple[int, int]] = [flag.span_in(text) for flag in flags if flag.state is FlagState.REDACTED]
    spans += [(r.span.start, r.span.end) for r in redactions if r.span.end <= len(text)]
    accepted = {flag.span_in(text) for flag in flags if flag.state is FlagState.ACCEPTED}
    copy = readable(text)
    for found in find_cpr_numbers(copy):
        spans.append(found.span_in(text))  # never published, whatever was decided
    for found in find_email_addresses(copy):
        span = found.span_in(text)
        if not any(start <= span[0] and span[1] <= end for start, end in accepted):
            spans.append(span)
    return merged_spans([span for span in spans if span[0] < span[1]], len(text)) if text else []


def public_version(text: str, flags: Iterable[Flag], redactions: Iterable[Redaction], language: Language) -> str:
    return redact(text, public_spans(text, flags, redactions), language)


def covered(flag: Flag, spans: Iterable[Span], text: str) -> bool:
    start, end = flag.span_in(text)
    return any(span.start <= start and end <= span.end for span in spans)


def open_flag_problems(flags: Iterable[Flag], prefix: str = "") -> list[FieldProblem]:
    """One problem per open flag, each naming the flag, so a client can show them beside the text."""
    return [
        FieldProblem(f"{prefix}flags[{flag.id}]", f"the {flag.kind.value} flag is open: accept or redact it")
        for flag in flags
        if flag.is_open
    ]


def kinds_of(flags: Iterable[Flag]) -> list[str]:
    return sorted({flag.kind.value for flag in flags})


def is_cpr(flag: Flag) -> bool:
    return flag.kind is FlagKind.CPR
