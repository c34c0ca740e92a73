"""Turning identities and invitee entries into access keys, with the personal-data vault."""

from __future__ import annotations

from shared.domain.access import Viewer
from shared.domain.access_keys import subject_key
from shared.domain.identity import Identity
from shared.domain.invitation import Invitee, InviteeKind, classify, mask
from shared.ports.vault import PersonalDataVault


def viewer_of(who: Identity | None, vault: PersonalDataVault) -> Viewer:
    if who is None:
        return Viewer.anonymous()
    keys = []
    if who.cpr:
        keys.append(f"cpr:{vault.match_key('cpr', who.cpr)}")
    if who.email and who.is_employee:
        # Only the organisation's own directory vouches for an address; a broker's may be self-declared.
        keys.append(f"email:{vault.match_key('email', who.email.lower())}")
    return Viewer.of(who, keys)


def invitee_from(raw: str, vault: PersonalDataVault) -> Invitee:
    """Raises ValueError (without the value) for an entry that is not a CPR, CVR, e-mail or user id."""
    kind, value = classify(raw)
    if kind in (InviteeKind.CPR, InviteeKind.EMAIL):
        return Invitee(
            kind=kind,
            match_key=f"{kind.value}:{vault.match_key(kind.value, value)}",
            label=mask(kind, value),
            sealed=vault.seal(value),
        )
    if kind is InviteeKind.CVR:
        return Invitee(kind=kind, match_key=f"cvr:{value}", label=value)
    return Invitee(kind=kind, match_key=subject_key(value), label=value)
