"""Terms respondents accept, blacklisted terms screening flags, and hearing types that auto-approve."""

from __future__ import annotations

import pytest

from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from shared.domain.reference import REFERENCE_TRAIL, BlacklistTerms, HearingTemplate, TermsText
from shared.domain.response import ResponseStatus
from shared.services.blacklist import get_blacklist, put_blacklist
from shared.services.repositories import AuditRepository, ReferenceRepository
from shared.services.responses import (
    ResponseSubmission,
    list_responses,
    revise_response,
    screen_response,
    submit_response,
)
from shared.services.terms import get_current_terms, list_terms, publish_terms
from tests.fakes import TEMPLATE_ID, Portal, admin, caseworker, citizen

ANNA = citizen("mitid:anna", "Anna Jensen")
ADA = admin()


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def terms(version: int, text: str = "Dit svar offentliggøres uden CPR-nummer.") -> TermsText:
    return TermsText(version=version, text=text)


def trail_actions(portal: Portal) -> list[str]:
    events, _ = AuditRepository(portal.store).page(REFERENCE_TRAIL, 100, None)
    return [event.action for event in events]


# -- terms ---------------------------------------------------------------------------------------------


def test_without_published_terms_nothing_needs_accepting(portal: Portal) -> None:
    hearing_id = portal.active()

    _, created = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Ja."))

    assert created
    with pytest.raises(NotFound):
        portal.call(get_current_terms)


def test_once_terms_are_published_a_response_must_accept_the_current_version(portal: Portal) -> None:
    hearing_id = portal.active()
    portal.call(publish_terms, ADA, terms(1))
    portal.call(publish_terms, ADA, terms(2, "Nye vilkår."))

    for accepted in (None, 1):
        submission = ResponseSubmission(text="Ja.", accepted_terms=accepted)
        with pytest.raises(InvalidInput) as refused:
            portal.call(submit_response, ANNA, hearing_id, submission)
        assert refused.value.problems[0].field == "acceptedTerms"
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Ja.", accepted_terms=2))

    assert portal.stored_response(hearing_id, receipt.response_id).accepted_terms == 2
    assert portal.call(get_current_terms).text == "Nye vilkår."


def test_an_edit_accepts_the_terms_current_at_the_edit(portal: Portal) -> None:
    hearing_id = portal.active()
    portal.call(publish_terms, ADA, terms(1))
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Ja.", accepted_terms=1))
    portal.call(publish_terms, ADA, terms(2, "Nye vilkår."))

    with pytest.raises(InvalidInput):
        portal.call(
            revise_response, ANNA, hearing_id, receipt.response_id, ResponseSubmission(text="Nej.", accepted_terms=1)
        )
    edit = ResponseSubmission(text="Nej.", accepted_terms=2)
    portal.call(revise_response, ANNA, hearing_id, receipt.response_id, edit)

    stored = portal.stored_response(hearing_id, receipt.response_id)
    assert (stored.text, stored.accepted_terms) == ("Nej.", 2)


def test_terms_versions_are_published_in_order_never_changed_and_by_admins_only(portal: Portal) -> None:
    with pytest.raises(NotAuthenticated):
        portal.call(publish_terms, None, terms(1))
    with pytest.raises(Forbidden):
        portal.call(publish_terms, caseworker(), terms(1))
    with pytest.raises(InvalidInput) as skipped:
        portal.call(publish_terms, ADA, terms(2))
    assert skipped.value.problems[0].field == "version"

    first = portal.call(publish_terms, ADA, terms(1))
    again = portal.call(publish_terms, ADA, terms(1))  # a retry changes nothing
    with pytest.raises(Conflict):
        portal.call(publish_terms, ADA, terms(1, "Noget andet."))

    assert first == again
    listed = portal.call(list_terms, ADA)
    assert (listed.current, [t.version for t in listed.versions]) == (1, [1])
    assert trail_actions(portal) == ["terms.published"]


# -- blacklist ---------------------------------------------------------------------------------------------


def test_blacklisted_terms_are_flagged_by_screening_and_changes_are_audited_without_the_terms(portal: Portal) -> None:
    hearing_id = portal.active()
    portal.call(put_blacklist, ADA, BlacklistTerms(terms=["  Bøllen ", "bøllen", "Rødderne"]))

    receipt, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Bøllen larmer igen."))
    portal.call(screen_response, hearing_id, receipt.response_id)

    assert portal.call(get_blacklist, ADA).terms == ["Bøllen", "Rødderne"]
    flags = portal.stored_response(hearing_id, receipt.response_id).flags
    assert [flag.kind.value for flag in flags] == ["blacklisted"]
    events, _ = AuditRepository(portal.store).page(REFERENCE_TRAIL, 100, None)
    assert [(e.action, e.details["added"]) for e in events] == [("blacklist.changed", "2")]
    assert "Bøllen" not in str(events[0].details) and "bøllen" not in str(events[0].details)
    with pytest.raises(Forbidden):
        portal.call(get_blacklist, caseworker())


# -- auto-approval ------------------------------------------------------------------------------------------


def test_a_hearing_type_that_auto_approves_publishes_unflagged_responses_and_holds_flagged_ones(
    portal: Portal,
) -> None:
    ReferenceRepository(portal.store).put(HearingTemplate(id=TEMPLATE_ID, name="Hurtig høring", auto_approve=True))
    hearing_id = portal.active()
    clean, _ = portal.call(submit_response, ANNA, hearing_id, ResponseSubmission(text="Jeg støtter planen."))
    flagged, _ = portal.call(
        submit_response, citizen("mitid:bo", "Bo"), hearing_id, ResponseSubmission(text="Ring på 20 30 40 50.")
    )
    for receipt in (clean, flagged):
        portal.call(screen_response, hearing_id, receipt.response_id)

    assert [item.id for item in portal.call(list_responses, None, hearing_id).items] == [clean.response_id]
    assert portal.stored_response(hearing_id, flagged.response_id).status is ResponseStatus.AWAITING_REVIEW
    events, _ = AuditRepository(portal.store).page(hearing_id, 100, None)
    assert [(e.action, e.actor) for e in events if e.action == "response.approved"] == [("response.approved", "system")]
