"""Base model and the instant type every model shares."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, field_validator
from pydantic.alias_generators import to_camel

from shared.domain.text import refuse_controls_in

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class PortalModel(BaseModel):
    """camelCase on the wire and in the store, snake_case in Python.

    Validators are built on a model's first use, not at import: a function instance builds only the
    models the functions it runs touch, and a cold start does not pay for all of them.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True)

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class InputModel(PortalModel):
    """What callers send: unknown fields are refused so a typo names itself instead of being ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True, defer_build=True
    )

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        """No text a caller sends holds a NUL or another control character; line breaks and tabs may."""
        return refuse_controls_in(value)


def parse_instant(value: Any) -> datetime:
    """An exact instant. Without an offset the value is Copenhagen wall-clock time.

    Wall-clock times that do not exist (clocks go forward) or happen twice (clocks go back) are
    refused rather than guessed: a deadline must mean one instant.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as error:
            raise ValueError("must be an ISO 8601 date and time, e.g. 2026-12-01T12:00") from error
    if not isinstance(value, datetime):
        raise ValueError("must be an ISO 8601 date and time")
    try:
        return _to_utc(value)
    except OverflowError:
        raise ValueError("is out of range") from None


class WallClock(StrEnum):
    """What is wrong with a Copenhagen wall-clock time at a daylight-saving change."""

    MISSING = "missing"  # clocks go forward: the time never shows
    TWICE = "twice"  # clocks go back: the time shows twice, an hour apart


def wall_clock_problem(value: datetime) -> WallClock | None:
    """Why a naive Copenhagen wall-clock time does not name exactly one instant, or None when it does."""
    first = value.replace(tzinfo=COPENHAGEN, fold=0)
    if first.astimezone(UTC).astimezone(COPENHAGEN).replace(tzinfo=None) != value.replace(tzinfo=None):
        return WallClock.MISSING
    if first.utcoffset() != value.replace(tzinfo=COPENHAGEN, fold=1).utcoffset():
        return WallClock.TWICE
    return None


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    problem = wall_clock_problem(value)
    if problem is WallClock.MISSING:
        raise ValueError("does not exist in Europe/Copenhagen (clocks go forward); choose another time")
    if problem is WallClock.TWICE:
        raise ValueError(
            "happens twice in Europe/Copenhagen (clocks go back); give an explicit offset such as +02:00 or +01:00"
        )
    return value.replace(tzinfo=COPENHAGEN, fold=0).astimezone(UTC)


def format_instant(value: datetime) -> str:
    # Fixed width so instants compare correctly as strings in both document stores.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def copenhagen_text(value: datetime, timespec: str = "minutes") -> str:
    return value.astimezone(COPENHAGEN).isoformat(timespec=timespec)


Instant = Annotated[datetime, BeforeValidator(parse_instant), PlainSerializer(format_instant, return_type=str)]
