"""How a person wants to be told: at once or in a digest, in which language, on which channel."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from shared.domain.base import InputModel, Instant, PortalModel


class Frequency(StrEnum):
    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"


class ChannelChoice(StrEnum):
    EMAIL = "email"
    DIGITAL_POST = "digital-post"


class PreferencesRequest(InputModel):
    frequency: Frequency = Frequency.IMMEDIATELY
    language: Literal["da", "en"] = "da"
    channel: ChannelChoice | None = Field(
        default=None, description="email or digital-post; left out: e-mail where the sign-in has an address"
    )


class Preferences(PortalModel):
    """One document per person, in the subscriptions container under the partition ``person:<subject>``."""

    id: str = "preferences"
    target: str  # the partition key, "person:<subject>", beside the person's follows
    person: str  # not "subscriber": the follows of a person are found by that field
    frequency: Frequency = Frequency.IMMEDIATELY
    language: Literal["da", "en"] = "da"
    channel: ChannelChoice | None = None
    updated_at: Instant | None = None
    # Where the person was last reached (from their sign-in), for messages not tied to a follow
    # such as an owner's digest; an e-mail address or a sealed CPR / CVR reference.
    reach_channel: Literal["email", "digital-post"] = "digital-post"
    address: str | None = None

    @staticmethod
    def partition_of(subject: str) -> str:
        return f"person:{subject}"

    @classmethod
    def default(cls, subject: str) -> Preferences:
        return cls(target=cls.partition_of(subject), person=subject)
