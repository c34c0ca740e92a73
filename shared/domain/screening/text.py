"""A copy of the text the patterns can read, character for character, so offsets stay those of the original."""

from __future__ import annotations

import unicodedata

# Word processors and phones turn "-" into en dashes, non-breaking hyphens and the like, and spaces into
# non-breaking or thin spaces; a pattern should not care which.
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_SPACES = frozenset("\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u205f\u3000\t")


def readable(text: str) -> str:
    """Same length as ``text``: dashes become "-", odd spaces " ", other characters their NFKC form where
    that is a single character (full-width digits, ligature-free letters), otherwise themselves."""
    if text.isascii():
        return text  # the common case costs nothing
    return "".join(_readable_char(char) for char in text)


def _readable_char(char: str) -> str:
    if char.isascii():
        return char
    if char in _DASHES:
        return "-"
    if char in _SPACES:
        return " "
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def is_sentence_start(text: str, index: int) -> bool:
    """True when only spaces, quotes or a bullet stand between ``index`` and the start of the text, a line
    break or the end of a sentence."""
    position = index - 1
    while position >= 0 and text[position] in " \"'«»“”‘’([-*•":
        position -= 1
    return position < 0 or text[position] in ".!?:\n\r"
