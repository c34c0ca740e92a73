"""Following hearings and areas, and being told once when something happens."""

from __future__ import annotations

import pytest

from shared.domain.errors import InvalidInput, NotAuthenticated, NotFound
from shared.domain.hearing import Visibility
from shared.domain.reference import ReferenceType
from shared.domain.subscription import TargetKind
from shared.services.subscriptions import FollowRequest, follow, my_subscriptions, unfollow
from tests.fakes import Portal, caseworker, citizen, employee

ANNA = citizen("mitid:anna", "Anna Jensen")
BO = citizen("mitid:bo", "Bo Nielsen")


@pytest.fixture
def portal() -> Portal:
    portal = Portal.start()
    portal.add_area(ReferenceType.SUBJECT_AREA, "trafik", "Trafik")
    portal.add_area(ReferenceType.CITY_AREA, "amager", "Amager")
    return portal


def following(kind: TargetKind, target_id: str) -> FollowRequest:
    return FollowRequest(kind=kind, target_id=target_id)


# -- following --------------------------------------------------------------------------------------


def test_following_needs_sign_in(portal: Portal) -> None:
    with pytest.raises(NotAuthenticated):
        portal.call(follow, None, following(TargetKind.HEARING, portal.scheduled()))
    with pytest.raises(NotAuthenticated):
        portal.call(my_subscriptions, None)


def test_following_a_hearing_twice_is_one_subscription(portal: Portal) -> None:
    hearing_id = portal.scheduled()

    first = portal.call(follow, ANNA, following(TargetKind.HEARING, hearing_id))
    portal.clock.advance(minutes=1)
    second = portal.call(follow, ANNA, following(TargetKind.HEARING, hearing_id))

    assert first.id == second.id
    assert [s.target_id for s in portal.call(my_subscriptions, ANNA)] == [hearing_id]
    assert portal.call(my_subscriptions, BO) == []


def test_a_hearing_one_cannot_see_cannot_be_followed(portal: Portal) -> None:
    draft, internal = portal.draft(), portal.scheduled(visibility=Visibility.INTERNAL)

    for target in (draft, internal, "no-such-hearing"):
        with pytest.raises(NotFound) as refused:
            portal.call(follow, ANNA, following(TargetKind.HEARING, target))
        assert refused.value.problems[0].field == "targetId"
    assert portal.call(my_subscriptions, ANNA) == []
    # The owner sees the draft and may follow it.
    assert portal.call(follow, caseworker(), following(TargetKind.HEARING, draft)).target_id == draft


def test_areas_must_exist_and_kle_numbers_must_be_well_formed(portal: Portal) -> None:
    assert portal.call(follow, ANNA, following(TargetKind.SUBJECT_AREA, "trafik")).kind is TargetKind.SUBJECT_AREA
    assert portal.call(follow, ANNA, following(TargetKind.CITY_AREA, "amager")).kind is TargetKind.CITY_AREA
    assert portal.call(follow, ANNA, following(TargetKind.KLE, "01.02")).target_id == "01.02"

    with pytest.raises(NotFound):
        portal.call(follow, ANNA, following(TargetKind.SUBJECT_AREA, "amager"))  # a city area, not a subject
    with pytest.raises(NotFound):
        portal.call(follow, ANNA, following(TargetKind.CITY_AREA, "valby"))
    for bad in ("1.2", "01.02.03.04", "ab", "01-02"):
        with pytest.raises(InvalidInput) as refused:
            portal.call(follow, ANNA, following(TargetKind.KLE, bad))
        assert refused.value.problems[0].field == "targetId"


def test_unfollowing(portal: Portal) -> None:
    hearing_id = portal.scheduled()
    portal.call(follow, ANNA, following(TargetKind.HEARING, hearing_id))

    portal.call(unfollow, ANNA, TargetKind.HEARING, hearing_id)

    assert portal.call(my_subscriptions, ANNA) == []
    with pytest.raises(NotFound):
        portal.call(unfollow, ANNA, TargetKind.HEARING, hearing_id)


def test_employees_are_told_by_email_and_citizens_by_digital_post(portal: Portal) -> None:
    hearing_id = portal.scheduled()

    assert portal.call(follow, employee(), following(TargetKind.HEARING, hearing_id)).channel == "email"
    assert portal.call(follow, ANNA, following(TargetKind.HEARING, hearing_id)).channel == "digital-post"
