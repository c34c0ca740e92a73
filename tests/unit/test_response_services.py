"""Responses: accepted first with a receipt, screened and moderated later, shown by the rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.problems import problem_type
from shared.domain.errors import Conflict, Forbidden, HearingNotOpen, NotAuthenticated, NotFound
from shared.domain.hearing import Visibility
from shared.domain.response import ResponseStatus
from shared.services import queues
from shared.services.hearing_api import InviteeList
from shared.services.hearings import set_invitees
from shared.services.responses import (
    Decision,
    PublicResponse,
    ResponseSubmission,
    ResponseView,
    decide_response,
    get_response,
    list_responses,
    rescreen_stalled,
    revise_response,
    screen_response,
    submit_response,
    withdraw_response,
)
from tests.fakes import Portal, admin, caseworker, citizen, company_user, employee

ANNA = citizen("mitid:anna", "Anna Jensen")
BO = citizen("mitid:bo", "Bo Nielsen")
KARIN = company_user()


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def say(text: str, publish_name: bool = False) -> ResponseSubmission:
    return ResponseSubmission(text=text, publish_name=publish_name)


def deadline_of(portal: Portal, hearing_id: str) -> timedelta:
    """Time left until the deadline."""
    deadline = portal.stored_hearing(hearing_id).deadline
    assert deadline is not None
    return deadline - portal.clock.now()


# -- intake -----------------------------------------------------------------------------------------


def test_a_citizen_gets_a_receipt_for_a_stored_response(portal: Portal) -> None:
    hearing_id = portal.active()

    receipt, new = portal.call(submit_response, ANNA, hearing_id, say("Jeg støtter cykelstien."))

    assert new is True
    assert receipt.hearing_id == hearing_id
    assert receipt.received_at == portal.clock.now()
    assert receipt.digest.startswith("sha256:")
    stored = portal.stored_response(hearing_id, receipt.response_id)
    assert (stored.text, stored.digest, stored.status) == ("Jeg støtter cykelstien.", receipt.digest, "submitted")
    assert portal.bus.bodies(queues.RESPONSES_RECEIVED) == [
        {"hearingId": hearing_id, "responseId": receipt.response_id}
    ]


def test_anonymous_cannot_respond(portal: Portal) -> None:
    with pytest.raises(NotAuthenticated) as refused:
        portal.call(submit_response, None, portal.active(), say("Hej"))

    assert problem_type(refused.value).status == 401


def test_a_hearing_that_has_not_started_refuses_responses(portal: Portal) -> None:
    hearing_id = portal.scheduled(starts_in=timedelta(hours=1))

    with pytest.raises(HearingNotOpen) as refused:
        portal.call(submit_response, ANNA, hearing_id, say("For tidligt?"))

    assert problem_type(refused.value).status == 409
    assert refused.value.problems[0].field == "hearingId"
    assert portal.bus.messages(queues.RESPONSES_RECEIVED) == []


def test_responses_count_from_the_exact_start_before_the_timer_runs(portal: Portal) -> None:
    hearing_id = portal.scheduled(starts_in=timedelta(hours=1))
    portal.clock.advance(hours=1)

    _, new = portal.call(submit_response, ANNA, hearing_id, say("Lige til tiden."))

    assert new is True


def test_one_microsecond_before_the_deadline_counts_as_on_time(portal: Portal) -> None:
    hearing_id = portal.active()
    portal.clock.advance(deadline_of(portal, hearing_id) - timedelta(microseconds=1))

    _, new = portal.call(submit_response, ANNA, hearing_id, say("I sidste øjeblik."))

    assert new is True


def test_at_the_deadline_responses_are_refused_even_before_the_timer_closes_the_hearing(portal: Portal) -> None:
    hearing_id = portal.active()
    portal.clock.advance(deadline_of(portal, hearing_id))

    with pytest.raises(HearingNotOpen) as refused:
        portal.call(submit_response, ANNA, hearing_id, say("For sent."))

    assert refused.value.problems[0].field == "hearingId"
    assert portal.stored_hearing(hearing_id).status == "active"  # the timer has not run


def test_a_retried_submission_returns_the_first_receipt(portal: Portal) -> None:
    hearing_id = portal.active()
    first, _ = portal.call(submit_response, ANNA, hearing_id, say("Jeg støtter cykelstien."))
    portal.clock.advance(seconds=30)

    again, new = portal.call(submit_response, ANNA, hearing_id, say("Jeg støtter cykelstien."))

    assert new is False
    assert again == first
    assert len(portal.bus.messages(queues.RESPONSES_RECEIVED)) == 1  # the repeat is dropped as a duplicate


def test_a_retry_after_the_deadline_of_a_response_accepted_in_time_returns_its_receipt(portal: Portal) -> None:
    # The receipt was lost on the way back at 23:59:59; the browser retries after midnight.
    hearing_id = portal.active()
    portal.clock.advance(deadline_of(portal, hearing_id) - timedelta(seconds=1))
    first, _ = portal.call(submit_response, ANNA, hearing_id, say("Jeg støtter cykelstien."))
    portal.clock.advance(seconds=2)

    again, new = portal.call(submit_response, ANNA, hearing_id, say("Jeg støtter cykelstien."))

    assert (again, new) == (first, False)


def test_a_second_different_response_is_a_conflict(portal: Portal) -> None:
    hearing_id = portal.active()
    first, _ = portal.call(submit_response, ANNA, hearing_id, say("Ja."))

    with pytest.raises(Conflict) as refused:
        portal.call(submit_response, ANNA, hearing_id, say("Nej."))

    assert refused.value.problems[0].field == "text"
    assert portal.stored_response(hearing_id, first.response_id).text == "Ja."


def test_responses_of_different_people_are_separate(portal: Portal) -> None:
    hearing_id = portal.active()

    anna, _ = portal.call(submit_response, ANNA, hearing_id, say("Ja."))
    bo, _ = portal.call(submit_response, BO, hearing_id, say("Ja."))

    assert anna.response_id != bo.response_id
    assert anna.digest != bo.digest


def test_employees_respond_to_internal_hearings_not_to_external_ones(portal: Portal) -> None:
    external, internal = portal.active(), portal.active(visibility=Visibility.INTERNAL)

    with pytest.raises(Forbidden) as refused:
        portal.call(submit_response, employee(), external, say("Som medarbejder mener jeg..."))
    assert refused.value.problems[0].field == "hearingId"
    assert portal.call(submit_response, employee(), internal, say("Internt svar."))[1] is True
    with pytest.raises(NotFound):
        portal.call(submit_response, ANNA, internal, say("Må jeg svare?"))


def test_only_invitees_respond_to_a_closed_hearing(portal: Portal) -> None:
    hearing_id = portal.active(visibility=Visibility.CLOSED)
    portal.call(set_invitees, caseworker(), hearing_id, InviteeList(invitees=[KARIN.subject]))

    assert portal.call(submit_response, KARIN, hearing_id, say("Som inviteret part..."))[1] is True
    with pytest.raises(NotFound):
        portal.call(submit_response, ANNA, hearing_id, say("Jeg er ikke inviteret."))


# -- editing and withdrawing ------------------------------------------------------------------------


def test_a_revision_gets_a_new_digest_and_is_screened_again(portal: Portal) -> None:
    hearing_id = portal.active()
    first, _ = portal.call(submit_response, ANNA, hearing_id, say("Ja."))
    portal.call(screen_response, hearing_id, first.response_id)
    portal.clock.advance(minutes=5)

    revised = portal.call(revise_response, ANNA, hearing_id, first.response_id, say("Ja, med forbehold."))

    assert revised.response_id == first.response_id
    assert revised.received_at == first.received_at
    assert revised.version_at == portal.clock.now()
    assert revised.digest != first.digest
    assert revised.status is ResponseStatus.SUBMITTED
    assert len(portal.bus.messages(queues.RESPONSES_RECEIVED)) == 2


def test_nobody_edits_someone_elses_response(portal: Portal) -> None:
    hearing_id = portal.active()
    anna, _ = portal.call(submit_response, ANNA, hearing_id, say("Ja."))

    with pytest.raises(NotFound):
        portal.call(revise_response, BO, hearing_id, anna.response_id, say("Nej!"))
    with pytest.raises(NotFound):
        portal.call(withdraw_response, BO, hearing_id, anna.response_id)
    with pytest.raises(NotAuthenticated):
        portal.call(withdraw_response, None, hearing_id, anna.response_id)


def test_editing_and_withdrawing_end_at_the_deadline(portal: Portal) -> None:
    hearing_id = portal.active()
    anna, _ = portal.call(submit_response, ANNA, hearing_id, say("Ja."))
    portal.clock.advance(deadline_of(portal, hearing_id))

    with pytest.raises(HearingNotOpen):
        portal.call(revise_response, ANNA, hearing_id, anna.response_id, say("Nej."))
    with pytest.raises(HearingNotOpen):
        portal.call(withdraw_response, ANNA, hearing_id, anna.response_id)
    assert portal.stored_response(hearing_id, anna.response_id).text == "Ja."


def test_a_withdrawn_response_is_no_longer_shown(portal: Portal) -> None:
    hearing_id = portal.active()
    anna = _published(portal, hearing_id, ANNA, "Ja.")

    view = portal.call(withdraw_response, ANNA, hearing_id, anna)

    assert view.status is ResponseStatus.WITHDRAWN
    assert portal.call(list_responses, None, hearing_id).items == []


# -- screening --------------------------------------------------------------------------------------


def test_screening_flags_a_cpr_number_once(portal: Portal) -> None:
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, say("Mit CPR-nummer er 010190-1234."))

    assert portal.call(screen_response, hearing_id, receipt.response_id) is True
    assert portal.call(screen_response, hearing_id, receipt.response_id) is False  # a redelivery

    stored = portal.stored_response(hearing_id, receipt.response_id)
    assert stored.status is ResponseStatus.AWAITING_REVIEW
    assert [flag.kind for flag in stored.flags] == ["cpr"]
    assert "1234" not in stored.flags[0].excerpt


def test_screening_a_response_that_is_not_there_does_nothing(portal: Portal) -> None:
    assert portal.call(screen_response, portal.active(), "no-such-response") is False


# -- moderation -------------------------------------------------------------------------------------


def _screened(portal: Portal, hearing_id: str, who: object, text: str, publish_name: bool = False) -> str:
    receipt, _ = portal.call(submit_response, who, hearing_id, say(text, publish_name))  # type: ignore[arg-type]
    portal.call(screen_response, hearing_id, receipt.response_id)
    return receipt.response_id


def _published(portal: Portal, hearing_id: str, who: object, text: str, publish_name: bool = False) -> str:
    response_id = _screened(portal, hearing_id, who, text, publish_name)
    portal.call(decide_response, caseworker(), hearing_id, response_id, True, Decision(clear_flags=True))
    return response_id


def test_only_the_owner_or_an_admin_moderates(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = _screened(portal, hearing_id, ANNA, "Ja.")

    with pytest.raises(NotAuthenticated):
        portal.call(decide_response, None, hearing_id, response_id, True, Decision())
    for who in (BO, ANNA, employee(), caseworker("entra:otto")):
        with pytest.raises(Forbidden):
            portal.call(decide_response, who, hearing_id, response_id, True, Decision())
    assert portal.stored_response(hearing_id, response_id).status is ResponseStatus.AWAITING_REVIEW

    view = portal.call(decide_response, admin(), hearing_id, response_id, True, Decision())
    assert (view.status, view.published) == (ResponseStatus.APPROVED, True)


def test_a_flagged_response_needs_its_flags_cleared_before_approval(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = _screened(portal, hearing_id, ANNA, "Skriv til anna@example.dk")

    with pytest.raises(Conflict) as refused:
        portal.call(decide_response, caseworker(), hearing_id, response_id, True, Decision())
    assert refused.value.problems[0].field == "clearFlags"
    assert portal.call(list_responses, None, hearing_id).items == []

    portal.call(decide_response, caseworker(), hearing_id, response_id, True, Decision(clear_flags=True))
    assert [item.id for item in portal.call(list_responses, None, hearing_id).items] == [response_id]


def test_a_declined_response_is_not_shown(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = _published(portal, hearing_id, ANNA, "Ja.")

    portal.call(decide_response, caseworker(), hearing_id, response_id, False, Decision())

    assert portal.call(list_responses, None, hearing_id).items == []


# -- what each reader sees --------------------------------------------------------------------------


@pytest.fixture
def answered(portal: Portal) -> tuple[str, dict[str, str]]:
    """An active hearing with: Anna's published response (name hidden), Karin's company response
    (published), Bo's response awaiting review, an approved but unpublished one."""
    hearing_id = portal.active()
    responses = {
        "anna": _published(portal, hearing_id, ANNA, "Jeg støtter planen."),
        "karin": _published(portal, hearing_id, KARIN, "Virksomheden støtter planen."),
        "bo": _screened(portal, hearing_id, BO, "Jeg er imod, ring på 0101901234."),
    }
    carl = citizen("mitid:carl", "Carl Carlsen")
    responses["carl"] = _screened(portal, hearing_id, carl, "Ikke til offentliggørelse.")
    portal.call(decide_response, caseworker(), hearing_id, responses["carl"], True, Decision(publish=False))
    return hearing_id, responses


