"""Moderation: nothing personal is published, whatever a caseworker clicks; every change is audited."""

from __future__ import annotations

import pytest

from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from shared.domain.moderation import NotesChange
from shared.domain.redaction import Span
from shared.domain.reference import ReferenceType
from shared.domain.response import ResponseStatus
from shared.domain.screening import FlagState
from shared.ports.mail import Notification
from shared.services.hearing_api import Conclusion
from shared.services.hearings import advance_due_hearings, conclude_hearing
from shared.services.moderation import (
    BulkDecision,
    FlagDecision,
    RedactionRequest,
    bulk_decide,
    decide_flag,
    ensure_moderator,
    list_flags,
    moderation_counts,
    moderation_list,
    read_original,
    redact_spans,
    set_notes,
)
from shared.services.repositories import AuditRepository
from shared.services.responses import (
    Decision,
    ModeratedResponseView,
    PublicResponse,
    ResponseSubmission,
    ResponseView,
    decide_response,
    get_response,
    list_responses,
    revise_response,
    screen_response,
    submit_response,
)
from tests.fakes import Portal, admin, caseworker, citizen, company_user, employee

ANNA = citizen("mitid:anna", "Anna Jensen")
BO = citizen("mitid:bo", "Bo Nielsen")
OWNER = caseworker()
CPR, EMAIL = "010190-1234", "anna@example.dk"
THE_EXAMPLE = f"Mit CPR er {CPR} og min mail er {EMAIL}"


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def screened(portal: Portal, hearing_id: str, who: object, text: str, **fields: object) -> str:
    submission = ResponseSubmission.model_validate({"text": text, **fields})
    receipt, _ = portal.call(submit_response, who, hearing_id, submission)
    portal.call(screen_response, hearing_id, receipt.response_id)
    return receipt.response_id


def declines(portal: Portal) -> list[Notification]:
    """The decline notices sent (the respondent also gets their receipt)."""
    return [notice for notice in portal.mailer.sent if "ikke offentliggjort" in notice.subject]


def public_bodies(portal: Portal, hearing_id: str, response_id: str) -> list[str]:
    """Every public answer about the response, in both languages, as JSON."""
    bodies = []
    for language in (None, "en"):
        page = portal.call(list_responses, None, hearing_id, accept_language=language)
        bodies.append(page.model_dump_json(by_alias=True))
        bodies.append(portal.call(get_response, None, hearing_id, response_id, language).model_dump_json())
    return bodies


def trail(portal: Portal, hearing_id: str) -> list[tuple[str, dict[str, str]]]:
    events, _ = AuditRepository(portal.store).page(hearing_id, 500, None)
    return [(event.action, event.details) for event in events]


# -- the example that started it ---------------------------------------------------------------------


def test_clearing_the_flags_of_the_example_publishes_neither_the_cpr_number_nor_the_email(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, THE_EXAMPLE)

    portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision(clear_flags=True))

    bodies = public_bodies(portal, hearing_id, response_id)
    assert all(CPR not in body and EMAIL not in body and "0101901234" not in body for body in bodies)
    public = portal.call(get_response, None, hearing_id, response_id)
    assert isinstance(public, PublicResponse)
    assert public.text == "Mit CPR er [fjernet: personoplysning] og min mail er [fjernet: personoplysning]"
    english = portal.call(get_response, None, hearing_id, response_id, "en-GB,en;q=0.9")
    assert isinstance(english, PublicResponse)
    assert "[removed: personal data]" in english.text
    # The original is kept, as written.
    assert portal.stored_response(hearing_id, response_id).text == THE_EXAMPLE


def test_approving_with_open_flags_answers_conflict_naming_each_flag(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, THE_EXAMPLE)

    with pytest.raises(Conflict) as refused:
        portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision())

    flags = portal.call(list_flags, OWNER, hearing_id, response_id).flags
    assert [problem.field for problem in refused.value.problems] == [f"flags[{flag.id}]" for flag in flags]
    assert len(flags) == 2
    assert portal.stored_response(hearing_id, response_id).status is ResponseStatus.AWAITING_REVIEW


