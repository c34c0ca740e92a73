"""Fictitious people the local development issuer can sign in as.

Claims are shaped as the real login brokers send them: MitID citizens carry ``nemlogin.cpr``,
MitID Erhverv users carry the company's ``nemlogin.cvr`` and ``nemlogin.org_name`` (and no CPR),
employees come from Entra ID with an e-mail address and app roles. Every name, CPR and CVR
number here is made up; e-mail addresses use the reserved ``.example`` domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.ports.directory import Colleague


@dataclass(frozen=True)
class Persona:
    id: str
    label: str  # the person's display name, sent as the ``name`` claim
    description: str
    claims: dict[str, Any] = field(default_factory=dict)


PERSONAS: tuple[Persona, ...] = (
    Persona(
        id="citizen-anna",
        label="Anna Jensen",
        description="Citizen signed in with MitID.",
        claims={"idp": "mitid", "nemlogin.cpr": "0101901234"},
    ),
    Persona(
        id="citizen-bo",
        label="Bo Nielsen",
        description="Another citizen signed in with MitID.",
        claims={"idp": "mitid", "nemlogin.cpr": "1502851234"},
    ),
    Persona(
        id="company-user",
        label="Karin Holm",
        description="Acting for the company Holm & Co ApS with MitID Erhverv.",
        claims={"idp": "mitid-erhverv", "nemlogin.cvr": "39162571", "nemlogin.org_name": "Holm & Co ApS"},
    ),
    Persona(
        id="employee",
        label="Erik Ansat",
        description="Municipal employee signed in with Entra ID, without app roles.",
        claims={"idp": "entra", "email": "erik.ansat@kommune.example", "roles": []},
    ),
    Persona(
        id="hearing-creator",
        label="Henriette Sagsbehandler",
        description="Caseworker who may create and run hearings.",
        claims={"idp": "entra", "email": "henriette.sagsbehandler@kommune.example", "roles": ["HearingCreator"]},
    ),
    Persona(
        id="admin",
        label="Ada Admin",
        description="Administrator of templates, subject areas and owners.",
        claims={"idp": "entra", "email": "ada.admin@kommune.example", "roles": ["Admin"]},
    ),
)


def persona(persona_id: str) -> Persona:
    """The persona with this id; raises KeyError for an unknown one."""
    for candidate in PERSONAS:
        if candidate.id == persona_id:
            return candidate
    raise KeyError(persona_id)


class PersonaDirectory:
    """The development personas as the organisation's staff directory: the employees among them can be
    made an owner or a reviewer before they have signed in, as Entra ID's users can in Azure."""

    def __init__(self, issuer_name: str = "dev") -> None:
        self._prefix = f"{issuer_name}:"  # the development issuer's name, as the subjects it signs carry it

    def find(self, key: str) -> Colleague | None:
        key = key.strip()
        for candidate in PERSONAS:
            email = candidate.claims.get("email")
            if candidate.claims.get("idp") != "entra" or not isinstance(email, str):
                continue
            if key == self._prefix + candidate.id or key.lower() == email.lower():
                return Colleague(subject=self._prefix + candidate.id, name=candidate.label, email=email.lower())
        return None
