"""Start and deadline are exact instants: entered in Copenhagen time, stored in UTC, right across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared.domain.base import copenhagen_text, format_instant, parse_instant
from shared.services.hearing_api import ScheduleRequest


@pytest.mark.parametrize(
    ("wall_clock", "utc"),
    [
        ("2026-01-15T12:00", datetime(2026, 1, 15, 11, 0, tzinfo=UTC)),  # winter, +01:00
        ("2026-07-01T12:00", datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),  # summer, +02:00
        ("2026-03-29T01:59", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),  # last minute before the gap
        ("2026-03-29T03:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # first minute after it
        ("2026-10-25T01:59", datetime(2026, 10, 24, 23, 59, tzinfo=UTC)),  # before the repeated hour
        ("2026-10-25T03:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),  # after it
        ("2026-12-31T23:59:59", datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)),
    ],
)
def test_copenhagen_wall_clock_time_becomes_the_right_utc_instant(wall_clock: str, utc: datetime) -> None:
    assert parse_instant(wall_clock) == utc


def test_a_naive_datetime_is_copenhagen_time_too() -> None:
    assert parse_instant(datetime(2026, 7, 1, 12, 0)) == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


def test_a_time_in_the_spring_forward_gap_is_refused_as_not_existing() -> None:
    # On 29 March 2026 Copenhagen clocks jump from 02:00 to 03:00: 02:30 never happens.
    with pytest.raises(ValueError) as refused:
        parse_instant("2026-03-29T02:30")

    message = str(refused.value)
    assert "does not exist" in message
    assert "happens twice" not in message


def test_a_time_in_the_autumn_repeat_is_refused_without_an_offset() -> None:
    # On 25 October 2026 02:00-03:00 happens twice; the caseworker must say which one.
    with pytest.raises(ValueError) as refused:
        parse_instant("2026-10-25T02:30")

    assert "happens twice" in str(refused.value)
    assert "+02:00" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-10-25T02:30+02:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # first 02:30 (summer time)
        ("2026-10-25T02:30+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),  # second 02:30 (winter time)
        ("2026-03-29T02:30+01:00", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # an offset names one instant
        ("2026-07-01T12:00Z", datetime(2026, 7, 1, 12, 0, tzinfo=UTC)),
        ("2026-07-01T12:00:00.250-05:00", datetime(2026, 7, 1, 17, 0, 0, 250_000, tzinfo=UTC)),
    ],
)
def test_an_explicit_offset_is_kept(text: str, utc: datetime) -> None:
    assert parse_instant(text) == utc
    assert parse_instant(text).utcoffset() == timedelta(0)


def test_an_aware_datetime_is_kept_as_the_same_instant() -> None:
    tokyo = datetime(2026, 7, 1, 21, 0, tzinfo=timezone(timedelta(hours=9)))

    assert parse_instant(tokyo) == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T12:00", "", 1_780_000_000, None])
def test_anything_else_is_refused_with_a_hint(value: object) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_instant(value)


def test_output_is_fixed_width_utc_with_z() -> None:
    summer_noon = parse_instant("2026-07-01T12:00")

    assert format_instant(summer_noon) == "2026-07-01T10:00:00.000000Z"
    assert format_instant(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == "2025-12-31T23:00:00.000000Z"


def test_formatted_instants_sort_like_the_instants() -> None:
    instants = [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, 0, 1, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, 59, 999_999, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ]
    texts = [format_instant(instant) for instant in instants]

    assert len({len(text) for text in texts}) == 1
    assert sorted(texts) == [format_instant(instant) for instant in sorted(instants)]


def test_copenhagen_text_shows_local_time_with_its_offset() -> None:
    assert copenhagen_text(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "2026-07-01T12:00+02:00"
    assert copenhagen_text(datetime(2026, 1, 15, 11, 0, tzinfo=UTC)) == "2026-01-15T12:00+01:00"


def test_a_schedule_request_reads_wall_clock_times_and_names_the_bad_field() -> None:
    request = ScheduleRequest.model_validate({"start": "2026-03-28T09:00", "deadline": "2026-04-11T12:00"})

    assert request.start == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # still winter time
    assert request.deadline == datetime(2026, 4, 11, 10, 0, tzinfo=UTC)  # summer time
    assert request.model_dump(mode="json", by_alias=True) == {
        "start": "2026-03-28T08:00:00.000000Z",
        "deadline": "2026-04-11T10:00:00.000000Z",
    }

    with pytest.raises(ValidationError) as refused:
        ScheduleRequest.model_validate({"start": "2026-10-20T09:00", "deadline": "2026-10-25T02:30"})
    [issue] = refused.value.errors()
    assert issue["loc"] == ("deadline",)
    assert "happens twice" in issue["msg"]