def test_a_cpr_flag_cannot_be_accepted_only_redacted(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, THE_EXAMPLE)
    cpr_flag, email_flag = portal.call(list_flags, OWNER, hearing_id, response_id).flags

    with pytest.raises(Conflict):
        portal.call(decide_flag, OWNER, hearing_id, response_id, cpr_flag.id, FlagDecision(decision="accept"))
    portal.call(decide_flag, OWNER, hearing_id, response_id, cpr_flag.id, FlagDecision(decision="redact"))
    # A caseworker may decide an e-mail address can stand (a public office's, say).
    portal.call(decide_flag, OWNER, hearing_id, response_id, email_flag.id, FlagDecision(decision="accept"))
    portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision())

    public = portal.call(get_response, None, hearing_id, response_id)
    assert CPR not in public.text and EMAIL in public.text
    states = {flag.kind.value: flag.state for flag in portal.stored_response(hearing_id, response_id).flags}
    assert states == {"cpr": FlagState.REDACTED, "email": FlagState.ACCEPTED}


def test_a_cpr_number_screening_missed_is_still_never_public(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, "Ingen personoplysninger her.")
    stored = portal.stored_response(hearing_id, response_id)
    # As if a stored response predates screening: its text changed under flags that say nothing.
    stored.text = f"Mit personnummer: {CPR}"
    assert CPR not in stored.public_text()


def test_the_respondents_own_name_stays_when_they_chose_to_publish_it(portal: Portal) -> None:
    hearing_id = portal.active()
    text = "Anna Jensen mener at Peter Hansen har ret."
    response_id = screened(portal, hearing_id, ANNA, text, publishName=True)

    portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision(clear_flags=True))

    public = portal.call(get_response, None, hearing_id, response_id)
    assert isinstance(public, PublicResponse)
    assert public.author == "Anna Jensen"
    assert "Anna Jensen" in public.text and "Peter Hansen" not in public.text


# -- redaction -------------------------------------------------------------------------------------


def test_a_span_redacted_by_hand_is_replaced_publicly_and_audited_without_its_text(portal: Portal) -> None:
    hearing_id = portal.active()
    text = "Min nabo i nr. 7 larmer hver nat."
    response_id = screened(portal, hearing_id, ANNA, text)
    start = text.index("nr. 7")
    request = RedactionRequest(spans=[Span(start=start, end=start + 5)], reason="Kan identificere naboen")

    portal.call(redact_spans, OWNER, hearing_id, response_id, request)
    portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision(clear_flags=True))

    public = portal.call(get_response, None, hearing_id, response_id)
    assert public.text == "Min nabo i [fjernet: personoplysning] larmer hver nat."
    entries = [details for action, details in trail(portal, hearing_id) if action == "response.redacted"]
    assert {"span": f"{start}-{start + 5}", "reason": "Kan identificere naboen"} in entries
    assert all("nr. 7" not in value for details in entries for value in details.values())


def test_a_span_outside_the_text_or_a_reason_with_personal_data_is_refused(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, "Kort svar.")

    outside_the_text = RedactionRequest(spans=[Span(start=0, end=99)], reason="for langt")
    with pytest.raises(InvalidInput) as outside:
        portal.call(redact_spans, OWNER, hearing_id, response_id, outside_the_text)
    assert outside.value.problems[0].field == "spans"
    reason_with_a_cpr_number = RedactionRequest(spans=[Span(start=0, end=4)], reason=f"CPR {CPR}")
    with pytest.raises(InvalidInput) as leaky:
        portal.call(redact_spans, OWNER, hearing_id, response_id, reason_with_a_cpr_number)
    assert leaky.value.problems[0].field == "reason"
    assert portal.stored_response(hearing_id, response_id).redactions == []


def test_reading_the_original_is_for_owner_and_admins_and_every_read_is_audited(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, THE_EXAMPLE)

    for who in (BO, employee(), caseworker("entra:otto")):
        with pytest.raises((Forbidden, NotFound)):
            portal.call(read_original, who, hearing_id, response_id)
    with pytest.raises(NotAuthenticated):
        portal.call(read_original, None, hearing_id, response_id)
    assert portal.call(read_original, OWNER, hearing_id, response_id).text == THE_EXAMPLE
    assert portal.call(read_original, admin(), hearing_id, response_id).text == THE_EXAMPLE

    reads = [action for action, _ in trail(portal, hearing_id) if action == "response.original.read"]
    assert len(reads) == 2


def test_moderators_see_what_would_be_published_and_read_the_original_on_its_own(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, THE_EXAMPLE)

    view = portal.call(get_response, OWNER, hearing_id, response_id)

    assert isinstance(view, ModeratedResponseView)
    assert CPR not in view.text and EMAIL not in view.text
    assert [flag.excerpt for flag in view.flags] == ["010190-XXXX", "a***@example.dk"]  # masked, with positions
    own = portal.call(get_response, ANNA, hearing_id, response_id)
    assert type(own) is ResponseView and own.text == THE_EXAMPLE  # the respondent reads what they wrote


# -- declining ---------------------------------------------------------------------------------------


