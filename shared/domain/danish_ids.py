"""Danish person and company numbers: CPR (DDMMYY-SSSS) and CVR (8 digits, modulus 11).

Error messages never repeat the number: a CPR number is personal data and must not end up in logs.
"""

from __future__ import annotations

import re
from datetime import date

_CPR = re.compile(r"([0-9]{6})-?([0-9]{4})", re.ASCII)
_CVR = re.compile(r"[0-9]{8}", re.ASCII)
_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def normalise_cpr(value: str) -> str:
    """Return the CPR number as ten digits (``DDMMYYSSSS``); accepts the ``DDMMYY-SSSS`` form.

    Only the format and the date of birth are checked. The modulus-11 rule is deliberately not
    applied: numbers issued since 2007 need not satisfy it.
    """
    match = _CPR.fullmatch(value.strip())
    if match is None:
        raise ValueError("a CPR number has ten digits, optionally written DDMMYY-SSSS")
    digits = match.group(1) + match.group(2)
    if not _has_valid_birth_date(digits):
        raise ValueError("a CPR number starts with a valid date of birth")
    return digits


def is_valid_cvr(value: str) -> bool:
    """True for eight digits, not starting with 0, whose weighted sum is divisible by 11."""
    if _CVR.fullmatch(value) is None or value[0] == "0":
        return False
    return sum(int(digit) * weight for digit, weight in zip(value, _CVR_WEIGHTS, strict=True)) % 11 == 0


def _has_valid_birth_date(digits: str) -> bool:
    day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    try:
        date(_century(int(digits[6]), year) + year, month, day)
    except ValueError:
        return False
    return True


def _century(seventh_digit: int, year: int) -> int:
    # The century follows from the first digit of the serial number (CPR office rules).
    if seventh_digit <= 3:
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if year <= 36 else 1900
    return 2000 if year <= 57 else 1800
