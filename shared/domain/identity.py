"""Who is calling: one model for citizens (MitID), companies (MitID Erhverv) and employees (Entra ID)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class IdentityKind(StrEnum):
    CITIZEN = "citizen"
    COMPANY = "company"
    EMPLOYEE = "employee"


class Role(StrEnum):
    ADMIN = "Admin"
    HEARING_CREATOR = "HearingCreator"


class Identity(BaseModel):
    """A signed-in person. ``subject`` is stable per person and issuer; never a CPR number."""

    # Built on first use like every portal model: a cold start that signs nobody in does not pay for it.
    model_config = ConfigDict(frozen=True, defer_build=True)

    subject: str
    kind: IdentityKind
    name: str
    cpr: str | None = None
    cvr: str | None = None
    company_name: str | None = None
    email: str | None = None
    roles: frozenset[Role] = frozenset()

    @property
    def is_employee(self) -> bool:
        return self.kind is IdentityKind.EMPLOYEE

    @property
    def is_admin(self) -> bool:
        return self.is_employee and Role.ADMIN in self.roles

    @property
    def may_create_hearings(self) -> bool:
        return self.is_employee and bool({Role.ADMIN, Role.HEARING_CREATOR} & self.roles)

    def __repr__(self) -> str:  # never print a CPR number, not even in a traceback
        return f"Identity(subject={self.subject!r}, kind={self.kind.value!r})"

    __str__ = __repr__
