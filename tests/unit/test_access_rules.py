"""Who may see, answer and manage a hearing: the table in section 3 of the product brief.

Rows are people, columns the three kinds of hearing (external, internal, closed = invitees only).
Published means scheduled or later; drafts and cancelled hearings are seen by owner, reviewers and
admins only; responses are taken only while a hearing is active.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain import access
from shared.domain.access import Viewer
from shared.domain.access_keys import subject_key
from shared.domain.hearing import Hearing, HearingStatus, Visibility
from shared.domain.identity import Identity, IdentityKind, Role
from shared.domain.invitation import Invitee, InviteeKind

START = datetime(2026, 5, 5, 7, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 5, 19, 22, 0, tzinfo=UTC)
DURING = START + timedelta(days=1)

PERSONAS: dict[str, Identity | None] = {
    "anonymous": None,
    "citizen": Identity(subject="mitid:bo", kind=IdentityKind.CITIZEN, name="Bo Nielsen"),
    "invited citizen": Identity(subject="mitid:anna", kind=IdentityKind.CITIZEN, name="Anna Jensen"),
    "company": Identity(
        subject="erhverv:karin", kind=IdentityKind.COMPANY, name="Karin Holm", company_name="Holm & Co ApS"
    ),
    "invited company": Identity(
        subject="erhverv:lars", kind=IdentityKind.COMPANY, name="Lars Lund", company_name="Lund A/S"
    ),
    "employee": Identity(subject="entra:erik", kind=IdentityKind.EMPLOYEE, name="Erik"),
    "other caseworker": Identity(
        subject="entra:otto", kind=IdentityKind.EMPLOYEE, name="Otto", roles=frozenset({Role.HEARING_CREATOR})
    ),
    "reviewer": Identity(subject="entra:rita", kind=IdentityKind.EMPLOYEE, name="Rita"),
    "owner": Identity(
        subject="entra:henriette", kind=IdentityKind.EMPLOYEE, name="Henriette", roles=frozenset({Role.HEARING_CREATOR})
    ),
    "admin": Identity(subject="entra:ada", kind=IdentityKind.EMPLOYEE, name="Ada", roles=frozenset({Role.ADMIN})),
}

# Who sees a published hearing:          external, internal, closed
SEES_PUBLISHED: dict[str, tuple[bool, bool, bool]] = {
    "anonymous": (True, False, False),
    "citizen": (True, False, False),
    "invited citizen": (True, False, True),
    "company": (True, False, False),
    "invited company": (True, False, True),
    "employee": (True, True, False),
    "other caseworker": (True, True, False),
    "reviewer": (True, True, True),
    "owner": (True, True, True),
    "admin": (True, True, True),
}

# Who may respond while the hearing is active: citizens and companies to external hearings,
# employees to internal ones, invitees to closed ones.
RESPONDS_WHILE_ACTIVE: dict[str, tuple[bool, bool, bool]] = {
    "anonymous": (False, False, False),
    "citizen": (True, False, False),
    "invited citizen": (True, False, True),
    "company": (True, False, False),
    "invited company": (True, False, True),
    "employee": (False, True, False),
    "other caseworker": (False, True, False),
    "reviewer": (False, True, False),
    "owner": (False, True, False),
    "admin": (False, True, False),
}

MANAGES = {"owner", "admin"}
SEES_EVERY_STATE = {"reviewer", "owner", "admin"}
KINDS = (Visibility.EXTERNAL, Visibility.INTERNAL, Visibility.CLOSED)


def hearing(visibility: Visibility, status: HearingStatus) -> Hearing:
    scheduled = status is not HearingStatus.DRAFT
    return Hearing(
        id="h-1",
        template_id="standard",
        title="Lokalplan",
        case_number="2026-0042",
        visibility=visibility,
        owner="entra:henriette",
        owner_name="Henriette",
        reviewers=["entra:rita"],
        invitees=[
            Invitee(kind=InviteeKind.SUBJECT, match_key=subject_key(subject), label=subject)
            for subject in ("mitid:anna", "erhverv:lars")
        ],
        status=status,
        start=START if scheduled else None,
        deadline=DEADLINE if scheduled else None,
        created_at=START - timedelta(days=3),
        updated_at=START - timedelta(days=3),
    )


def viewer(persona: str) -> Viewer:
    return Viewer.of(PERSONAS[persona])


CASES = [(name, kind) for name in PERSONAS for kind in KINDS]
IDS = [f"{name}-{kind.value}" for name, kind in CASES]


@pytest.mark.parametrize(("persona", "kind"), CASES, ids=IDS)
@pytest.mark.parametrize(
    "status",
    [HearingStatus.SCHEDULED, HearingStatus.ACTIVE, HearingStatus.AWAITING_CONCLUSION, HearingStatus.CONCLUDED],
)
def test_who_sees_a_published_hearing(persona: str, kind: Visibility, status: HearingStatus) -> None:
    expected = SEES_PUBLISHED[persona][KINDS.index(kind)]

    assert access.may_view(viewer(persona), hearing(kind, status)) is expected


@pytest.mark.parametrize(("persona", "kind"), CASES, ids=IDS)
@pytest.mark.parametrize("status", [HearingStatus.DRAFT, HearingStatus.CANCELLED])
def test_who_sees_an_unpublished_hearing(persona: str, kind: Visibility, status: HearingStatus) -> None:
    assert access.may_view(viewer(persona), hearing(kind, status)) is (persona in SEES_EVERY_STATE)


@pytest.mark.parametrize(("persona", "kind"), CASES, ids=IDS)
def test_who_may_respond_while_active(persona: str, kind: Visibility) -> None:
    expected = RESPONDS_WHILE_ACTIVE[persona][KINDS.index(kind)]

    assert access.may_respond(viewer(persona), hearing(kind, HearingStatus.ACTIVE), DURING) is expected


@pytest.mark.parametrize(("persona", "kind"), CASES, ids=IDS)
@pytest.mark.parametrize(
    ("status", "now"),
    [
        (HearingStatus.DRAFT, DURING),
        (HearingStatus.SCHEDULED, START - timedelta(microseconds=1)),
        (HearingStatus.ACTIVE, DEADLINE),
        (HearingStatus.AWAITING_CONCLUSION, DEADLINE + timedelta(days=1)),
        (HearingStatus.CONCLUDED, DEADLINE + timedelta(days=30)),
        (HearingStatus.CANCELLED, DURING),
    ],
    ids=["draft", "scheduled-before-start", "active-at-deadline", "awaiting", "concluded", "cancelled"],
)
def test_nobody_responds_unless_the_hearing_is_active(
    persona: str, kind: Visibility, status: HearingStatus, now: datetime
) -> None:
    assert access.may_respond(viewer(persona), hearing(kind, status), now) is False


@pytest.mark.parametrize(("persona", "kind"), CASES, ids=IDS)
def test_a_scheduled_hearing_takes_responses_from_its_start_even_before_the_timer_runs(
    persona: str, kind: Visibility
) -> None:
    expected = RESPONDS_WHILE_ACTIVE[persona][KINDS.index(kind)]

    assert access.may_respond(viewer(persona), hearing(kind, HearingStatus.SCHEDULED), START) is expected


@pytest.mark.parametrize(("persona", "kind"), CASES, ids=IDS)
@pytest.mark.parametrize("status", list(HearingStatus))
def test_only_owner_and_admins_manage(persona: str, kind: Visibility, status: HearingStatus) -> None:
    assert access.may_manage(viewer(persona), hearing(kind, status)) is (persona in MANAGES)


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_only_caseworkers_and_admins_create_hearings(persona: str) -> None:
    assert access.may_create_hearing(PERSONAS[persona]) is (persona in {"owner", "other caseworker", "admin"})


def test_roles_count_only_for_employees() -> None:
    # A role claim on a citizen's token must not make them an admin or a caseworker.
    citizen_with_roles = Identity(
        subject="mitid:eve", kind=IdentityKind.CITIZEN, name="Eve", roles=frozenset({Role.ADMIN, Role.HEARING_CREATOR})
    )

    assert access.may_create_hearing(citizen_with_roles) is False
    assert access.may_manage(Viewer.of(citizen_with_roles), hearing(Visibility.EXTERNAL, HearingStatus.ACTIVE)) is False
    assert access.may_view(Viewer.of(citizen_with_roles), hearing(Visibility.EXTERNAL, HearingStatus.DRAFT)) is False


def test_an_identity_never_prints_its_cpr_number() -> None:
    anna = Identity(subject="mitid:anna", kind=IdentityKind.CITIZEN, name="Anna", cpr="0101901234")

    assert "0101901234" not in repr(anna)
    assert "0101901234" not in str(anna)
    assert "0101901234" not in f"{anna}"
