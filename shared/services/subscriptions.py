"""Following hearings and areas, and telling followers when something happens."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from shared.domain import access
from shared.domain.access import Viewer
from shared.domain.base import InputModel, Instant, PortalModel, copenhagen_text
from shared.domain.errors import InvalidInput, NotAuthenticated, NotFound, raises
from shared.domain.hearing import EventKind, Hearing, HearingStatus, Visibility
from shared.domain.identity import Identity
from shared.domain.invitation import InviteeKind
from shared.domain.kle import Kle
from shared.domain.reference import ReferenceType
from shared.domain.subscription import Subscription, TargetKind, target_key
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.mail import Mailer, Notification
from shared.ports.vault import PersonalDataVault
from shared.services.repositories import HearingRepository, ReferenceRepository, SubscriptionRepository
from shared.services.viewers import viewer_of
from shared.settings import Settings

if TYPE_CHECKING:
    from jinja2 import Environment

_NOTIFICATION_NAMESPACE = uuid.UUID("9d3a4f60-2b1e-4c8f-a6d2-71e5c0b4f813")


@functools.cache
def _templates() -> Environment:
    # Loaded on the first notification: the HTTP functions of this module never render one.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# What a follower is told, in Danish like the portal.
_HEADLINES = {
    EventKind.OPENED: "Ny høring: {title}",
    EventKind.CHANGED: "Høringen er ændret: {title}",
    EventKind.CLOSED: "Høringsfristen er udløbet: {title}",
    EventKind.CONCLUDED: "Høringen er afsluttet: {title}",
    EventKind.CANCELLED: "Høringen er aflyst: {title}",
}


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
    subscription = Subscription.follow(who, request.kind, request.target_id, clock.now(), viewer.keys)
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


def notify_followers(
    hearing_id: str,
    event_id: str,
    kind: EventKind,
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    settings: Settings,
) -> int:
    """Queue consumer: one message per follower per event; a redelivery sends nothing twice."""
    loaded = HearingRepository(documents).get(hearing_id)
    if loaded is None:
        return 0
    hearing = loaded.model
    repository = SubscriptionRepository(documents)
    recipients: dict[str, Subscription] = {}
    for target in _targets(hearing, kind):
        for subscription in repository.followers(target):
            recipients.setdefault(subscription.subscriber, subscription)
    # A cancelled hearing is hidden again, but those who could see it while it was published are told.
    shown = hearing.model_copy(update={"status": HearingStatus.SCHEDULED}) if kind is EventKind.CANCELLED else hearing
    audience = set(shown.access_keys)
    sent = 0
    for subscription in recipients.values():
        if audience.isdisjoint(subscription.viewer_keys):
            continue  # nobody is told about a hearing they may not see (any more)
        if hearing.visibility is not Visibility.EXTERNAL and subscription.target_kind is not TargetKind.HEARING:
            continue  # area followers hear about public hearings only
        sent += mailer.send(
            _render(settings, hearing, event_id, kind, subscription.channel, subscription.address, subscription)
        )
    if kind is EventKind.OPENED and hearing.visibility is Visibility.CLOSED:
        sent += _invite(mailer, vault, settings, hearing, event_id)
    return sent


def _invite(mailer: Mailer, vault: PersonalDataVault, settings: Settings, hearing: Hearing, event_id: str) -> int:
    """Invitees of a closed hearing are told it opened: e-mail, or Digital Post by CPR (sealed) or CVR."""
    sent = 0
    for invitee in hearing.invitees:
        if invitee.kind is InviteeKind.EMAIL and invitee.sealed:
            channel, address = "email", vault.unseal(invitee.sealed)
        elif invitee.kind is InviteeKind.CPR and invitee.sealed:
            channel, address = "digital-post", f"cpr-sealed:{invitee.sealed}"  # the adapter unseals it
        elif invitee.kind is InviteeKind.CVR:
            channel, address = "digital-post", f"cvr:{invitee.label}"
        else:
            channel, address = "digital-post", invitee.label
        sent += mailer.send(
            _render(settings, hearing, event_id, EventKind.OPENED, channel, address, None, invitee.match_key)
        )
    return sent


def _targets(hearing: Hearing, kind: EventKind) -> list[str]:
    targets = [target_key(TargetKind.HEARING, hearing.id)]
    if kind is EventKind.OPENED:  # a new hearing interests those who follow its areas
        targets += [target_key(TargetKind.SUBJECT_AREA, a) for a in hearing.subject_area_ids]
        targets += [target_key(TargetKind.CITY_AREA, a) for a in hearing.city_area_ids]
        if hearing.kle:  # those who follow a KLE group hear about every number in it
            targets += [target_key(TargetKind.KLE, kle) for kle in hearing.kle.lineage]
    return targets


def _render(
    settings: Settings,
    hearing: Hearing,
    event_id: str,
    kind: EventKind,
    channel: str,
    address: str,
    sub: Subscription | None,
    invitee_key: str | None = None,
) -> Notification:
    headline = _HEADLINES[kind].format(title=hearing.title)
    # Links lead to the web front end when there is one; the API's own URLs are the fallback for
    # reading, while stopping a follow needs sign-in, so without a front end the message only says where.
    web = settings.web_base_url.rstrip("/") if settings.web_base_url else None
    url = f"{web}/hoeringer/{hearing.id}" if web else f"{settings.public_base_url}/api/hearings/{hearing.id}"
    unfollow = f"{web}/abonnementer" if web and sub else None
    context = {
        "headline": headline,
        "hearing": hearing,
        "kind": kind.value,
        "invited": sub is None,
        "deadline_local": copenhagen_text(hearing.deadline) if hearing.deadline else None,
        "url": url,
        "unfollow_url": unfollow,
    }
    recipient_id = sub.subscriber if sub else invitee_key
    return Notification(
        notification_id=str(uuid.uuid5(_NOTIFICATION_NAMESPACE, f"{event_id}\n{recipient_id}")),
        channel="email" if channel == "email" else "digital-post",
        recipient=address,
        subject=headline,
        text=_templates().get_template("hearing_event.txt").render(context),
        html=_templates().get_template("hearing_event.html").render(context),
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
