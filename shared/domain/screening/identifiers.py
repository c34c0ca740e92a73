"""CPR numbers, e-mail addresses and Danish phone numbers: patterns with the context that tells them apart."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date

from shared.domain.danish_ids import normalise_cpr
from shared.domain.screening.flags import Flag, FlagKind

# DDMMYY then SSSS: the date may be written with spaces, dots, dashes or slashes (consistently), the serial
# after a dash, dot, slash or nothing, with spaces or a line break around (a number wrapped at the end of a
# line is still one number); never part of a longer number.
_CPR = re.compile(
    r"(?<!\d)(?<!\d[-./])(\d{2})([ .\-/]?)(\d{2})\2(\d{2})(\s{0,3}[-./]?\s{0,3})(\d{4})(?!\d)(?![-.,/]\d)", re.ASCII
)
# The same ten digits typed one at a time, each after a space, dot or dash ("0 1 0 1 9 0 - 1 2 3 4"), a
# way to slip a number past a pattern that looks for runs of digits; never part of a longer such run.
_CPR_DIGIT_BY_DIGIT = re.compile(
    r"(?<!\d)(?<!\d[ .\-])(\d(?:[ .\-]\d){5})(\s{0,3}[-./]?\s{0,3})(\d(?:[ .\-]\d){3})(?![ .\-]?\d)", re.ASCII
)
# Characters that show as nothing (zero-width spaces and joiners, soft hyphens): typed between the digits
# they hide a number from the pattern, so the number is looked for once more without them.
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
# Eight digits as Danes write them: 12345678, 12 34 56 78, 1234 5678, 123 45 678, optionally after +45 or 0045.
# Subscriber numbers start with 2-9; numbers starting with 0 or 1 are not phone numbers.
_PHONE = re.compile(
    r"(?<![\d+])(?<!\d[ .-])(?P<prefix>(?:\+|00) ?45[ -]?)?"
    r"(?P<number>[2-9]\d{7}|[2-9]\d(?:[ .-]\d{2}){3}|[2-9]\d{3} \d{4}|[2-9]\d{2} \d{2} \d{3})"
    r"(?!\d)(?![ .-]\d)",
    re.ASCII,
)
_EMAIL = re.compile(
    r"(?<![\w.+-])(?P<local>[\w.+-]*\w)(?:@|\s?[(\[](?:at|snabel-a)[)\]]\s?)"
    r"(?P<domain>(?:[\w-]+\.)+[A-Za-z]{2,})(?![\w-])"
)

# Words that, just before a number, say it is an account, case or company number rather than personal data.
# "konto" only as a word of its own or at the end of one ("bankkonto"), not in "ejendomskontoret".
_REFERENCE_CONTEXT = re.compile(
    r"(?:konto(?:nr|nummer)?\b|(?:reg\.?\s?nr|registreringsnummer|ean|cvr|se-nr|p-nr|sags?nr|sagsnummer|journalnr"
    r"|j\.\s?nr|faktura|ordre|matr|kunde|medlems|abonnements|lokalplan|sag|bilag|ref)\w*)\W{0,4}(?:nummer|nr\.?)?\W{0,3}$",
    re.IGNORECASE,
)
_CPR_CONTEXT = re.compile(r"cpr|person\s?n(?:umme)?r|personnummer|fødselsdato", re.IGNORECASE)
_PHONE_CONTEXT = re.compile(
    r"(?:tlf|telefon|mobil|ring|sms|opkald|kontakt|nummer|nr)\w*\.?(?:\W+\w{1,4}){0,3}\W*$", re.IGNORECASE
)
_AMOUNT_AFTER = re.compile(r"\s?(?:kr\b|kroner|dkk|,-|mio|mia|%|procent|m2|m²|kvm|euro|€|stk)", re.IGNORECASE)
_CONTEXT_WIDTH = 30


def find_cpr_numbers(readable: str) -> Iterator[Flag]:
    readable = _ascii_digits(readable)
    yield from _cpr_numbers(readable)
    if _INVISIBLE.search(readable) is None:
        return
    kept = [index for index, char in enumerate(readable) if _INVISIBLE.fullmatch(char) is None]
    for flag in _cpr_numbers("".join(readable[index] for index in kept)):
        assert flag.end is not None  # a pattern's finding has an end
        # Found in the copy without the invisible characters: its place in the text itself.
        yield Flag.found(FlagKind.CPR, kept[flag.start], kept[flag.end - 1] + 1, flag.excerpt)


def _ascii_digits(text: str) -> str:
    """Full-width, Arabic-Indic and other decimal digits as 0-9, one for one, so places stay the same:
    a number typed in them reads as the same number, and the pattern looks for ASCII digits."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() and not char.isascii() else char for char in text)


