"""Reviewers are told when an owner adds them to a hearing, once, in the language they chose."""

from __future__ import annotations

from shared.domain.preferences import PreferencesRequest
from shared.services import notifications, preferences, queues
from shared.services.hearing_api import HearingChanges
from shared.services.hearings import edit_hearing
from tests.fakes import Portal, caseworker, employee
from tests.unit.test_notifications import Pump, _event

ERIK = employee("entra:erik")
MAJA = employee("entra:maja")
OLE = employee("entra:ole")  # has never signed in: the portal has no address for him


def test_added_reviewers_are_told_once_in_their_language_even_when_both_queues_redeliver() -> None:
    portal = Portal.start()
    portal.call(preferences.set_preferences, ERIK, PreferencesRequest(language="en"))
    portal.call(preferences.my_preferences, MAJA)
    pump = Pump(portal)
    hearing_id = portal.draft(title="Lokalplan for Ørestad Syd")
    reviewers = [ERIK.subject, MAJA.subject, OLE.subject]

    portal.call(edit_hearing, caseworker(), hearing_id, HearingChanges(reviewers=reviewers))

    assert pump() == 2
    for body in portal.bus.bodies(queues.HEARING_EVENTS):
        portal.call(notifications.fan_out, *_event(body))
    for body in portal.bus.bodies(queues.NOTIFICATION_BATCHES):
        assert portal.call(notifications.send_batch, body) == 0
    [to_erik] = portal.mailer.to("erik@kommune.example")
    assert to_erik.subject == "You were added as a reviewer: Lokalplan for Ørestad Syd"
    assert f"/hoeringer/{hearing_id}" in to_erik.text
    assert to_erik.unsubscribe is None  # being a reviewer is not a follow one can stop
    [to_maja] = portal.mailer.to("maja@kommune.example")
    assert to_maja.subject == "Du er tilføjet som kommentator: Lokalplan for Ørestad Syd"
    assert "Du er blevet tilføjet som kommentator" in to_maja.text
    assert len(portal.mailer.sent) == 2


def test_only_newly_added_reviewers_are_told_and_one_added_again_later_is_told_again() -> None:
    portal = Portal.start()
    for person in (ERIK, MAJA):
        portal.call(preferences.my_preferences, person)
    pump = Pump(portal)
    hearing_id = portal.draft()
    owner = caseworker()
    portal.call(edit_hearing, owner, hearing_id, HearingChanges(reviewers=[ERIK.subject]))
    pump()

    portal.call(edit_hearing, owner, hearing_id, HearingChanges(reviewers=[ERIK.subject, MAJA.subject]))
    pump()
    portal.call(edit_hearing, owner, hearing_id, HearingChanges(title="Ny titel"))
    pump()
    assert [len(portal.mailer.to(f"{name}@kommune.example")) for name in ("erik", "maja")] == [1, 1]

    portal.clock.advance(minutes=5)
    portal.call(edit_hearing, owner, hearing_id, HearingChanges(reviewers=[MAJA.subject]))
    portal.clock.advance(minutes=5)
    portal.call(edit_hearing, owner, hearing_id, HearingChanges(reviewers=[MAJA.subject, ERIK.subject]))
    pump()
    assert [len(portal.mailer.to(f"{name}@kommune.example")) for name in ("erik", "maja")] == [2, 1]