def test_declining_needs_a_reason_and_tells_the_respondent_once(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, THE_EXAMPLE)

    with pytest.raises(InvalidInput) as refused:
        portal.call(decide_response, OWNER, hearing_id, response_id, False, Decision())
    assert refused.value.problems[0].field == "reason"
    assert declines(portal) == []

    decline = Decision(reason="Svaret handler om en anden sag.")
    view = portal.call(decide_response, OWNER, hearing_id, response_id, False, decline)
    portal.call(decide_response, OWNER, hearing_id, response_id, False, decline)  # a retry: told once

    assert view.status is ResponseStatus.DECLINED
    (notice,) = declines(portal)
    assert notice.channel == "digital-post" and notice.recipient.startswith("cpr-sealed:")
    assert "Svaret handler om en anden sag." in notice.text
    for part in (notice.text, notice.html, notice.subject, notice.recipient):
        assert CPR not in part and "0101901234" not in part and EMAIL not in part
    own = portal.call(get_response, ANNA, hearing_id, response_id)
    assert isinstance(own, ResponseView) and own.decline_reason == decline.reason


def test_a_company_is_told_by_its_cvr_number(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, company_user(), "Vi er imod.")

    portal.call(decide_response, OWNER, hearing_id, response_id, False, Decision(reason="Uden for emnet."))

    assert [notice.recipient for notice in declines(portal)] == ["cvr:39162571"]


# -- who the public sees -------------------------------------------------------------------------------


def test_the_public_sees_a_citizen_with_the_city_area_they_chose(portal: Portal) -> None:
    portal.add_area(ReferenceType.CITY_AREA, "amager", "Amager")
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, "Flere træer, tak.", cityAreaId="amager")
    other = screened(portal, hearing_id, BO, "Enig.")
    karin = screened(portal, hearing_id, company_user(), "Vi støtter planen.")
    for rid in (response_id, other, karin):
        portal.call(decide_response, OWNER, hearing_id, rid, True, Decision())

    authors = {item.id: item.author for item in portal.call(list_responses, None, hearing_id).items}

    assert authors == {response_id: "Borger, Amager", other: "Borger", karin: "Holm & Co ApS"}


# -- an edited approved response ------------------------------------------------------------------------


def test_an_edited_approved_response_goes_back_to_review_with_fresh_flags(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, "Jeg støtter planen.")
    portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision())
    assert [item.id for item in portal.call(list_responses, None, hearing_id).items] == [response_id]

    portal.call(revise_response, ANNA, hearing_id, response_id, ResponseSubmission(text=THE_EXAMPLE))
    assert portal.call(list_responses, None, hearing_id).items == []  # not public while unscreened
    portal.call(screen_response, hearing_id, response_id)

    stored = portal.stored_response(hearing_id, response_id)
    assert stored.status is ResponseStatus.AWAITING_REVIEW and not stored.published
    assert {flag.kind.value for flag in stored.flags} == {"cpr", "email"}
    assert all(flag.state is FlagState.OPEN for flag in stored.flags)
    with pytest.raises(Conflict):
        portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision())


# -- the moderation list, notes, bulk ---------------------------------------------------------------------


def test_the_moderation_list_filters_by_status_and_flag_kind(portal: Portal) -> None:
    hearing_id = portal.active()
    flagged = screened(portal, hearing_id, ANNA, THE_EXAMPLE)
    clean = screened(portal, hearing_id, BO, "Enig.")
    portal.call(decide_response, OWNER, hearing_id, clean, True, Decision())

    def ids(**filters: str) -> list[str]:
        page = portal.call(moderation_list, OWNER, hearing_id, **filters)
        return [item.id for item in page.items]

    assert ids(status="awaiting_review") == [flagged]
    assert ids(status="approved") == [clean]
    assert ids(flag_kind="cpr") == [flagged]
    assert ids(flag_kind="phone") == []
    with pytest.raises(InvalidInput) as refused:
        ids(flag_kind="shoe-size")
    assert refused.value.problems[0].field == "flagKind"
    with pytest.raises(Forbidden):
        portal.call(moderation_list, caseworker("entra:otto"), hearing_id)


def test_the_queue_counts_each_state_and_the_flagged_among_those_awaiting_review(portal: Portal) -> None:
    hearing_id = portal.active()
    screened(portal, hearing_id, ANNA, THE_EXAMPLE)
    clean = screened(portal, hearing_id, BO, "Enig.")
    declined = screened(portal, hearing_id, company_user(), "Uenig.")
    portal.call(decide_response, OWNER, hearing_id, clean, True, Decision())
    portal.call(decide_response, OWNER, hearing_id, declined, False, Decision(reason="Ikke om høringen"))

    counts = portal.call(moderation_counts, OWNER, hearing_id)
    assert (counts.total, counts.awaiting_review, counts.flagged, counts.approved, counts.declined) == (3, 1, 1, 1, 1)
    with pytest.raises(Forbidden):
        portal.call(moderation_counts, caseworker("entra:otto"), hearing_id)