def test_anonymous_sees_only_approved_and_published_responses_without_names(
    portal: Portal, answered: tuple[str, dict[str, str]]
) -> None:
    hearing_id, responses = answered

    page = portal.call(list_responses, None, hearing_id)

    assert all(isinstance(item, PublicResponse) for item in page.items)
    by_id = {item.id: item for item in page.items}
    assert set(by_id) == {responses["anna"], responses["karin"]}
    assert by_id[responses["anna"]].author == "Borger"
    assert by_id[responses["karin"]].author == "Holm & Co ApS"
    shown = " ".join(item.model_dump_json() for item in page.items)
    assert "Anna Jensen" not in shown and "Karin Holm" not in shown and "0101901234" not in shown


def test_the_author_also_sees_their_own_response_in_every_state(
    portal: Portal, answered: tuple[str, dict[str, str]]
) -> None:
    hearing_id, responses = answered

    page = portal.call(list_responses, BO, hearing_id)

    ids = [item.id for item in page.items]
    assert ids[0] == responses["bo"]
    assert set(ids) == {responses["bo"], responses["anna"], responses["karin"]}
    own = page.items[0]
    assert isinstance(own, ResponseView)
    assert own.status is ResponseStatus.AWAITING_REVIEW


def test_the_owner_sees_every_response(portal: Portal, answered: tuple[str, dict[str, str]]) -> None:
    hearing_id, responses = answered

    page = portal.call(list_responses, caseworker(), hearing_id)

    assert {item.id for item in page.items} == set(responses.values())
    assert all(isinstance(item, ResponseView) for item in page.items)


