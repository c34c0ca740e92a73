"""Street addresses with a house number: "Vesterbrogade 12, 2. th.", "Nørre Allé 7B, 2200 København N".

A street name alone ("langs Amagerbrogade") says where something is, not where someone lives, and is left
alone; it is the house number that points at a home.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from shared.domain.screening.flags import Flag, FlagKind

_UPPER = "A-ZÆØÅÉÜÖÄ"
_LETTER = "a-zæøåéüöäA-ZÆØÅÉÜÖÄ"
# The last word of a Danish street name: a compound ending like "-gade" or a word of its own like "Allé".
_STREET_ENDINGS = (
    "gade",
    "vej",
    "allé",
    "alle",
    "boulevard",
    "plads",
    "stræde",
    "torv",
    "vænge",
    "stien",
    "passage",
    "kaj",
    "brygge",
    "dige",
    "bakke",
    "vang",
    "toft",
    "have",
    "haven",
    "parken",
    "højen",
    "holmen",
    "lunden",
    "marken",
    "engen",
    "gården",
    "skrænten",
    "vænget",
    "ager",
    "løkke",
    "hegn",
    "tværvej",
    "bro",
    "kvarter",
    "stranden",
)
_STREET_END = (
    r"(?:[" + _UPPER + r"][" + _LETTER + r"-]*?(?:" + "|".join(_STREET_ENDINGS) + r")"
    r"|(?:" + "|".join(ending.capitalize() for ending in _STREET_ENDINGS) + r"|Kanal|Nytorv|Gammeltorv))"
)
# Up to three capitalised words before it ("Gammel Kongevej", "H.C. Andersens Boulevard", "Sankt Annæ Plads").
_LEADING = r"(?:(?:[" + _UPPER + r"][" + _LETTER + r".'-]*|[" + _UPPER + r"]\.(?:[" + _UPPER + r"]\.)*) ){0,3}"
_NUMBER = r"\d{1,3}(?: ?[A-Za-z](?![" + _LETTER + r"]))?"
_UNIT = r"(?:, ?| )(?:st\.?|kl\.?|\d{1,2}(?!\d)\.?(?: ?sal)?)(?:,? ?(?:th|tv|mf)\b\.?| ?\d{1,3}\b)?"
_POSTCODE = (
    r"(?:,? (?:DK-)?\d{4} ["
    + _UPPER
    + r"]["
    + _LETTER
    + r"]+(?: ["
    + _UPPER
    + r"]{1,2}\b| ["
    + _UPPER
    + r"][a-zæøå]+)?)"
)
_ADDRESS = re.compile(
    r"(?<!["
    + _LETTER
    + r"])"
    + _LEADING
    + _STREET_END
    + r" "
    + _NUMBER
    + r"(?!\d)(?![.,]\d)"
    + "(?:"
    + _UNIT
    + ")?"
    + _POSTCODE
    + "?"
)
# A number right after a street that is a quantity, not a house number: "langs Amagerbrogade 150 meter".
_QUANTITY_AFTER = re.compile(
    r" ?(?:m\b|meter|km|kilometer|cm|kr|kroner|%|procent|år|minutter|min\b|timer|biler|træer|pladser|p-pladser"
    r"|parkeringspladser|cykler|boliger|lejligheder|etager|gange|dage|uger|mio|stk|busser|huse|personer)",
    re.IGNORECASE,
)
# Capitalised words that may start a sentence before a street name but are never part of one.
_NOT_LEADING = frozenset(
    {
        "Til",
        "Fra",
        "På",
        "I",
        "Om",
        "Og",
        "Mod",
        "Over",
        "Langs",
        "Jeg",
        "Vi",
        "Vores",
        "Min",
        "Mit",
        "Adresse",
        "Adressen",
        "Bor",
        "Hos",
        "Nr",
        "Se",
        "Fx",
        "Både",
        "Eller",
        "Men",
        "Det",
        "Den",
        "Der",
        "Her",
        "Hjemme",
    }
)
# Compounds ending like a street that are not one.
_NOT_STREETS = frozenset({"Motorvej", "Cykelvej", "Omfartsvej", "Ringvej", "Lokalplan", "Busvej", "Indfaldsvej"})


def find_addresses(readable: str) -> Iterator[Flag]:
    for match in _ADDRESS.finditer(readable):
        start, end = match.start(), match.end()
        while (word := readable[start:end].split(" ", 1)[0]) in _NOT_LEADING:
            start += len(word) + 1  # "Til Vesterbrogade 12": the sentence's first word is not the street's
        if readable[start:end].split(" ", 1)[0] in _NOT_STREETS:
            continue
        if _QUANTITY_AFTER.match(readable, _end_of_number(readable, match)):
            continue
        while end > start and readable[end - 1] in ", ":
            end -= 1
        yield Flag.found(FlagKind.ADDRESS, start, end, _mask(readable[start:end]))


def _end_of_number(readable: str, match: re.Match[str]) -> int:
    number = re.compile(r"\d{1,3}").search(readable, match.start())
    return number.end() if number else match.end()


def _mask(address: str) -> str:
    """Keep the street, hide the number and everything after it: "Vesterbrogade XX"."""
    street = re.split(r" \d", address, maxsplit=1)[0]
    return f"{street} XX"
