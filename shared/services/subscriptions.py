"""Following hearings, subject areas, city areas and KLE numbers.

Telling followers what happened is ``shared/services/notifications.py``: each follow carries the
person's channel, address, language and frequency, so a fan-out reads one document per follower.
"""

from __future__ import annotations

from pydantic import Field

from shared.domain import access
from shared.domain.access import Viewer
from shared.domain.base import InputModel, Instant, PortalModel
from shared.domain.errors import InvalidInput, NotAuthenticated, NotFound, raises
from shared.domain.identity import Identity
from shared.domain.kle import Kle
from shared.domain.reference import Area, ReferenceType
from shared.domain.subscription import Subscription, TargetKind
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.vault import PersonalDataVault
from shared.services.preferences import remember
from shared.services.repositories import HearingRepository, ReferenceRepository, SubscriptionRepository
from shared.services.viewers import viewer_of


class FollowRequest(InputModel):
    kind: TargetKind
    target_id: str = Field(min_length=1, max_length=100)


class SubscriptionView(PortalModel):
    id: str
    kind: TargetKind
    target_id: str
    channel: str
    created_at: Instant

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionView:
        return cls(
            id=subscription.id,
            kind=subscription.target_kind,
            target_id=subscription.target_id,
            channel=subscription.channel,
            created_at=subscription.created_at,
        )


@raises(NotAuthenticated, NotFound, InvalidInput)
def follow(
    who: Identity | None, request: FollowRequest, *, documents: DocumentStore, clock: Clock, vault: PersonalDataVault
) -> SubscriptionView:
    if who is None:
        raise NotAuthenticated("sign in to follow hearings")
    viewer = viewer_of(who, vault)
    _check_target(documents, viewer, request.kind, request.target_id)
    preferences = remember(who, documents, vault, clock.now(), None)
    subscription = Subscription.follow(
        who, request.kind, request.target_id, clock.now(), viewer.keys, preferences=preferences
    )
    if preferences.address and subscription.channel == preferences.reach_channel:
        subscription = subscription.model_copy(update={"address": preferences.address})
    SubscriptionRepository(documents).upsert(subscription)  # following twice is still one follow
    return SubscriptionView.of(subscription)


@raises(NotAuthenticated, NotFound)
def unfollow(who: Identity | None, kind: TargetKind, target_id: str, *, documents: DocumentStore, clock: Clock) -> None:
    if who is None:
        raise NotAuthenticated("sign in to manage what you follow")
    repository = SubscriptionRepository(documents)
    probe = Subscription.follow(who, kind, target_id, clock.now())
    if repository.get(probe.target, probe.id) is None:
        raise NotFound("you do not follow this", field="targetId")
    repository.remove(probe)


@raises(NotAuthenticated)
def my_subscriptions(who: Identity | None, *, documents: DocumentStore) -> list[SubscriptionView]:
    if who is None:
        raise NotAuthenticated("sign in to see what you follow")
    return [SubscriptionView.of(s) for s in SubscriptionRepository(documents).of_subscriber(who.subject)]


class FollowableAreas(PortalModel):
    """The subject and city areas one may follow, by name."""

    subject_areas: list[Area]
    city_areas: list[Area]


def followable_areas(*, documents: DocumentStore) -> FollowableAreas:
    references = ReferenceRepository(documents)

    def by_name(kind: ReferenceType) -> list[Area]:
        return sorted(references.areas(kind), key=lambda area: area.name.casefold())

    return FollowableAreas(
        subject_areas=by_name(ReferenceType.SUBJECT_AREA), city_areas=by_name(ReferenceType.CITY_AREA)
    )


def _check_target(documents: DocumentStore, viewer: Viewer, kind: TargetKind, target_id: str) -> None:
    if kind is TargetKind.HEARING:
        loaded = HearingRepository(documents).get(target_id)
        if loaded is None or not access.may_view(viewer, loaded.model):
            raise NotFound("no such hearing", field="targetId")
    elif kind is TargetKind.KLE:
        try:
            Kle(target_id)
        except ValueError as error:
            raise InvalidInput(str(error), field="targetId") from None
    else:
        area_type = ReferenceType.SUBJECT_AREA if kind is TargetKind.SUBJECT_AREA else ReferenceType.CITY_AREA
        if all(area.id != target_id for area in ReferenceRepository(documents).areas(area_type)):
            raise NotFound(f"no such {kind.value}", field="targetId")
