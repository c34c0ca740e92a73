"""KLE numbers: the municipal classification scheme, two digits per level, one to three levels.

``01`` is a main group, ``01.02`` a group in it, ``01.02.03`` a subject in that group. A follower of
``01`` hears about every hearing classified under it, so a number knows its parents.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

# ASCII digits only: str.isdigit and a Unicode \d would take Arabic-Indic or full-width digits too.
KLE_PATTERN = r"^[0-9]{2}(\.[0-9]{2}){0,2}$"
_KLE = re.compile(KLE_PATTERN)


class Kle(str):
    """A valid KLE number; constructing one from anything else raises ValueError."""

    __slots__ = ()

    def __new__(cls, value: str) -> Kle:
        if not isinstance(value, str) or not _KLE.fullmatch(value):
            raise ValueError("a KLE number looks like 01, 01.02 or 01.02.03")
        return super().__new__(cls, value)

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(self.split("."))

    @property
    def lineage(self) -> list[Kle]:
        """The main group first, this number last: ``01``, ``01.02``, ``01.02.03``."""
        levels = self.levels
        return [Kle(".".join(levels[: depth + 1])) for depth in range(len(levels))]

    @property
    def parents(self) -> list[Kle]:
        return self.lineage[:-1]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # The pattern stays in the JSON schema (and the OpenAPI document); the value becomes a Kle.
        return core_schema.no_info_after_validator_function(
            cls,
            core_schema.str_schema(pattern=KLE_PATTERN),
            serialization=core_schema.plain_serializer_function_ser_schema(str, return_schema=core_schema.str_schema()),
        )
