"""What a text a caller sends may hold: no control characters, and numbers written in ASCII digits.

A NUL or a lone surrogate cannot be stored or shown; a CR or LF in a one-line field (a title, a place,
a link) breaks the calendar file, mail header or page it is written into. Multi-line texts keep their
line breaks and tabs.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator

# What a multi-line text may hold besides printable characters.
_TEXT_CONTROLS = frozenset("\n\r\t")
# Control characters (Cc) and lone surrogates (Cs, which JSON's \ud800 escapes make).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})
# Characters that show nothing by themselves: a text of only these says nothing.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})


# The same characters as one pattern: checked on every text of every request, and a regular expression
# scans 50,000 characters in microseconds where a category lookup per character takes milliseconds.
_REFUSED_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_REFUSED_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(value: str, *, multiline: bool = True) -> str | None:
    """The first character a text may not hold, or None."""
    found = (_REFUSED_IN_TEXT if multiline else _REFUSED_IN_LINE).search(value)
    return found.group() if found is not None else None


def refuse_control_characters(value: str, *, multiline: bool = True) -> str:
    found = control_character(value, multiline=multiline)
    if found is not None:
        if found in _TEXT_CONTROLS:
            raise ValueError("must be on one line: remove the line break or tab")
        raise ValueError(f"must not hold the control character U+{ord(found):04X}")
    return value


def refuse_controls_in(value: Any) -> Any:
    """Every text in a value (lists and mappings of texts too) free of control characters but line breaks."""
    if isinstance(value, str):
        refuse_control_characters(value)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            refuse_controls_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_controls_in(key)
            refuse_controls_in(item)
    return value


def _one_line(value: str) -> str:
    return refuse_control_characters(value, multiline=False)


def _visible(value: str) -> str:
    if not any(unicodedata.category(char) not in _INVISIBLE_CATEGORIES for char in value):
        raise ValueError("must hold visible text")
    return value


OneLine = Annotated[str, AfterValidator(_one_line)]
"""A text on one line: no line break, tab or other control character."""

VisibleText = Annotated[str, AfterValidator(_visible)]
"""A text with at least one visible character, not only spaces or invisible marks."""

VisibleLine = Annotated[str, AfterValidator(_one_line), AfterValidator(_visible)]
"""A one-line text with at least one visible character: a title."""


def without_controls(value: str, *, multiline: bool = True) -> str:
    """A stored text made safe to write out: control characters become spaces (line breaks stay in a multi-line one)."""
    allowed = _TEXT_CONTROLS if multiline else frozenset()
    return "".join(
        " " if unicodedata.category(char) in _REFUSED_CATEGORIES and char not in allowed else char for char in value
    )


MAX_NUMBER_DIGITS = 9


def whole_number(text: str, *, max_digits: int = MAX_NUMBER_DIGITS) -> int | None:
    """A non-negative whole number written in ASCII digits, or None. ``str.isdigit`` alone takes "²" and
    Arabic-Indic digits, which ``int`` then refuses or reads, and a 5,000-digit number ``int`` refuses too."""
    text = text.strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
