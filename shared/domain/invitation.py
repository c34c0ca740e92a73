"""Invitees of a closed hearing: by CPR number, CVR number, e-mail address or portal subject.

Only a keyed hash of a CPR number or e-mail address is used for matching; the value itself is kept
sealed, and what caseworkers see is a masked label.
"""

from __future__ import annotations

import re
from enum import StrEnum

from shared.domain.base import PortalModel
from shared.domain.danish_ids import is_valid_cvr, normalise_cpr

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SUBJECT = re.compile(r"[a-z][a-z0-9-]*:[^\s]+")


class InviteeKind(StrEnum):
    CPR = "cpr"
    CVR = "cvr"
    EMAIL = "email"
    SUBJECT = "subject"


class Invitee(PortalModel):
    kind: InviteeKind
    match_key: str  # what a signed-in person's keys are compared with
    label: str  # masked, for caseworkers
    sealed: str | None = None  # the CPR number or e-mail address, encrypted, for sending the invitation


def classify(raw: str) -> tuple[InviteeKind, str]:
    """What an invitee entry is, normalised; raises ValueError without repeating the value."""
    value = raw.strip()
    digits = value.replace("-", "").replace(" ", "")
    if digits.isascii() and digits.isdigit() and len(digits) == 10:
        return InviteeKind.CPR, normalise_cpr(digits)
    if digits.isascii() and digits.isdigit() and len(digits) == 8:
        if not is_valid_cvr(digits):
            raise ValueError("is not a valid CVR number (modulus 11)")
        return InviteeKind.CVR, digits
    if _EMAIL.fullmatch(value):
        return InviteeKind.EMAIL, value.lower()
    if _SUBJECT.fullmatch(value):
        return InviteeKind.SUBJECT, value
    raise ValueError("is neither a CPR number, a CVR number, an e-mail address nor a portal user id")


def mask(kind: InviteeKind, value: str) -> str:
    if kind is InviteeKind.CPR:
        return f"{value[:6]}-XXXX"
    if kind is InviteeKind.EMAIL:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return value