def test_a_published_name_is_shown_when_the_respondent_chose_so(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = _published(portal, hearing_id, ANNA, "Ja.", publish_name=True)

    shown = portal.call(get_response, None, hearing_id, response_id)

    assert isinstance(shown, PublicResponse)
    assert shown.author == "Anna Jensen"


def test_someone_elses_unpublished_response_is_not_found(portal: Portal, answered: tuple[str, dict[str, str]]) -> None:
    hearing_id, responses = answered

    for who in (None, ANNA, employee()):
        with pytest.raises(NotFound) as refused:
            portal.call(get_response, who, hearing_id, responses["bo"])
        assert refused.value.problems[0].field == "responseId"
    assert isinstance(portal.call(get_response, BO, hearing_id, responses["bo"]), ResponseView)
    assert isinstance(portal.call(get_response, caseworker(), hearing_id, responses["bo"]), ResponseView)
    assert isinstance(portal.call(get_response, None, hearing_id, responses["anna"]), PublicResponse)


def test_responses_of_a_hearing_one_cannot_see_are_not_found(portal: Portal) -> None:
    hearing_id = portal.active(visibility=Visibility.INTERNAL)
    response_id = _published(portal, hearing_id, employee(), "Internt svar.")

    with pytest.raises(NotFound) as refused:
        portal.call(list_responses, None, hearing_id)
    assert refused.value.problems[0].field == "hearingId"
    with pytest.raises(NotFound):
        portal.call(get_response, ANNA, hearing_id, response_id)


def test_the_public_list_pages(portal: Portal) -> None:
    hearing_id = portal.active()
    ids = []
    for number in range(5):
        ids.append(_published(portal, hearing_id, citizen(f"mitid:{number}"), f"Svar nummer {number}."))
        portal.clock.advance(seconds=1)

    first = portal.call(list_responses, None, hearing_id, limit=2)
    second = portal.call(list_responses, None, hearing_id, limit=2, continuation=first.continuation)
    third = portal.call(list_responses, None, hearing_id, limit=2, continuation=second.continuation)

    assert [item.id for page in (first, second, third) for item in page.items] == ids  # oldest first
    assert third.continuation is None


def test_a_broker_outage_keeps_the_receipt_and_the_sweep_announces_the_response_later(portal: Portal) -> None:
    hearing_id = portal.active()
    portal.bus.fail_next()
    receipt, created = portal.call(submit_response, ANNA, hearing_id, say("Sendt mens køen var nede"))

    assert created is True
    assert portal.stored_response(hearing_id, receipt.response_id).status is ResponseStatus.SUBMITTED
    assert portal.bus.ids(queues.RESPONSES_RECEIVED) == []

    portal.clock.advance(minutes=4)
    assert portal.call(rescreen_stalled) == 0  # not yet stalled
    portal.clock.advance(minutes=2)
    assert portal.call(rescreen_stalled) == 1
    assert len(portal.bus.ids(queues.RESPONSES_RECEIVED)) == 1

    portal.call(screen_response, hearing_id, receipt.response_id)
    portal.clock.advance(minutes=10)
    assert portal.call(rescreen_stalled) == 0  # screened responses are left alone
