"""An owner's own words in a hearing's notices: how the subject names the hearing, and an introduction.

Both are plain text in Danish and English; the HTML part shows them escaped, so markup arrives as text.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from shared.domain.base import InputModel


class NoticeText(InputModel):
    subject: str | None = Field(
        default=None,
        max_length=150,
        description="Names the hearing in the subject of its notices instead of its title (one line)",
    )
    introduction: str | None = Field(
        default=None, max_length=2000, description="A paragraph put first in each of the hearing's notices"
    )

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and ("\n" in value or "\r" in value):
            raise ValueError("a subject is one line")
        return value or None

    @field_validator("introduction")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class NotificationTexts(InputModel):
    """Per language; a language left out uses the portal's own texts."""

    da: NoticeText | None = None
    en: NoticeText | None = None

    def in_language(self, language: Literal["da", "en"]) -> NoticeText | None:
        return self.da if language == "da" else self.en

    @property
    def empty(self) -> bool:
        return all(text is None or (text.subject is None and text.introduction is None) for text in (self.da, self.en))
