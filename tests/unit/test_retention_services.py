"""Retention and a person's own data, on the fakes: who is purged when, what stays, resuming, copies, deletion."""

from __future__ import annotations

import pytest

from shared.domain.identity import Identity
from shared.domain.response import response_id_for
from shared.domain.retention import Eligibility, Step
from shared.domain.subscription import TargetKind
from shared.services.hearing_api import Conclusion
from shared.services.hearings import conclude_hearing
from shared.services.personal_data import Outcome, delete_my_data, my_data
from shared.services.records import journalise_hearing
from shared.services.repositories import AuditRepository, ResponseRepository
from shared.services.responses import Decision, ResponseSubmission, decide_response, screen_response, submit_response
from shared.services.retention import purge_due, purge_hearing
from shared.services.subscriptions import FollowRequest, follow
from tests.fakes import InjectedFailure, Portal, caseworker, citizen, company_user

ANNA = citizen("mitid:anna", "Anna Jensen")
BO = citizen("mitid:bo", "Bo Lauritsen")
KARIN = company_user()


class FakeErasure:
    def __init__(self) -> None:
        self.fail_messages_once = False
        self.forgotten: list[str] = []

    def forget_messages(self, hearing_id: str) -> int:
        if self.fail_messages_once:
            self.fail_messages_once = False
            raise InjectedFailure("the queue did not answer")
        self.forgotten.append(hearing_id)
        return 0

    def forget_notifications(self, hearing_id: str) -> int:
        return 0

    def erase_freed(self) -> None:
        pass


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def respond(portal: Portal, hearing_id: str, who: Identity, text: str, approve: bool | None) -> str:
    receipt, _ = portal.call(submit_response, who, hearing_id, ResponseSubmission(text=text))
    portal.call(screen_response, hearing_id, receipt.response_id)
    if approve is not None:
        decision = Decision(clear_flags=True) if approve else Decision(reason="Uden for høringens emne.")
        portal.call(decide_response, caseworker(), hearing_id, receipt.response_id, approve, decision)
    return receipt.response_id


def concluded_with_responses(portal: Portal, journalise: bool = True) -> tuple[str, dict[str, str]]:
    hearing_id = portal.active()
    ids = {
        "anna": respond(portal, hearing_id, ANNA, "Jeg, Anna Jensen, støtter planen.", True),
        "bo": respond(portal, hearing_id, BO, "Nej tak.", False),
        "karin": respond(portal, hearing_id, KARIN, "Virksomheden støtter planen.", True),
    }
    portal.call(follow, ANNA, FollowRequest(kind=TargetKind.HEARING, target_id=hearing_id))
    deadline = portal.stored_hearing(hearing_id).deadline
    assert deadline is not None
    portal.clock.set(deadline)
    portal.call(conclude_hearing, caseworker(), hearing_id, Conclusion(conclusion="Planen vedtages."))
    if journalise:
        assert portal.call(journalise_hearing, hearing_id)
    return hearing_id, ids


def test_a_hearing_is_kept_until_its_period_has_passed(portal: Portal) -> None:
    hearing_id, _ = concluded_with_responses(portal)
    portal.clock.advance(days=729)
    outcome = portal.call(purge_hearing, hearing_id, erasure=FakeErasure())
    assert outcome.eligibility is Eligibility.NOT_YET
    assert ResponseRepository(portal.store).get(hearing_id, response_id_for(hearing_id, "mitid:bo"))


def test_a_hearing_past_its_period_but_not_journalised_is_reported_and_kept(portal: Portal) -> None:
    hearing_id, ids = concluded_with_responses(portal, journalise=False)
    portal.clock.advance(days=731)
    report = portal.call(purge_due, erasure=FakeErasure())
    assert report.purged == [] and report.not_journalised == [hearing_id]
    assert portal.stored_response(hearing_id, ids["bo"]).respondent.name == "Bo Lauritsen"


