"""Personal names: a lexicon of Danish first names and surnames plus the rules Danish letters follow.

What counts as a name:
- capitalised words after "jeg hedder", "mit navn er", "mvh", "venlig hilsen", "hilsen" and the like,
  whether the lexicon knows them or not (up to four words);
- after a title or a relation ("hr.", "fru", "min nabo", "borgmester"): words the lexicon knows;
- two or more capitalised words in a row that start with a first name (or initials) and go on with first
  names, surnames or "-sen" words: "Anna Jensen", "H.C. Hansen", "Lars Løkke Rasmussen";
- a first name on its own. The trade-off: a first name that is also a common word ("Bo", "Have", "Per")
  alone at the start of a sentence is read as the word; anywhere else a capital letter marks it a name.
  A surname alone ("Lund", "Skov", "Holm", "Møller") is not flagged: it is far more often a place, a
  street or a company than a person, and a person is nearly always named with a first name too.

What does not: names followed by a street or institution word ("Peter Bangs Vej", "Marie Kruses Skole",
"Niels Bohr Institutet") and anything on the allow-list ("Søren Kierkegaards Plads", "Valby").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from shared.domain.screening.flags import Flag, FlagKind
from shared.domain.screening.lexicon import NameLexicon
from shared.domain.screening.text import is_sentence_start

_UPPER = "A-ZÆØÅÉÜÖÄ"
_LOWER = "a-zæøåéüöäë"
_TOKEN = re.compile(
    rf"(?P<initials>[{_UPPER}]\.(?: ?[{_UPPER}]\.)*)|(?P<word>[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?)"
    rf"|(?P<other>[^\s{_UPPER}]+|\S)"
)
_TRIGGER = re.compile(
    r"(?:jeg hedder|mit navn er|vi hedder|vores navne er|mvh\.?|med venlig hilsen|venlig hilsen|venlige hilsner"
    r"|de bedste hilsner|bedste hilsner|mange hilsner|hilsen|kh\.?|vh\.?|skrevet af|på vegne af familien)"
    r"[\s,:.-]*$",
    re.IGNORECASE,
)
_TITLE = re.compile(
    r"(?:\bhr\.|\bfru|\bfrk\.|\bfamilien|\bnabo(?:en)?|\bgenbo(?:en)?|\bmand|\bkone|\bdatter|\bsøn|\bbarn|\bbørn"
    r"|\bkæreste|\bsamlever|\bmor|\bfar|\bmormor|\bmorfar|\bfarmor|\bfarfar|\bven(?:inde)?|\bkollega"
    r"|\bborgmester(?:en)?|\boverborgmester(?:en)?|\brådmand(?:en)?|\bbyrådsmedlem|\bpolitiker(?:en)?"
    r"|\bformand(?:en)?|\bdirektør(?:en)?|\bsagsbehandler(?:en)?|\bskoleleder(?:en)?|\blærer(?:en)?)"
    r" $",
    re.IGNORECASE,
)
# Capitalised words that are never a person on their own, even mid-sentence.
_NEVER_ALONE = frozenset({"De", "Dem", "Deres", "Din", "Dit", "Thi", "Van", "Le"})
_SURNAME_ENDINGS = ("sen", "søn", "gaard", "gård", "strup")
_MAX_AFTER_TRIGGER = 4
_GREETINGS = frozenset({"mvh", "hilsen", "kh", "vh", "knus"})


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    capitalised: bool
    initials: bool


def find_names(readable: str, lexicon: NameLexicon, allowed: Iterable[tuple[int, int]]) -> Iterator[Flag]:
    allowed_spans = list(allowed)
    for run in _capitalised_runs(readable):
        for start, end in _names_in_run(readable, run, lexicon):
            if any(start < allowed_end and allowed_start < end for allowed_start, allowed_end in allowed_spans):
                continue
            yield Flag.found(FlagKind.NAME, start, end, _mask(readable[start:end]))


def _capitalised_runs(readable: str) -> Iterator[list[_Token]]:
    """Capitalised words and initials standing next to each other, separated by single spaces."""
    run: list[_Token] = []
    for match in _TOKEN.finditer(readable):
        if match.lastgroup == "other":
            if run:
                yield run
            run = []
            continue
        token = _Token(match.group(0), match.start(), match.end(), True, match.lastgroup == "initials")
        if run and readable[run[-1].end : token.start] != " ":
            yield run
            run = []
        run.append(token)
    if run:
        yield run


def _names_in_run(readable: str, run: list[_Token], lexicon: NameLexicon) -> Iterator[tuple[int, int]]:
    # Drop place words and whatever leads up to them: "Peter Bangs Vej" is a street.
    run = _without_places(run, lexicon)
    if not run:
        return
    before = readable[max(0, run[0].start - 40) : run[0].start]
    if run[0].text.lower() in _GREETINGS:
        run, before = run[1:], "hilsen "  # "Mvh Anna Jensen": the greeting opened the run
        if not run:
            return
    if _TRIGGER.search(before):
        named = run[:_MAX_AFTER_TRIGGER]
        yield named[0].start, named[-1].end
        return
    if _TITLE.search(before):
        known = _leading_known(run, lexicon)
        if known:
            # "borgmester Sophie Hæstorp Andersen": once a known name starts, the capitalised words go with it.
            named = run[: max(len(known), min(len(run), _MAX_AFTER_TRIGGER))]
            yield named[0].start, named[-1].end
            return
    index = 0
    while index < len(run):
        length = _name_length_at(readable, run, index, lexicon)
        if length:
            yield run[index].start, run[index + length - 1].end
            index += length
        else:
            index += 1


def _name_length_at(readable: str, run: list[_Token], index: int, lexicon: NameLexicon) -> int:
    """How many tokens from ``index`` form a person's name (0: none starts here)."""
    first = run[index]
    if not (first.initials or _is_first(first.text, lexicon)):
        return 0
    length = 1
    while index + length < len(run):
        if _continues_name(run[index + length], lexicon):
            length += 1
        elif index + length + 1 < len(run) and _is_surname(run[index + length + 1].text, lexicon):
            length += 2  # an unknown middle name before a known surname: "Sophie Hæstorp Andersen"
        else:
            break
    if length >= 2:
        if first.initials and all(token.initials for token in run[index : index + length]):
            return 0
        return length
    if first.initials or first.text in _NEVER_ALONE:
        return 0
    alone_at_start = is_sentence_start(readable, first.start) and (
        first.text in lexicon.ambiguous or _base(first.text) in lexicon.ambiguous
    )
    return 0 if alone_at_start else 1


