"""A flag: one piece of personal data (or a blacklisted term) found in a text, and what a caseworker decided."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any

from pydantic import model_validator

from shared.domain.base import PortalModel


class FlagKind(StrEnum):
    CPR = "cpr"
    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"
    ADDRESS = "address"
    BLACKLISTED = "blacklisted"


class FlagState(StrEnum):
    OPEN = "open"  # found; nobody has decided yet
    ACCEPTED = "accepted"  # a caseworker decided it may be published as written
    REDACTED = "redacted"  # the public text replaces it


def flag_id(kind: FlagKind, start: int, end: int | None) -> str:
    """Deterministic: screening the same text twice gives flags with the same ids."""
    return f"{kind.value}-{start}-{'end' if end is None else end}"


class Flag(PortalModel):
    """``start``/``end`` are offsets into the text as stored (``text[start:end]``), never into a normalised copy.

    Flags stored before positions existed (``{"kind", "excerpt", "cleared"}``) load with ``end=None``: the
    position is unknown, so the flag covers the whole text, and redacting it withholds the whole text. That is
    the only reading that cannot publish the personal data; screening the text again gives exact flags.
    Their ``cleared`` becomes ``accepted``, except for a CPR number, which can never be accepted and so goes
    back to ``open`` for a caseworker to redact.
    """

    id: str
    kind: FlagKind
    start: int = 0
    end: int | None
    excerpt: str  # masked: never the personal data itself in full
    state: FlagState = FlagState.OPEN

    @model_validator(mode="before")
    @classmethod
    def _from_stored_form(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "state" in data or "cleared" not in data:
            return data
        upgraded = {key: value for key, value in data.items() if key != "cleared"}
        cleared = bool(data["cleared"]) and data.get("kind") != FlagKind.CPR.value
        upgraded["state"] = FlagState.ACCEPTED if cleared else FlagState.OPEN
        upgraded.setdefault("end", None)
        if "id" not in upgraded:
            # Several old flags of one kind have no position to tell them apart; their masked excerpt does.
            digest = hashlib.sha256(str(data.get("excerpt", "")).encode()).hexdigest()[:8]
            upgraded["id"] = f"{data.get('kind')}-stored-{digest}"
        return upgraded

    @classmethod
    def found(cls, kind: FlagKind, start: int, end: int, excerpt: str) -> Flag:
        return cls(id=flag_id(kind, start, end), kind=kind, start=start, end=end, excerpt=excerpt)

    @property
    def is_open(self) -> bool:
        return self.state is FlagState.OPEN

    def span_in(self, text: str) -> tuple[int, int]:
        """The characters of ``text`` this flag covers; all of them when the position is unknown."""
        return (0, len(text)) if self.end is None else (self.start, self.end)

    def covered_text(self, text: str) -> str:
        start, end = self.span_in(text)
        return text[start:end]