def test_only_those_who_run_the_hearing_pass_the_moderators_check(portal: Portal) -> None:
    hearing_id = portal.active()

    portal.call(ensure_moderator, OWNER, hearing_id)
    with pytest.raises(Forbidden):
        portal.call(ensure_moderator, caseworker("entra:otto"), hearing_id)
    with pytest.raises(NotFound):
        portal.call(ensure_moderator, OWNER, "no-such-hearing")


def test_notes_are_kept_from_the_public_and_the_respondent(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, "Flere træer.")
    change = NotesChange(note="Ring til forvaltningen", summary="Ønsker træer", assessment="Imødekommes delvist")

    view = portal.call(set_notes, OWNER, hearing_id, response_id, change)
    portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision())

    assert view.notes is not None and view.notes.summary == "Ønsker træer"
    for who in (None, ANNA):
        for body in (
            portal.call(get_response, who, hearing_id, response_id).model_dump_json(),
            portal.call(list_responses, who, hearing_id).model_dump_json(),
        ):
            assert "Ring til forvaltningen" not in body and "Imødekommes" not in body
    moderated = portal.call(get_response, OWNER, hearing_id, response_id)
    assert isinstance(moderated, ModeratedResponseView) and moderated.notes is not None
    entries = [details for action, details in trail(portal, hearing_id) if action == "response.notes.changed"]
    assert entries == [{"fields": "note,summary,assessment"}]


def test_bulk_decisions_report_each_item_and_one_failure_does_not_stop_the_others(portal: Portal) -> None:
    hearing_id = portal.active()
    clean = screened(portal, hearing_id, BO, "Enig.")
    flagged = screened(portal, hearing_id, ANNA, THE_EXAMPLE)
    request = BulkDecision(ids=[flagged, "no-such-response", clean], decision="approve")

    outcome = portal.call(bulk_decide, OWNER, hearing_id, request)

    assert [(item.id, item.status) for item in outcome.items] == [
        (flagged, 409),
        ("no-such-response", 404),
        (clean, 200),
    ]
    assert [problem.field for problem in outcome.items[0].errors] == [
        f"flags[{flag.id}]" for flag in portal.stored_response(hearing_id, flagged).flags
    ]
    assert (outcome.succeeded, outcome.failed) == (1, 2)
    assert portal.stored_response(hearing_id, clean).status is ResponseStatus.APPROVED


def test_a_bulk_decline_needs_a_reason_before_any_item_is_touched(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, BO, "Enig.")

    with pytest.raises(InvalidInput):
        portal.call(bulk_decide, OWNER, hearing_id, BulkDecision(ids=[response_id], decision="decline"))
    assert portal.stored_response(hearing_id, response_id).status is ResponseStatus.AWAITING_REVIEW


def test_every_moderation_change_is_in_the_trail(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, THE_EXAMPLE)
    cpr_flag, email_flag = portal.call(list_flags, OWNER, hearing_id, response_id).flags

    portal.call(decide_flag, OWNER, hearing_id, response_id, cpr_flag.id, FlagDecision(decision="redact"))
    portal.call(decide_flag, OWNER, hearing_id, response_id, email_flag.id, FlagDecision(decision="accept"))
    portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision())

    actions = [(action, details.get("flag")) for action, details in trail(portal, hearing_id)]
    assert ("response.redacted", cpr_flag.id) in actions
    assert ("flag.accepted", email_flag.id) in actions
    assert ("response.approved", None) in actions
    assert all(CPR not in str(details) for _, details in trail(portal, hearing_id))


def test_a_concluded_hearing_is_no_longer_moderated(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = screened(portal, hearing_id, ANNA, "Enig.")
    portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision())
    deadline = portal.stored_hearing(hearing_id).deadline
    assert deadline is not None
    portal.clock.set(deadline)
    portal.call(advance_due_hearings)
    portal.call(conclude_hearing, OWNER, hearing_id, Conclusion(conclusion="Vedtaget."))

    with pytest.raises(Conflict):
        portal.call(set_notes, OWNER, hearing_id, response_id, NotesChange(summary="for sent"))
    assert portal.call(read_original, OWNER, hearing_id, response_id).text == "Enig."
