"""Personal-data screening: find what must never be published unchecked, and the rules for deciding on it.

``screen(text)`` is pure and deterministic and works on any text: a response as typed, or the text
extracted from an attachment.
"""

from shared.domain.screening.engine import screen
from shared.domain.screening.flags import Flag, FlagKind, FlagState, flag_id
from shared.domain.screening.lexicon import default_allowed_places
from shared.domain.screening.rules import accept, decide, default_decision, is_own_name, publishable, resolve_open

__all__ = [
    "Flag",
    "FlagKind",
    "FlagState",
    "accept",
    "decide",
    "default_allowed_places",
    "default_decision",
    "flag_id",
    "is_own_name",
    "publishable",
    "resolve_open",
    "screen",
]
