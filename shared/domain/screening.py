"""Personal-data screening of response texts before a caseworker may publish them."""

from __future__ import annotations

import re
from datetime import date

from shared.domain.base import PortalModel

# Ten digits, optionally split 6-4 by a hyphen or space, not part of a longer number.
_CPR = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[- ]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


class Flag(PortalModel):
    kind: str  # "cpr" or "email"
    excerpt: str  # masked, never the personal data itself
    cleared: bool = False


def screen(text: str) -> list[Flag]:
    flags: list[Flag] = []
    for match in _CPR.finditer(text):
        day, month, year = (int(part) for part in match.groups()[:3])
        if _is_date(day, month, year):
            flags.append(Flag(kind="cpr", excerpt=f"{match.group(1)}{match.group(2)}{match.group(3)}-XXXX"))
    for match in _EMAIL.finditer(text):
        local, _, domain = match.group(0).partition("@")
        flags.append(Flag(kind="email", excerpt=f"{local[:1]}***@{domain}"))
    return flags


def _is_date(day: int, month: int, year: int) -> bool:
    try:
        date(2000 + year, month, day)
    except ValueError:
        return False
    return True
