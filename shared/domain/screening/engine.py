"""screen(): every finder over one readable copy of the text, overlaps settled, flags in text order."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from shared.domain.screening.addresses import find_addresses
from shared.domain.screening.flags import Flag, FlagKind
from shared.domain.screening.identifiers import find_cpr_numbers, find_email_addresses, find_phone_numbers
from shared.domain.screening.lexicon import default_allowed_places, name_lexicon
from shared.domain.screening.names import find_names
from shared.domain.screening.text import readable

# Where two findings overlap, the more specific one wins: "anna.jensen@example.dk" is an e-mail address,
# not a name; "Peter Bangs Vej 3" is an address.
_PRECEDENCE = (FlagKind.CPR, FlagKind.EMAIL, FlagKind.PHONE, FlagKind.ADDRESS, FlagKind.BLACKLISTED, FlagKind.NAME)


def screen(text: str, *, blacklist: Iterable[str] = (), allow: Iterable[str] | None = None) -> list[Flag]:
    """The flags for ``text``, pure and deterministic (the same text gives the same flags, ids included).

    ``blacklist``: terms an admin wants flagged, matched case-insensitively as whole words (æ, ø and å are
    letters). ``allow``: phrases never flagged as a person's name; ``None`` means the default Copenhagen
    places and institutions, ``(*default_allowed_places(), "Mit Lokaludvalg")`` extends them.
    """
    copy = readable(text)
    allowed = tuple(default_allowed_places() if allow is None else allow)
    found: list[Flag] = [
        *find_cpr_numbers(copy),
        *find_email_addresses(copy),
        *find_phone_numbers(copy),
        *find_addresses(copy),
        *_find_terms(copy, tuple(blacklist)),
        *find_names(copy, name_lexicon(), _spans_of(copy, allowed)),
    ]
    return _settle_overlaps(found)


def _settle_overlaps(found: list[Flag]) -> list[Flag]:
    kept: list[Flag] = []
    for flag in sorted(found, key=lambda flag: (_PRECEDENCE.index(flag.kind), flag.start)):
        if not any(flag.start < other.end and other.start < _end(flag) for other in kept if other.end is not None):
            kept.append(flag)
    return sorted(kept, key=lambda flag: (flag.start, _PRECEDENCE.index(flag.kind)))


def _end(flag: Flag) -> int:
    assert flag.end is not None  # screening always knows where a finding is
    return flag.end


def _find_terms(copy: str, terms: tuple[str, ...]) -> list[Flag]:
    pattern = _phrase_pattern(terms)
    if pattern is None:
        return []
    return [
        Flag.found(FlagKind.BLACKLISTED, match.start(), match.end(), _mask_term(match.group(0)))
        for match in pattern.finditer(copy)
    ]


def _spans_of(copy: str, phrases: tuple[str, ...]) -> list[tuple[int, int]]:
    pattern = _phrase_pattern(phrases)
    return [] if pattern is None else [match.span() for match in pattern.finditer(copy)]


@lru_cache(maxsize=64)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """Whole words, any case, any run of spaces between words; longest phrase first so it wins."""
    cleaned = sorted({" ".join(phrase.split()) for phrase in phrases if phrase.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, phrase.split(" "))) for phrase in cleaned)
    # \w is Unicode-aware, so æ, ø and å are word characters: "rød" is not found inside "rødder".
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _mask_term(term: str) -> str:
    return term[:1] + "*" * (len(term) - 1)
