"""One response as its owner's export shows it: the text as it would be published, never personal data.

Both export formats render these rows, so what may appear in an export is decided here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shared.domain.base import COPENHAGEN
from shared.domain.danish_ids import normalise_cpr
from shared.domain.response import Response, ResponseStatus
from shared.domain.screening import screen
from shared.domain.screening.flags import FlagKind, FlagState

MASK = "[fjernet: personoplysning]"

STATUS_LABELS: dict[ResponseStatus, str] = {
    ResponseStatus.SUBMITTED: "Modtaget",
    ResponseStatus.AWAITING_REVIEW: "Afventer behandling",
    ResponseStatus.APPROVED: "Godkendt",
    ResponseStatus.DECLINED: "Afvist",
    ResponseStatus.WITHDRAWN: "Trukket tilbage",
}

# The last line of defence below masks what the screening reports with a position, and also what
# these two small patterns find, so a flag cleared by mistake, an old flag without a position or a
# screening engine that missed a format still lets no CPR number or e-mail address into an export.
_MASKED_KINDS = frozenset({"cpr", "email"})
_CPR_LIKE = re.compile(r"(?<!\d)(\d{6})[ \t\u00a0]*[-.\u2010-\u2015\u2212\ufe63\uff0d]?[ \t\u00a0]*(\d{4})(?!\d)")
_EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class ExportRow:
    number: int
    received_local: datetime  # Copenhagen wall clock, without tzinfo (what a spreadsheet shows)
    author: str
    status: str
    flags: str
    campaign_group: str  # empty unless the response is in a campaign (a group of at least two)
    text: str


def export_row(response: Response, position: int, campaign_group: str | None = None) -> ExportRow:
    """``position`` is the response's place in order of receipt, shown until screening has numbered it.

    ``campaign_group`` is the campaign the response is in, as ``campaigns.campaign_memberships`` tells it:
    the group id stored on the response is set for every screened response, also one alone in its group.
    """
    return ExportRow(
        number=response.number if response.number is not None else position,
        received_local=response.received_at.astimezone(COPENHAGEN).replace(tzinfo=None),
        author=response.respondent.public_author(),
        status=STATUS_LABELS.get(response.status, response.status.value),
        flags=flag_summary(response),
        campaign_group=campaign_group or "",
        text=masked(published_text(response)),
    )


def published_text(response: Response) -> str:
    """The text as the public would read it: every redacted flag replaced."""
    return response.public_text()


# The exports are in Danish, as their headings are: the flags in the moderation console's words.
FLAG_KINDS: dict[FlagKind, str] = {
    FlagKind.CPR: "CPR-nummer",
    FlagKind.EMAIL: "e-mailadresse",
    FlagKind.PHONE: "telefonnummer",
    FlagKind.NAME: "navn",
    FlagKind.ADDRESS: "adresse",
    FlagKind.BLACKLISTED: "ord på sortlisten",
}
FLAG_STATES: dict[FlagState, str] = {
    FlagState.OPEN: "ikke afgjort",
    FlagState.ACCEPTED: "godkendt",
    FlagState.REDACTED: "anonymiseret",
}


def flag_summary(response: Response) -> str:
    """Kinds and states only ("CPR-nummer: anonymiseret, e-mailadresse: ikke afgjort"); never the flagged value."""
    return ", ".join(
        f"{FLAG_KINDS.get(flag.kind, flag.kind.value)}: {FLAG_STATES.get(flag.state, flag.state.value)}"
        for flag in response.flags
    )


def masked(text: str) -> str:
    spans = sorted(_positions_from_screening(text) + _pattern_spans(text))
    if not spans:
        return text
    parts: list[str] = []
    done = 0
    for start, end in spans:
        if end <= done:
            continue  # inside a span already masked
        if start >= done:
            parts.append(text[done:start])
            parts.append(MASK)
        done = end
    parts.append(text[done:])
    return "".join(parts)


def _positions_from_screening(text: str) -> list[tuple[int, int]]:
    spans = []
    for flag in screen(text):
        start, end = flag.start, flag.end if flag.end is not None else len(text)
        if flag.kind in _MASKED_KINDS and 0 <= start < end:
            spans.append((start, min(end, len(text))))
    return spans


def _pattern_spans(text: str) -> list[tuple[int, int]]:
    spans = [match.span() for match in _EMAIL_LIKE.finditer(text)]
    for match in _CPR_LIKE.finditer(text):
        digits = "".join(str(int(digit)) for digit in match.group(1) + match.group(2))  # also full-width digits
        try:
            normalise_cpr(digits)
        except ValueError:
            continue  # ten digits that cannot be a CPR number (no valid date of birth)
        spans.append(match.span())
    return spans
