"""Staff directory port: the organisation's own list of its employees (Entra ID through Microsoft Graph).

The portal learns an employee when they sign in. A directory lets an admin make a colleague a hearing's
owner, and a caseworker add a reviewer, before that colleague has ever signed in. Without one (the
embedded default) the portal knows those who have signed in, and nobody else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

PROVIDER = "shared.adapters.staff_directory:provide"


@dataclass(frozen=True)
class Colleague:
    subject: str  # the portal user id their sign-in will carry ("entra:<object id>")
    name: str
    email: str | None


@runtime_checkable
class StaffDirectory(Protocol):
    def find(self, key: str) -> Colleague | None:
        """The employee with this portal user id or e-mail address (in any case), if the directory has exactly
        one who may sign in; None otherwise, and when the directory cannot be asked right now."""
        ...
