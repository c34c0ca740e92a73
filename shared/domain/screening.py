"""Personal-data screening of response texts before a caseworker may publish them."""

from __future__ import annotations

import re
import unicodedata

from shared.domain.base import PortalModel
from shared.domain.danish_ids import normalise_cpr
from shared.domain.invitation import InviteeKind, mask

# Ten digits, optionally split 6-4 by a dash or spaces, not part of a longer number. The text is
# normalised first, so en dashes, non-breaking hyphens and non-breaking spaces count as separators.
_CPR = re.compile(r"(?<!\d)(\d{6})\s*-?\s*(\d{4})(?!\d)")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


class Flag(PortalModel):
    kind: str  # "cpr" or "email"
    excerpt: str  # masked, never the personal data itself
    cleared: bool = False


def screen(text: str) -> list[Flag]:
    normalised = unicodedata.normalize("NFKC", text).translate(_DASHES)
    flags: list[Flag] = []
    for match in _CPR.finditer(normalised):
        try:
            cpr = normalise_cpr(match.group(1) + match.group(2))
        except ValueError:
            continue  # ten digits that cannot be a CPR number (no valid date of birth)
        flags.append(Flag(kind="cpr", excerpt=mask(InviteeKind.CPR, cpr)))
    for match in _EMAIL.finditer(normalised):
        flags.append(Flag(kind="email", excerpt=mask(InviteeKind.EMAIL, match.group(0))))
    return flags
