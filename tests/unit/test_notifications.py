"""Being told what happened: once per person, in their language, on their channel, with delivery status."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.domain.delivery import DeliveryState
from shared.domain.errors import Forbidden, InvalidInput
from shared.domain.hearing import EventKind, Visibility
from shared.domain.notice import Recipient
from shared.domain.preferences import ChannelChoice, Frequency, PreferencesRequest
from shared.domain.reference import ReferenceType
from shared.domain.subscription import TargetKind
from shared.ports.documents import BATCH_LIMIT
from shared.ports.mail import DeliveryError, Notification, RetryLater
from shared.services import digests, notifications, preferences, queues
from shared.services.hearing_api import HearingChanges, ScheduleRequest
from shared.services.hearings import edit_hearing, schedule_hearing
from shared.services.notification_templates import Rendered
from shared.services.subscriptions import FollowRequest, follow, my_subscriptions
from tests.fakes import FailingStore, FakeMailer, InjectedFailure, Portal, caseworker, citizen, company_user, employee

ANNA = citizen("mitid:anna", "Anna Jensen")
BO = citizen("mitid:bo", "Bo Nielsen")
ERIK = employee("entra:erik")


class Pump:
    """Runs both consumers over what was published since the last run, like the queues would."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.done = {queues.HEARING_EVENTS: 0, queues.NOTIFICATION_BATCHES: 0}

    def __call__(self) -> int:
        sent = 0
        while True:
            events = self.portal.bus.bodies(queues.HEARING_EVENTS)[self.done[queues.HEARING_EVENTS] :]
            batches = self.portal.bus.bodies(queues.NOTIFICATION_BATCHES)[self.done[queues.NOTIFICATION_BATCHES] :]
            if not events and not batches:
                return sent
            for body in events:
                self.portal.call(notifications.fan_out, *_event(body))
            self.done[queues.HEARING_EVENTS] += len(events)
            for body in batches:
                sent += self.portal.call(notifications.send_batch, body)
            self.done[queues.NOTIFICATION_BATCHES] += len(batches)


def _event(body: dict[str, Any]) -> tuple[str, str, EventKind, list[str]]:
    fields = body.get("fields") or []
    assert isinstance(fields, list)
    return str(body["hearingId"]), str(body["eventId"]), EventKind(str(body["kind"])), [str(f) for f in fields]


@pytest.fixture
def portal() -> Portal:
    portal = Portal.start()
    portal.add_area(ReferenceType.SUBJECT_AREA, "trafik", "Trafik")
    return portal


def follows(portal: Portal, who: Any, kind: TargetKind, target_id: str) -> None:
    portal.call(follow, who, FollowRequest(kind=kind, target_id=target_id))


def opened_hearing_followed_by(portal: Portal, *people: Any, **fields: Any) -> str:
    hearing_id = portal.scheduled(starts_in=timedelta(seconds=1), **fields)
    for person in people:
        follows(portal, person, TargetKind.HEARING, hearing_id)
    portal.clock.advance(seconds=1)
    from shared.services.hearings import advance_due_hearings

    portal.call(advance_due_hearings)
    return hearing_id


def test_a_new_hearing_reaches_each_follower_once_even_when_both_queues_redeliver(portal: Portal) -> None:
    pump = Pump(portal)
    opened_hearing_followed_by(portal, ANNA, ERIK, title="Ny cykelsti på Amagerbrogade")

    assert pump() == 2
    # Both consumers get their messages again, as after a crash before completing them.
    for body in portal.bus.bodies(queues.HEARING_EVENTS):
        portal.call(notifications.fan_out, *_event(body))
    for body in portal.bus.bodies(queues.NOTIFICATION_BATCHES):
        assert portal.call(notifications.send_batch, body) == 0

    assert len(portal.mailer.sent) == 2
    to_erik = portal.mailer.to("erik@kommune.example")[0]
    assert to_erik.subject == "Ny høring: Ny cykelsti på Amagerbrogade"
    assert "Høringsfrist:" in to_erik.text and "kl." in to_erik.text  # Copenhagen time, written out
    [to_anna] = [m for m in portal.mailer.sent if m.channel == "digital-post"]
    assert to_anna.recipient.startswith("cpr-sealed:")  # Digital Post by CPR number, sealed until sent
    assert portal.vault.unseal(to_anna.recipient.removeprefix("cpr-sealed:")) == ANNA.cpr


