"""Owners and reviewers are told when responses wait for review too long: once, and again for new ones."""

from __future__ import annotations

import pytest

from shared.domain.preferences import PreferencesRequest
from shared.ports.mail import Notification
from shared.services import preferences
from shared.services.hearing_api import HearingChanges
from shared.services.hearings import edit_hearing
from shared.services.responses import Decision, ResponseSubmission, decide_response, screen_response, submit_response
from shared.services.review_waits import tell_of_waiting_responses
from tests.fakes import Portal, caseworker, citizen, employee

OWNER = caseworker()
ERIK = employee("entra:erik")


@pytest.fixture
def portal() -> Portal:
    portal = Portal.start()
    portal.call(preferences.my_preferences, OWNER)
    portal.call(preferences.set_preferences, ERIK, PreferencesRequest(language="en"))
    return portal


def waiting_response(portal: Portal, hearing_id: str, number: int) -> str:
    who = citizen(f"mitid:borger{number}", f"Borger {number}")
    submission = ResponseSubmission.model_validate({"text": f"Svar nummer {number} om cykelstien."})
    receipt, _ = portal.call(submit_response, who, hearing_id, submission)
    portal.call(screen_response, hearing_id, receipt.response_id)
    return receipt.response_id


def told(portal: Portal, person: str) -> list[Notification]:
    return [
        m for m in portal.mailer.to(f"{person}@kommune.example") if "review" in m.subject or "gennemsyn" in m.subject
    ]


def test_moderators_are_told_once_per_batch_of_responses_past_the_limit_and_again_for_new_ones(portal: Portal) -> None:
    hearing_id = portal.active(OWNER, title="Cykelsti på Amagerbrogade")
    portal.call(edit_hearing, OWNER, hearing_id, HearingChanges(reviewers=[ERIK.subject]))
    first = [waiting_response(portal, hearing_id, n) for n in (1, 2)]

    portal.clock.advance(hours=47)
    assert portal.call(tell_of_waiting_responses) == 0  # 48 hours by default

    portal.clock.advance(hours=2)
    assert portal.call(tell_of_waiting_responses) == 2  # the owner and the reviewer
    [to_owner] = told(portal, "henriette")
    assert to_owner.subject == "2 høringssvar venter på gennemsyn: Cykelsti på Amagerbrogade"
    assert "mere end 48 timer" in to_owner.text and f"/hoeringer/{hearing_id}" in to_owner.text
    [to_erik] = told(portal, "erik")
    assert to_erik.subject == "2 responses are waiting for review: Cykelsti på Amagerbrogade"

    for _ in range(3):  # the same waiting responses are not announced every hour
        portal.clock.advance(hours=1)
        assert portal.call(tell_of_waiting_responses) == 0
    portal.call(decide_response, OWNER, hearing_id, first[0], True, Decision())
    assert portal.call(tell_of_waiting_responses) == 0  # fewer waiting is no news

    waiting_response(portal, hearing_id, 3)
    portal.clock.advance(hours=48, minutes=1)
    assert portal.call(tell_of_waiting_responses) == 2  # a new one passed the limit
    assert [m.subject for m in told(portal, "henriette")][-1].startswith("2 høringssvar venter")  # first[1] and later
    assert portal.call(tell_of_waiting_responses) == 0
    assert len(told(portal, "henriette")) == len(told(portal, "erik")) == 2


def test_a_limit_of_zero_tells_nobody_and_an_owner_without_an_address_is_skipped(portal: Portal) -> None:
    unknown_owner = caseworker("entra:niels")  # never signed in to the portal: no address
    waiting_response(portal, portal.active(unknown_owner), 1)
    waiting_response(portal, portal.active(OWNER), 2)
    portal.clock.advance(hours=72)
    never = portal.settings.model_copy(update={"review_wait_hours": 0})

    assert portal.call(tell_of_waiting_responses, settings=never) == 0
    assert told(portal, "henriette") == []
    assert portal.call(tell_of_waiting_responses) == 1  # the owner with an address; nobody for the other
    assert len(told(portal, "henriette")) == 1
    assert not [
        m for m in portal.mailer.sent if "gennemsyn" in m.subject and m.recipient != "henriette@kommune.example"
    ]
