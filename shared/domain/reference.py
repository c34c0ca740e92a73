"""Reference data an admin manages: hearing templates (types), subject areas, city areas."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.domain.base import PortalModel
from shared.domain.hearing import Visibility


class ReferenceType(StrEnum):
    TEMPLATE = "template"
    SUBJECT_AREA = "subject-area"
    CITY_AREA = "city-area"


class HearingTemplate(PortalModel):
    type: ReferenceType = ReferenceType.TEMPLATE
    id: str
    name: str
    description: str = ""
    default_visibility: Visibility = Visibility.EXTERNAL
    default_summary: str = ""
    default_body: str = ""
    # More than 1: each submission is a response of its own, up to this many per respondent per hearing.
    responses_per_respondent: int = Field(default=1, ge=1, le=100)


class Area(PortalModel):
    """A subject area (e.g. traffic) or a city area (e.g. Amager)."""

    type: ReferenceType
    id: str
    name: str
