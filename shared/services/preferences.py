"""A person's notification preferences, and one-click unsubscribe from a signed link."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from shared.domain.base import PortalModel
from shared.domain.errors import InvalidInput, NotAuthenticated, raises
from shared.domain.identity import Identity
from shared.domain.notice import EVERYTHING, UnsubscribeClaim, read_unsubscribe_token
from shared.domain.preferences import ChannelChoice, Frequency, Preferences, PreferencesRequest
from shared.domain.subscription import Subscription, reach
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Query
from shared.ports.vault import PersonalDataVault
from shared.services.notifications import unsubscribe_key
from shared.services.repositories import SubscriptionRepository
from shared.settings import Settings

SUBSCRIPTIONS = "subscriptions"


class PreferencesView(PortalModel):
    frequency: Frequency
    language: Literal["da", "en"]
    channel: Literal["email", "digital-post"]  # the channel messages actually go by

    @classmethod
    def of(cls, preferences: Preferences) -> PreferencesView:
        return cls(frequency=preferences.frequency, language=preferences.language, channel=preferences.reach_channel)


def stored_preferences(documents: DocumentStore, subject: str) -> Preferences | None:
    stored = documents.read(SUBSCRIPTIONS, (Preferences.partition_of(subject),), "preferences")
    return None if stored is None else Preferences.model_validate(stored.body)


def sealed_cpr(who: Identity, vault: PersonalDataVault) -> str | None:
    return vault.seal(who.cpr) if who.cpr else None


def remember(
    who: Identity, documents: DocumentStore, vault: PersonalDataVault, now: datetime, request: PreferencesRequest | None
) -> Preferences:
    """Store the person's preferences with where they can be reached now; returns them."""
    current = stored_preferences(documents, who.subject) or Preferences.default(who.subject)
    if request is not None:
        current = current.model_copy(
            update={"frequency": request.frequency, "language": request.language, "channel": request.channel}
        )
    channel, address = reach(who, sealed_cpr(who, vault), current)
    if current.address is not None and current.reach_channel == channel and address.startswith("cpr-sealed:"):
        address = current.address  # sealing is randomised; keep the stored seal so nothing is rewritten
    updated = current.model_copy(update={"reach_channel": channel, "address": address, "updated_at": now})
    if updated != current or stored_preferences(documents, who.subject) is None:
        documents.upsert(SUBSCRIPTIONS, (updated.target,), updated.to_document())
    return updated


@raises(NotAuthenticated)
def my_preferences(
    who: Identity | None, *, documents: DocumentStore, vault: PersonalDataVault, clock: Clock
) -> PreferencesView:
    if who is None:
        raise NotAuthenticated("sign in to see your notification preferences")
    return PreferencesView.of(remember(who, documents, vault, clock.now(), None))


@raises(NotAuthenticated, InvalidInput)
def set_preferences(
    who: Identity | None,
    request: PreferencesRequest,
    *,
    documents: DocumentStore,
    vault: PersonalDataVault,
    clock: Clock,
) -> PreferencesView:
    """Change how the person is told; every follow of theirs is told the same way from now on."""
    if who is None:
        raise NotAuthenticated("sign in to change your notification preferences")
    if request.channel is ChannelChoice.EMAIL and not who.email:
        raise InvalidInput("your sign-in carries no e-mail address; choose digital-post", field="channel")
    if request.channel is ChannelChoice.DIGITAL_POST and not (who.cpr or who.cvr):
        raise InvalidInput("Digital Post needs a sign-in with a CPR or CVR number", field="channel")
    preferences = remember(who, documents, vault, clock.now(), request)
    repository = SubscriptionRepository(documents)
    for subscription in repository.of_subscriber(who.subject):
        repository.upsert(_reaching(subscription, preferences))
    return PreferencesView.of(preferences)


def _reaching(subscription: Subscription, preferences: Preferences) -> Subscription:
    return subscription.model_copy(
        update={
            "channel": preferences.reach_channel,
            "address": preferences.address or subscription.address,
            "language": preferences.language,
            "frequency": preferences.frequency,
        }
    )


# -- one-click unsubscribe ------------------------------------------------------------------------


class UnsubscribeView(PortalModel):
    target: str  # what the link stops: "hearing:<id>", ... or "*" for everything
    following: bool  # whether the person still follows it


def _claim(token: str, settings: Settings) -> UnsubscribeClaim:
    claim = read_unsubscribe_token(unsubscribe_key(settings), token)
    if claim is None:
        raise InvalidInput("this unsubscribe link is not valid", field="token")
    return claim


def _follows(documents: DocumentStore, claim: UnsubscribeClaim) -> list[Subscription]:
    mine = SubscriptionRepository(documents).of_subscriber(claim.subscriber)
    return [s for s in mine if claim.target in (EVERYTHING, s.target)]


@raises(InvalidInput)
def unsubscribe_preview(token: str, *, documents: DocumentStore, settings: Settings) -> UnsubscribeView:
    """What a link would stop, for the confirmation page (a GET never changes anything)."""
    claim = _claim(token, settings)
    return UnsubscribeView(target=claim.target, following=bool(_follows(documents, claim)))


@raises(InvalidInput)
def unsubscribe(token: str, *, documents: DocumentStore, settings: Settings) -> UnsubscribeView:
    """One click (RFC 8058), no sign-in: the signed token says whom and what. Doing it twice is fine."""
    claim = _claim(token, settings)
    repository = SubscriptionRepository(documents)
    for subscription in _follows(documents, claim):
        repository.remove(subscription)
    if claim.target == EVERYTHING:
        for entry in documents.query(SUBSCRIPTIONS, _digest_items(claim.subscriber)).items:
            documents.delete(SUBSCRIPTIONS, (f"digest:{claim.subscriber}",), str(entry.body["id"]))
    return UnsubscribeView(target=claim.target, following=False)


def _digest_items(subject: str) -> Query:
    return Query(partition=(f"digest:{subject}",), limit=1000)