def _cpr_numbers(readable: str) -> Iterator[Flag]:
    for match in _CPR.finditer(readable):
        digits = match.group(1) + match.group(3) + match.group(4) + match.group(6)
        try:
            cpr = normalise_cpr(digits)
        except ValueError:
            continue  # ten digits that cannot be a CPR number (no valid date of birth)
        before = _clause_before(readable, match.start())
        written_as_cpr = match.group(5).strip() != "" or _CPR_CONTEXT.search(before) is not None
        if not written_as_cpr and _REFERENCE_CONTEXT.search(before):
            continue  # "kontonr. 0101901234": nobody writes an account number DDMMYY-SSSS
        yield Flag.found(FlagKind.CPR, match.start(), match.end(), f"{cpr[:6]}-XXXX")
    for match in _CPR_DIGIT_BY_DIGIT.finditer(readable):
        try:
            cpr = normalise_cpr("".join(char for char in match.group(1) + match.group(3) if char.isdigit()))
        except ValueError:
            continue  # "1 2 3 4 5 6 7 8 9 0" has no date of birth in it
        # Nobody spaces out an account number digit by digit: no context is asked for.
        yield Flag.found(FlagKind.CPR, match.start(), match.end(), f"{cpr[:6]}-XXXX")


def find_email_addresses(readable: str) -> Iterator[Flag]:
    for match in _EMAIL.finditer(readable):
        excerpt = f"{match.group('local')[:1]}***@{match.group('domain')}"
        yield Flag.found(FlagKind.EMAIL, match.start(), match.end(), excerpt)


def find_phone_numbers(readable: str) -> Iterator[Flag]:
    for match in _PHONE.finditer(readable):
        number = match.group("number")
        before = _clause_before(readable, match.start())
        if match.group("prefix") is None and not _looks_like_a_phone_number(number, before, readable, match.end()):
            continue
        yield Flag.found(FlagKind.PHONE, match.start(), match.end(), _mask_digits(match.group(0), keep=2))


def _looks_like_a_phone_number(number: str, before: str, text: str, end: int) -> bool:
    if _REFERENCE_CONTEXT.search(before) or _AMOUNT_AFTER.match(text, end):
        return False
    if _PHONE_CONTEXT.search(before):
        return True
    digits = number.replace(" ", "").replace(".", "").replace("-", "")
    if " " in number and len(number) == 9 and _both_years(number):
        return False  # "2024 2025"
    return not (number.isdigit() and _is_date(digits))  # 25122024 is Christmas Day, not a phone number


def _both_years(number: str) -> bool:
    return all(1900 <= int(part) <= 2099 for part in number.split(" "))


def _is_date(digits: str) -> bool:
    for day, month, year in ((digits[0:2], digits[2:4], digits[4:8]), (digits[6:8], digits[4:6], digits[0:4])):
        if 1900 <= int(year) <= 2099:
            try:
                date(int(year), int(month), int(day))
            except ValueError:
                continue
            return True
    return False


def _clause_before(text: str, index: int) -> str:
    window = text[max(0, index - _CONTEXT_WIDTH) : index]
    return window.rsplit("\n", 1)[-1]


def _mask_digits(value: str, keep: int) -> str:
    """``+45 12 34 56 78`` becomes ``+45 12 XX XX XX``: enough to recognise, not enough to call."""
    digits_seen, out = 0, []
    start = value.find("45 ") + 3 if value.startswith(("+45 ", "0045 ")) else 0
    for index, char in enumerate(value):
        if char.isdigit() and index >= start:
            digits_seen += 1
            out.append(char if digits_seen <= keep else "X")
        else:
            out.append(char)
    return "".join(out)