def test_someone_following_a_hearing_and_its_area_gets_one_notice(portal: Portal) -> None:
    pump = Pump(portal)
    follows(portal, ANNA, TargetKind.SUBJECT_AREA, "trafik")
    opened_hearing_followed_by(portal, ANNA, subject_area_ids=["trafik"])

    assert pump() == 1
    assert len(portal.mailer.sent) == 1


class FlakyMailer(FakeMailer):
    """Fails for chosen recipients: always, or with a Retry-After."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: dict[str, Exception] = {}

    def send(self, notification: Notification) -> bool:
        failure = self.failing.get(notification.recipient)
        if failure is not None:
            raise failure
        return super().send(notification)


def test_a_failing_recipient_does_not_hold_back_the_others_and_is_retried_with_backoff(portal: Portal) -> None:
    mailer = FlakyMailer()
    portal.mailer = mailer
    kim, lis = employee("entra:kim"), employee("entra:lis")
    mailer.failing["kim@kommune.example"] = DeliveryError("SMTP server did not take the message (451)")
    mailer.failing["lis@kommune.example"] = RetryLater("Graph answered 429", after=120)
    pump = Pump(portal)
    hearing_id = opened_hearing_followed_by(portal, kim, ERIK, lis)

    assert pump() == 1
    assert [m.recipient for m in mailer.sent] == ["erik@kommune.example"]
    page = portal.call(notifications.hearing_deliveries, caseworker(), hearing_id)
    by_person = {d.recipient: d for d in page.items}
    assert by_person["k***@kommune.example"].state is DeliveryState.QUEUED
    assert by_person["k***@kommune.example"].attempts == 1
    assert by_person["k***@kommune.example"].reason == "SMTP server did not take the message (451)"
    assert by_person["l***@kommune.example"].attempts == 0  # Retry-After spends no attempt
    assert by_person["e***@kommune.example"].state is DeliveryState.SENT
    assert all("kim@" not in (d.reason or "") and "@" not in d.recipient.split("***")[0] for d in page.items)

    assert portal.call(notifications.retry_deliveries) == 0  # nothing is due yet
    mailer.failing.clear()
    portal.clock.advance(minutes=2)
    assert portal.call(notifications.retry_deliveries) == 2
    assert portal.call(notifications.retry_deliveries) == 0
    assert sorted(m.recipient for m in mailer.sent) == [
        "erik@kommune.example",
        "kim@kommune.example",
        "lis@kommune.example",
    ]


@pytest.mark.parametrize("fail_on", [1, 2, 3, 4])
def test_a_store_failing_half_way_through_a_large_batch_tells_each_recipient_once_on_redelivery(
    portal: Portal, fail_on: int
) -> None:
    hearing_id = portal.scheduled()
    people = [f"p{n:03d}" for n in range(BATCH_LIMIT + BATCH_LIMIT // 2)]
    body = notifications.Batch(
        hearing_id=hearing_id,
        event_id=f"{hearing_id}:changed:1",
        kind=EventKind.CHANGED,
        fields=["deadline"],
        recipients=[
            Recipient(
                person=f"mitid:{p}",
                channel="email",
                address=f"{p}@example.org",
                subscriber=f"mitid:{p}",
                target=f"hearing:{hearing_id}",
            )
            for p in people
        ],
    ).to_document()
    # Writes: the first chunk's records, their outcomes, then the second chunk's records and outcomes.
    failing = FailingStore(portal.store, fail_on=fail_on)
    with pytest.raises(InjectedFailure):
        dataclasses.replace(portal, store=failing).call(notifications.send_batch, body)

    portal.call(notifications.send_batch, body)  # the queue hands the message over again

    once = Counter(f"{p}@example.org" for p in people)
    assert Counter(m.recipient for m in portal.mailer.sent) == once
    # A chunk whose outcome was lost is handed over again by the sweep under the same notification
    # ids, which the channel knows: nobody gets a second message, and every record ends up sent.
    assert portal.call(notifications.retry_deliveries) == 0
    assert Counter(m.recipient for m in portal.mailer.sent) == once
    states = {d.state for d in portal.call(notifications.hearing_deliveries, caseworker(), hearing_id, 500).items}
    assert states == {DeliveryState.SENT}


def test_only_owners_and_admins_see_delivery_status(portal: Portal) -> None:
    hearing_id = portal.scheduled()
    with pytest.raises(Forbidden):
        portal.call(notifications.hearing_deliveries, ERIK, hearing_id)


def test_a_change_says_what_changed(portal: Portal) -> None:
    pump = Pump(portal)
    hearing_id = opened_hearing_followed_by(portal, ERIK)
    pump()
    portal.call(edit_hearing, caseworker(), hearing_id, HearingChanges(title="Ny titel", summary="Nyt resumé"))

    pump()

    change = portal.mailer.sent[-1]
    assert change.subject.startswith("Høringen er ændret")
    assert "Titlen er ændret." in change.text and "Resuméet er ændret." in change.text


def test_the_deadline_warning_is_sent_once_and_again_when_the_deadline_moves(portal: Portal) -> None:
    pump = Pump(portal)
    hearing_id = opened_hearing_followed_by(portal, ERIK)  # runs for 14 days
    pump()
    portal.clock.advance(days=10)
    assert portal.call(notifications.warn_deadlines) == 0  # four days left, warned at three

    portal.clock.advance(days=1, hours=1)
    assert portal.call(notifications.warn_deadlines) == 1
    assert portal.call(notifications.warn_deadlines) == 0
    pump()
    assert len(warned(portal)) == 1

    hearing = portal.stored_hearing(hearing_id)
    assert hearing.start is not None and hearing.deadline is not None
    later = ScheduleRequest(start=hearing.start, deadline=hearing.deadline + timedelta(minutes=30))
    portal.call(schedule_hearing, caseworker(), hearing_id, later)
    assert portal.call(notifications.warn_deadlines) == 1
    pump()
    assert len(warned(portal)) == 2


def test_each_hearing_type_warns_its_own_number_of_days_before_the_deadline(portal: Portal) -> None:
    from shared.domain.reference import HearingTemplate
    from shared.services.repositories import ReferenceRepository

    references = ReferenceRepository(portal.store)
    references.put(HearingTemplate(id="lokalplan", name="Lokalplan", deadline_warning_days=7))
    references.put(HearingTemplate(id="intern", name="Intern høring", deadline_warning_days=0))
    pump = Pump(portal)
    week = opened_hearing_followed_by(portal, ERIK, template_id="lokalplan")
    never = opened_hearing_followed_by(portal, ERIK, template_id="intern", title="Stille høring")
    pump()
    portal.clock.advance(days=6, hours=12)  # seven and a half days left
    assert portal.call(notifications.warn_deadlines) == 0

    portal.clock.advance(days=1)  # six and a half days left: the plan's type warns at seven
    assert portal.call(notifications.warn_deadlines) == 1
    pump()
    [warning] = [m for m in portal.mailer.sent if m.subject.startswith("Høringsfristen er om 7 dage")]
    assert warning.subject.endswith(portal.stored_hearing(week).title)

    portal.clock.advance(days=6)  # half a day left: the type that warns at 0 days never warns
    assert portal.call(notifications.warn_deadlines) == 0
    pump()
    assert not [m for m in portal.mailer.sent if m.subject.startswith("Høringsfristen") and never in m.text]


def warned(portal: Portal) -> list[Notification]:
    return [m for m in portal.mailer.sent if m.subject.startswith("Høringsfristen er om 3 dage")]


def test_concluded_carries_the_conclusion_and_cancelled_ends_the_follow(portal: Portal) -> None:
    pump = Pump(portal)
    concluded = portal.active()
    follows(portal, ERIK, TargetKind.HEARING, concluded)
    from shared.services.hearing_api import Conclusion
    from shared.services.hearings import advance_due_hearings, cancel_hearing, conclude_hearing

    deadline = portal.stored_hearing(concluded).deadline
    assert deadline is not None
    portal.clock.set(deadline)
    portal.call(advance_due_hearings)
    portal.call(conclude_hearing, caseworker(), concluded, Conclusion(conclusion="Cykelstien anlægges."))
    cancelled = portal.scheduled(title="Ny bro")
    follows(portal, ERIK, TargetKind.HEARING, cancelled)
    portal.call(cancel_hearing, caseworker(), cancelled)

    pump()

    texts = {m.subject: m.text for m in portal.mailer.sent}
    [conclusion] = [t for s, t in texts.items() if s.startswith("Høringen er afsluttet")]
    assert "Cykelstien anlægges." in conclusion
    assert any(s.startswith("Høringen er aflyst") for s in texts)
    assert [s.target_id for s in portal.call(my_subscriptions, ERIK)] == [concluded]


def test_nobody_is_told_of_a_hearing_they_may_no_longer_see(portal: Portal) -> None:
    pump = Pump(portal)
    hearing_id = opened_hearing_followed_by(portal, ANNA, ERIK)
    pump()
    portal.call(edit_hearing, caseworker(), hearing_id, HearingChanges(visibility=Visibility.INTERNAL))

    pump()

    changed = [m for m in portal.mailer.sent if m.subject.startswith("Høringen er ændret")]
    assert [m.recipient for m in changed] == ["erik@kommune.example"]


def test_english_preferences_bring_english_messages_with_a_working_one_click_unsubscribe(portal: Portal) -> None:
    pump = Pump(portal)
    portal.call(preferences.set_preferences, ERIK, PreferencesRequest(language="en"))
    hearing_id = opened_hearing_followed_by(portal, ERIK, title="Cycle path")
    pump()

    [message] = portal.mailer.sent
    assert message.subject == "New hearing: Cycle path"
    assert message.language == "en"
    assert message.unsubscribe is not None and message.unsubscribe.url
    headers = message.unsubscribe.headers()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.unsubscribe.url in message.text
    token = parse_qs(urlsplit(message.unsubscribe.url).query)["token"][0]

    preview = portal.call(preferences.unsubscribe_preview, token)
    assert preview.following and preview.target == f"hearing:{hearing_id}"
    portal.call(preferences.unsubscribe, token)
    portal.call(preferences.unsubscribe, token)  # a second click changes nothing
    assert portal.call(my_subscriptions, ERIK) == []

    with pytest.raises(InvalidInput) as refused:
        portal.call(preferences.unsubscribe, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert refused.value.problems[0].field == "token"


def test_invitees_get_no_unsubscribe_link(portal: Portal) -> None:
    from shared.services.hearing_api import InviteeList
    from shared.services.hearings import set_invitees

    pump = Pump(portal)
    hearing_id = portal.scheduled(visibility=Visibility.CLOSED, starts_in=timedelta(seconds=1))
    portal.call(set_invitees, caseworker(), hearing_id, InviteeList(invitees=["0707801234", "39162571"]))
    portal.clock.advance(seconds=1)
    from shared.services.hearings import advance_due_hearings

    portal.call(advance_due_hearings)
    assert pump() == 2
    assert all(m.unsubscribe is None for m in portal.mailer.sent)
    assert {m.recipient.split(":")[0] for m in portal.mailer.sent} == {"cpr-sealed", "cvr"}


def test_a_daily_digest_instead_of_messages_sent_at_seven_copenhagen_time(portal: Portal) -> None:
    pump = Pump(portal)
    portal.call(preferences.set_preferences, ERIK, PreferencesRequest(frequency=Frequency.DAILY))
    hearing_id = opened_hearing_followed_by(portal, ERIK, title="Ny skole")
    pump()
    portal.call(edit_hearing, caseworker(), hearing_id, HearingChanges(summary="Nyt"))
    pump()
    assert portal.mailer.sent == []

    portal.clock.set(datetime(2026, 5, 5, 4, 30, tzinfo=UTC))  # 06:30 in Copenhagen (summer time)
    assert portal.call(digests.send_digests) == 0
    portal.clock.set(datetime(2026, 5, 5, 5, 5, tzinfo=UTC))  # 07:05
    portal.call(digests.send_digests)
    portal.call(digests.send_digests)  # the timer again in the same hour

    [digest] = portal.mailer.sent
    assert digest.subject == "Dagens nyt fra dine høringer"
    assert digest.text.count("Ny skole") >= 2  # the hearing's group and its items


def test_choosing_digital_post_or_an_impossible_channel(portal: Portal) -> None:
    with pytest.raises(InvalidInput) as refused:
        portal.call(preferences.set_preferences, ANNA, PreferencesRequest(channel=ChannelChoice.EMAIL))
    assert refused.value.problems[0].field == "channel"
    karin = company_user()
    view = portal.call(preferences.set_preferences, karin, PreferencesRequest(channel=ChannelChoice.DIGITAL_POST))
    assert view.channel == "digital-post"
    assert portal.call(preferences.my_preferences, BO).channel == "digital-post"
    assert portal.call(preferences.my_preferences, ERIK).channel == "email"


def test_a_rendered_message_is_sent_once_with_its_delivery_tracked(portal: Portal) -> None:
    hearing_id = portal.scheduled()
    recipient = Recipient(person="entra:erik", channel="email", address="erik@kommune.example")
    message = Rendered(subject="Borgermøde", text="Kom og vær med\n", html="<p>Kom og vær med</p>\n")

    first = portal.call(notifications.send_notification, hearing_id, "meeting-1:invitation:0", recipient, message)
    again = portal.call(notifications.send_notification, hearing_id, "meeting-1:invitation:0", recipient, message)

    assert first.delivery.state is DeliveryState.SENT and again.id == first.id
    assert len(portal.mailer.sent) == 1


# -- channels chosen by the settings ------------------------------------------------------------------


def test_smtp_is_chosen_by_its_setting_and_digital_post_stays_in_the_outbox(tmp_path: Path) -> None:
    from shared import bootstrap
    from shared.adapters.graph_mailer import MailerByChannel
    from shared.adapters.smtp_mailer import SmtpMailer
    from shared.settings import Settings
    from tests.fakes import InMemoryFiles

    settings = Settings(mailer="smtp", smtp_host="smtp.kommune.example", mail_sender="hoeringer@kommune.example")
    chosen = bootstrap._mailer(settings, tmp_path, InMemoryFiles())

    assert isinstance(chosen, MailerByChannel)
    assert isinstance(chosen._mailers["email"], SmtpMailer)
    chosen.send(Notification("dp-1", "digital-post", "cvr:39162571", "Emne", "Tekst\n", "<p>Tekst</p>\n"))
    assert [path.name for path in (tmp_path / "outbox").glob("*.eml")] == ["dp-1.eml"]


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"PORTAL_MAILER": "smtp"}, "PORTAL_SMTP_HOST"),
        ({"PORTAL_DIGITAL_POST": "ngdp"}, "PORTAL_DIGITAL_POST_ENDPOINT, PORTAL_DIGITAL_POST_CERTIFICATE"),
        ({"PORTAL_UNSUBSCRIBE_KEY": "@Microsoft.KeyVault(SecretUri=x)"}, "PORTAL_UNSUBSCRIBE_KEY"),
    ],
)
def test_an_incomplete_channel_is_refused_at_start_naming_what_is_missing(values: dict[str, str], named: str) -> None:
    from shared.settings import Settings

    with pytest.raises(ValueError, match=named):
        Settings.from_environment(values)