def test_only_published_responses_stay_under_their_public_author(portal: Portal) -> None:
    hearing_id, ids = concluded_with_responses(portal)
    portal.clock.advance(days=731)
    report = portal.call(purge_due, erasure=FakeErasure())
    assert [outcome.hearing_id for outcome in report.purged] == [hearing_id]

    anna = portal.stored_response(hearing_id, ids["anna"])
    assert anna.respondent.public_author() == "Borger" and anna.respondent.cpr_sealed is None
    assert "Anna" not in anna.text and "Jensen" not in anna.text and "støtter planen" in anna.text
    karin = portal.stored_response(hearing_id, ids["karin"])
    assert karin.respondent.public_author() == "Holm & Co ApS" and "Karin" not in karin.respondent.name
    assert ResponseRepository(portal.store).get(hearing_id, ids["bo"]) is None  # declined: deleted
    assert portal.call(my_data, ANNA).subscriptions == []
    hearing = portal.stored_hearing(hearing_id)
    assert hearing.personal_data_deleted_at == portal.clock.now()
    assert set(hearing.retention_steps_done) == {step.value for step in Step}


def test_a_run_stopped_half_way_is_finished_by_the_next_and_audited_once(portal: Portal) -> None:
    hearing_id, ids = concluded_with_responses(portal)
    portal.clock.advance(days=731)
    erasure = FakeErasure()
    erasure.fail_messages_once = True

    with pytest.raises(InjectedFailure):
        portal.call(purge_due, erasure=erasure)
    stopped = portal.stored_hearing(hearing_id)
    assert stopped.personal_data_deleted_at is None
    assert Step.SUBSCRIPTIONS.value in stopped.retention_steps_done
    assert Step.QUEUE.value not in stopped.retention_steps_done

    report = portal.call(purge_due, erasure=erasure)
    assert [outcome.hearing_id for outcome in report.purged] == [hearing_id]
    assert erasure.forgotten == [hearing_id]
    assert ResponseRepository(portal.store).get(hearing_id, ids["bo"]) is None
    assert portal.call(purge_due, erasure=erasure).purged == []  # done: nothing more to do
    trail, _ = AuditRepository(portal.store).page(hearing_id, 500, None)
    deleted = [entry for entry in trail if entry.action == "personal-data.deleted"]
    assert len(deleted) == 1 and deleted[0].actor == "system"
    assert all(value.isdigit() for value in deleted[0].details.values())


def test_my_data_is_a_copy_of_my_own_data_only(portal: Portal) -> None:
    hearing_id = portal.active()
    respond(portal, hearing_id, ANNA, "Jeg støtter planen.", None)
    respond(portal, hearing_id, BO, "Bo er imod.", None)
    portal.call(follow, ANNA, FollowRequest(kind=TargetKind.HEARING, target_id=hearing_id))

    copy = portal.call(my_data, ANNA)
    assert [r["text"] for r in copy.responses] == ["Jeg støtter planen."]
    assert copy.cpr_number == "010190-XXXX"
    assert all("cprSealed" not in r["respondent"] for r in copy.responses)
    assert [s["targetId"] for s in copy.subscriptions] == [hearing_id]
    everything = copy.model_dump_json()
    # Bo's text, name and sign-in, not the letters "Bo", which a signed receipt may hold by chance.
    assert all(part not in everything for part in ("Bo er imod", BO.name, BO.subject))


def test_deleting_my_data_holds_what_the_archiving_rule_keeps(portal: Portal) -> None:
    archived_id, _ = concluded_with_responses(portal)
    portal.clock.advance(hours=1)
    open_id = portal.active()
    mine = respond(portal, open_id, ANNA, "Jeg har ombestemt mig.", None)

    answer = portal.call(delete_my_data, ANNA)
    by_hearing = {item.hearing_id: item for item in answer.items if item.kind == "response"}
    assert by_hearing[open_id].outcome is Outcome.DELETED
    assert by_hearing[archived_id].outcome is Outcome.HELD and "journalised" in (by_hearing[archived_id].reason or "")
    assert ResponseRepository(portal.store).get(open_id, mine) is None
    assert [item.outcome for item in answer.items if item.kind == "subscription"] == [Outcome.DELETED]
    assert portal.call(my_data, ANNA).subscriptions == []
