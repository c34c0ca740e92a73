"""Following hearings and areas, and being told once when something happens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.errors import InvalidInput, NotAuthenticated, NotFound
from shared.domain.hearing import EventKind, Visibility
from shared.domain.reference import ReferenceType
from shared.domain.subscription import TargetKind
from shared.services import queues
from shared.services.hearing_api import ScheduleRequest
from shared.services.hearings import advance_due_hearings, cancel_hearing, schedule_hearing
from shared.services.subscriptions import FollowRequest, follow, my_subscriptions, notify_followers, unfollow
from tests.fakes import Portal, caseworker, citizen, company_user, employee

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


def deliver_hearing_events(portal: Portal, since: int = 0) -> int:
    """What the hearing-events queue consumer does with every message published so far."""
    sent = 0
    for body in portal.bus.bodies(queues.HEARING_EVENTS)[since:]:
        sent += portal.call(
            notify_followers, str(body["hearingId"]), str(body["eventId"]), EventKind(str(body["kind"]))
        )
    return sent


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


# -- being told ------------------------------------------------------------------------------------


def test_followers_of_a_hearing_are_told_in_danish_once_even_when_the_event_is_redelivered(portal: Portal) -> None:
    hearing_id = portal.scheduled(starts_in=timedelta(seconds=1), title="Ny cykelsti på Amagerbrogade")
    portal.call(follow, ANNA, following(TargetKind.HEARING, hearing_id))
    portal.call(follow, employee(), following(TargetKind.HEARING, hearing_id))
    portal.clock.advance(seconds=1)
    portal.call(advance_due_hearings)

    assert deliver_hearing_events(portal) == 2
    assert deliver_hearing_events(portal) == 0  # the queue delivered the same message again

    assert len(portal.mailer.sent) == 2
    [to_anna] = portal.mailer.to(ANNA.subject)
    assert to_anna.channel == "digital-post"
    assert to_anna.subject == "Ny høring: Ny cykelsti på Amagerbrogade"
    assert "Ny cykelsti på Amagerbrogade" in to_anna.text
    assert "Høringsfrist:" in to_anna.text
    assert f"{portal.public_base_url}/api/hearings/{hearing_id}" in to_anna.text
    assert "Mine abonnementer" in to_anna.text  # no web front end configured: says where, no dead link
    [to_erik] = portal.mailer.to("erik@kommune.example")
    assert to_erik.channel == "email"


def test_the_deadline_in_a_message_is_copenhagen_time(portal: Portal) -> None:
    hearing_id = portal.draft()
    portal.call(follow, caseworker(), following(TargetKind.HEARING, hearing_id))
    request = ScheduleRequest.model_validate({"start": "2026-05-04T10:00:01", "deadline": "2026-11-02T12:00"})
    portal.call(schedule_hearing, caseworker(), hearing_id, request)

    portal.call(notify_followers, hearing_id, f"{hearing_id}:opened", EventKind.OPENED)

    [message] = portal.mailer.sent
    assert "Høringsfrist: 2026-11-02T12:00+01:00" in message.text


def test_the_html_message_escapes_the_title(portal: Portal) -> None:
    hearing_id = portal.scheduled(title="Vej <script>alert(1)</script> & sti")
    portal.call(follow, ANNA, following(TargetKind.HEARING, hearing_id))

    portal.call(notify_followers, hearing_id, f"{hearing_id}:changed:1", EventKind.CHANGED)

    [message] = portal.mailer.sent
    assert "<script>" not in message.html
    assert "&lt;script&gt;" in message.html
    assert message.subject == "Høringen er ændret: Vej <script>alert(1)</script> & sti"


def test_each_event_is_a_separate_message(portal: Portal) -> None:
    hearing_id = portal.scheduled(starts_in=timedelta(seconds=1))
    portal.call(follow, ANNA, following(TargetKind.HEARING, hearing_id))
    portal.clock.advance(seconds=1)
    portal.call(advance_due_hearings)
    portal.clock.advance(days=15)
    portal.call(advance_due_hearings)
    deliver_hearing_events(portal)

    assert [m.subject.split(":")[0] for m in portal.mailer.sent] == ["Ny høring", "Høringsfristen er udløbet"]


def test_area_and_kle_followers_hear_about_new_external_hearings(portal: Portal) -> None:
    portal.call(follow, ANNA, following(TargetKind.SUBJECT_AREA, "trafik"))
    portal.call(follow, BO, following(TargetKind.CITY_AREA, "amager"))
    karin = company_user()
    portal.call(follow, karin, following(TargetKind.KLE, "05"))  # a KLE group covers its sub-numbers
    nobody = citizen("mitid:nobody")
    portal.call(follow, nobody, following(TargetKind.KLE, "06"))

    portal.active(subject_area_ids=["trafik"], city_area_ids=["amager"], kle="05.04.01")
    deliver_hearing_events(portal)

    assert {m.recipient for m in portal.mailer.sent} == {ANNA.subject, BO.subject, karin.subject}
    assert all(m.subject.startswith("Ny høring:") for m in portal.mailer.sent)


def test_area_followers_hear_only_about_the_opening(portal: Portal) -> None:
    portal.call(follow, ANNA, following(TargetKind.SUBJECT_AREA, "trafik"))
    hearing_id = portal.active(subject_area_ids=["trafik"])
    deliver_hearing_events(portal)
    opened = len(portal.bus.messages(queues.HEARING_EVENTS))

    portal.clock.advance(days=15)
    portal.call(advance_due_hearings)
    deliver_hearing_events(portal, since=opened)

    assert [m.subject for m in portal.mailer.sent] == [f"Ny høring: {portal.stored_hearing(hearing_id).title}"]


def test_area_followers_are_not_told_about_internal_or_closed_hearings(portal: Portal) -> None:
    colleague = employee("entra:kim")
    portal.call(follow, colleague, following(TargetKind.SUBJECT_AREA, "trafik"))
    portal.call(follow, ANNA, following(TargetKind.SUBJECT_AREA, "trafik"))
    internal = portal.scheduled(
        visibility=Visibility.INTERNAL, subject_area_ids=["trafik"], starts_in=timedelta(seconds=1)
    )
    portal.call(follow, colleague, following(TargetKind.HEARING, internal))
    portal.active(visibility=Visibility.CLOSED, subject_area_ids=["trafik"])

    deliver_hearing_events(portal)

    # Only the colleague who follows the internal hearing itself is told it opened.
    assert [(m.recipient, m.subject.split(":")[0]) for m in portal.mailer.sent] == [
        ("kim@kommune.example", "Ny høring")
    ]


def test_someone_following_a_hearing_and_its_area_gets_one_message(portal: Portal) -> None:
    hearing_id = portal.scheduled(subject_area_ids=["trafik"], starts_in=timedelta(seconds=1))
    portal.call(follow, ANNA, following(TargetKind.HEARING, hearing_id))
    portal.call(follow, ANNA, following(TargetKind.SUBJECT_AREA, "trafik"))

    portal.call(notify_followers, hearing_id, f"{hearing_id}:opened", EventKind.OPENED)

    assert len(portal.mailer.sent) == 1


def test_an_event_for_a_hearing_that_is_gone_tells_nobody(portal: Portal) -> None:
    assert portal.call(notify_followers, "no-such-hearing", "no-such-hearing:opened", EventKind.OPENED) == 0
    assert portal.mailer.sent == []


def test_followers_are_told_when_a_scheduled_hearing_is_cancelled(portal: Portal) -> None:
    hearing_id = portal.scheduled(title="Ny bro over havnen")
    portal.call(follow, ANNA, following(TargetKind.HEARING, hearing_id))
    portal.call(cancel_hearing, caseworker(), hearing_id)

    assert deliver_hearing_events(portal) == 1
    [to_anna] = portal.mailer.to(ANNA.subject)
    assert to_anna.subject == "Høringen er aflyst: Ny bro over havnen"


def test_with_a_web_front_end_the_links_lead_there(portal: Portal) -> None:
    portal.web_base_url = "https://www.kommune.example/"
    hearing_id = portal.scheduled(title="Ny bro over havnen")
    portal.call(follow, ANNA, following(TargetKind.HEARING, hearing_id))
    portal.call(cancel_hearing, caseworker(), hearing_id)
    deliver_hearing_events(portal)

    [to_anna] = portal.mailer.to(ANNA.subject)
    assert f"https://www.kommune.example/hoeringer/{hearing_id}" in to_anna.text
    assert "Stop med at følge: https://www.kommune.example/abonnementer" in to_anna.text
    assert 'href="https://www.kommune.example/abonnementer"' in to_anna.html