def _continues_name(token: _Token, lexicon: NameLexicon) -> bool:
    if token.initials:
        return True
    word = token.text
    return _is_first(word, lexicon) or _is_surname(word, lexicon) or _base(word).endswith(_SURNAME_ENDINGS)


def _leading_known(run: list[_Token], lexicon: NameLexicon) -> list[_Token]:
    known: list[_Token] = []
    for token in run[:3]:
        word = token.text
        if not (token.initials or _is_first(word, lexicon) or _is_surname(word, lexicon) or word.endswith("sen")):
            break
        known.append(token)
    return known


def _without_places(run: list[_Token], lexicon: NameLexicon) -> list[_Token]:
    for position, token in enumerate(run):
        if token.text in lexicon.place_words and position > 0:
            return run[position + 1 :]
    return run


def _is_first(word: str, lexicon: NameLexicon) -> bool:
    return any(all(lexicon.is_first_name(part) for part in form.split("-")) for form in _forms(word))  # "Anne-Marie"


def _is_surname(word: str, lexicon: NameLexicon) -> bool:
    return any(lexicon.is_surname(form) for form in _forms(word))


def _forms(word: str) -> tuple[str, ...]:
    """A name in the genitive ("Annas", "Jensens") is still the name; "Hans" and "Lars" are names as they are."""
    return (word, word[:-1]) if word.endswith("s") and len(word) > 3 else (word,)


def _base(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _mask(name: str) -> str:
    """Initials only: "Anna Jensen" becomes "A. J."."""
    return " ".join(f"{part[0]}." for part in re.split(r"[ .-]+", name) if part)
