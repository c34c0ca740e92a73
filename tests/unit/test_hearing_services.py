"""Publication: creating, listing, scheduling, opening and closing hearings through the services."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from pydantic import ValidationError

from functions.http import invalid_from
from functions.problems import problem_type
from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound, StaleWrite
from shared.domain.hearing import HearingStatus, Visibility
from shared.domain.reference import ReferenceType
from shared.services import queues
from shared.services.hearing_api import (
    Conclusion,
    HearingChanges,
    HearingDraft,
    InviteeList,
    ScheduleRequest,
    UploadRequest,
)
from shared.services.hearings import (
    advance_due_hearings,
    cancel_hearing,
    conclude_hearing,
    create_hearing,
    dispatch_pending_events,
    edit_hearing,
    get_hearing,
    list_hearings,
    request_document_upload,
    schedule_hearing,
    set_invitees,
)
from tests.fakes import (
    TEMPLATE_ID,
    UPLOADS,
    InjectedFailure,
    Portal,
    admin,
    caseworker,
    citizen,
    company_user,
    employee,
)


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def draft_request(**fields: object) -> HearingDraft:
    return HearingDraft.model_validate(
        {"templateId": TEMPLATE_ID, "title": "Lokalplan for Nordhavn", "caseNumber": "2026-0042", **fields}
    )


# -- creating ---------------------------------------------------------------------------------------


def test_a_caseworker_creates_a_draft_from_a_template(portal: Portal) -> None:
    view = portal.call(create_hearing, caseworker(), draft_request())

    assert view.status is HearingStatus.DRAFT
    assert (view.summary, view.body) == ("Kort resumé", "Tekst")  # the template's defaults
    assert view.case_number == "2026-0042"
    assert view.etag
    assert portal.stored_hearing(view.id).owner == caseworker().subject


def test_a_hearing_without_a_case_number_gets_a_case_opened_from_its_kle_number(portal: Portal) -> None:
    draft = HearingDraft.model_validate(
        {"templateId": TEMPLATE_ID, "title": "Lokalplan for Nordhavn", "kle": "01.02.03"}
    )

    view = portal.call(create_hearing, caseworker(), draft)

    [request] = portal.records.cases
    assert (request.hearing_id, request.kle, request.case_number) == (view.id, "01.02.03", None)
    assert view.case_number == f"hearing-{view.id}"  # what the records system answered
    assert portal.stored_hearing(view.id).case_number == view.case_number


def test_a_case_number_the_caseworker_gives_is_used_as_it_is(portal: Portal) -> None:
    view = portal.call(create_hearing, caseworker(), draft_request())

    assert view.case_number == "2026-0042"
    assert portal.records.cases[0].case_number == "2026-0042"


def test_an_admin_may_create_hearings_too(portal: Portal) -> None:
    assert portal.call(create_hearing, admin(), draft_request()).status is HearingStatus.DRAFT


def test_creating_needs_sign_in(portal: Portal) -> None:
    with pytest.raises(NotAuthenticated) as refused:
        portal.call(create_hearing, None, draft_request())

    assert problem_type(refused.value).status == 401


@pytest.mark.parametrize("who", [citizen(), company_user(), employee()], ids=["citizen", "company", "employee"])
def test_creating_needs_the_caseworker_or_admin_role(portal: Portal, who: object) -> None:
    with pytest.raises(Forbidden) as refused:
        portal.call(create_hearing, who, draft_request())  # type: ignore[arg-type]

    assert problem_type(refused.value).status == 403
    assert portal.call(list_hearings, admin()).items == []


def test_an_unknown_template_names_the_field(portal: Portal) -> None:
    with pytest.raises(InvalidInput) as refused:
        portal.call(create_hearing, caseworker(), draft_request(templateId="no-such-template"))

    assert [p.field for p in refused.value.problems] == ["templateId"]
    assert portal.call(list_hearings, admin()).items == []


# -- who finds what -----------------------------------------------------------------------------------


@pytest.fixture
def many(portal: Portal) -> dict[str, str]:
    """Hearings in different states and of different kinds, by a short name."""
    anna = citizen()
    return {
        "external draft": portal.draft(),
        "external scheduled": portal.scheduled(starts_in=timedelta(days=3)),
        "external cancelled": portal.cancelled(),
        "internal scheduled": portal.scheduled(visibility=Visibility.INTERNAL, starts_in=timedelta(days=3)),
        "closed scheduled": portal.scheduled(visibility=Visibility.CLOSED, starts_in=timedelta(days=3)),
        "external active": portal.active(),
        "internal active": portal.active(visibility=Visibility.INTERNAL),
        "closed active": _invite(portal, portal.active(visibility=Visibility.CLOSED), anna.subject),
        "internal draft": portal.draft(visibility=Visibility.INTERNAL),
        "external concluded": portal.concluded(),
    }


def _invite(portal: Portal, hearing_id: str, subject: str) -> str:
    portal.call(set_invitees, caseworker(), hearing_id, InviteeList(invitees=[subject]))
    return hearing_id


def _listed(portal: Portal, who: object, many: dict[str, str], **options: object) -> set[str]:
    names = {hearing_id: name for name, hearing_id in many.items()}
    page = portal.call(list_hearings, who, **options)  # type: ignore[arg-type]
    return {names[item.id] for item in page.items}


def test_anonymous_lists_only_published_external_hearings(portal: Portal, many: dict[str, str]) -> None:
    assert _listed(portal, None, many) == {"external scheduled", "external active", "external concluded"}


def test_citizens_and_companies_list_the_same_as_anonymous(portal: Portal, many: dict[str, str]) -> None:
    public = {"external scheduled", "external active", "external concluded"}

    assert _listed(portal, citizen("mitid:bo"), many) == public
    assert _listed(portal, company_user(), many) == public


def test_employees_also_list_published_internal_hearings(portal: Portal, many: dict[str, str]) -> None:
    assert _listed(portal, employee(), many) == {
        "external scheduled",
        "external active",
        "external concluded",
        "internal scheduled",
        "internal active",
    }


def test_admins_list_everything(portal: Portal, many: dict[str, str]) -> None:
    assert _listed(portal, admin(), many) == set(many)


def test_a_caseworker_lists_their_own_drafts_with_mine(portal: Portal, many: dict[str, str]) -> None:
    mine = _listed(portal, caseworker(), many, mine=True)

    assert mine == set(many)
    assert _listed(portal, caseworker("entra:otto"), many, mine=True) == set()
    with pytest.raises(NotAuthenticated):
        portal.call(list_hearings, None, mine=True)


def test_the_list_pages_newest_first(portal: Portal) -> None:
    created = []
    for _ in range(5):
        created.append(portal.scheduled())
        portal.clock.advance(seconds=1)

    first = portal.call(list_hearings, None, limit=2)
    second = portal.call(list_hearings, None, limit=2, continuation=first.continuation)
    third = portal.call(list_hearings, None, limit=2, continuation=second.continuation)

    assert [item.id for page in (first, second, third) for item in page.items] == created[::-1]
    assert third.continuation is None


def test_a_draft_is_not_found_rather_than_forbidden(portal: Portal) -> None:
    hearing_id = portal.draft()

    for who in (None, citizen(), employee(), caseworker("entra:otto")):
        with pytest.raises(NotFound) as refused:
            portal.call(get_hearing, who, hearing_id)
        assert refused.value.problems[0].field == "hearingId"
    assert portal.call(get_hearing, caseworker(), hearing_id).status is HearingStatus.DRAFT


def test_an_unknown_hearing_is_not_found(portal: Portal) -> None:
    with pytest.raises(NotFound):
        portal.call(get_hearing, admin(), "no-such-hearing")


def test_the_public_view_hides_case_number_and_owner(portal: Portal) -> None:
    hearing_id = portal.scheduled()

    public = portal.call(get_hearing, None, hearing_id)
    managed = portal.call(get_hearing, caseworker(), hearing_id)

    assert (public.case_number, public.owner, public.etag) == (None, None, None)
    assert (managed.case_number, managed.owner) == ("2026-0042", caseworker().name)
    assert managed.etag


def test_a_visitor_sees_a_hearing_open_at_its_start_even_before_the_timer_runs(portal: Portal) -> None:
    hearing_id = portal.scheduled(starts_in=timedelta(hours=1))
    start = portal.stored_hearing(hearing_id).start
    assert start is not None

    portal.clock.set(start)

    assert portal.call(get_hearing, None, hearing_id).status is HearingStatus.ACTIVE
    assert portal.stored_hearing(hearing_id).status is HearingStatus.SCHEDULED


def test_the_view_shows_copenhagen_times(portal: Portal) -> None:
    hearing_id = portal.draft()
    request = ScheduleRequest.model_validate({"start": "2026-05-05T09:00", "deadline": "2026-05-19T23:59"})

    view = portal.call(schedule_hearing, caseworker(), hearing_id, request)

    assert (view.start_local, view.deadline_local) == ("2026-05-05T09:00+02:00", "2026-05-19T23:59+02:00")
    assert view.to_document()["deadline"] == "2026-05-19T21:59:00.000000Z"


# -- managing ---------------------------------------------------------------------------------------


def test_only_the_owner_or_an_admin_manages(portal: Portal) -> None:
    hearing_id = portal.scheduled()
    changes = HearingChanges(summary="Nyt resumé")

    with pytest.raises(NotAuthenticated):
        portal.call(edit_hearing, None, hearing_id, changes)
    for who in (citizen(), employee(), caseworker("entra:otto")):
        with pytest.raises(Forbidden):
            portal.call(edit_hearing, who, hearing_id, changes)

    assert portal.call(edit_hearing, admin(), hearing_id, changes).summary == "Nyt resumé"


def test_an_edit_from_a_stale_view_is_refused(portal: Portal) -> None:
    hearing_id = portal.draft()
    seen = portal.call(get_hearing, caseworker(), hearing_id).etag
    portal.call(edit_hearing, admin(), hearing_id, HearingChanges(summary="Admins rettelse"))

    with pytest.raises(StaleWrite) as refused:
        portal.call(edit_hearing, caseworker(), hearing_id, HearingChanges(summary="Min rettelse"), if_match=seen)

    assert problem_type(refused.value).status == 412
    assert portal.stored_hearing(hearing_id).summary == "Admins rettelse"


@pytest.mark.parametrize("field", ["title", "summary", "body", "visibility", "subjectAreaIds", "invitees"])
def test_sending_null_for_a_required_field_is_refused_and_breaks_nothing(portal: Portal, field: str) -> None:
    hearing_id = portal.scheduled()

    refused = _refusal_of_edit(portal, hearing_id, {field: None})

    assert [problem.field for problem in refused.problems] == [field]
    # The hearing, and the public list it is in, still read.
    assert portal.call(get_hearing, None, hearing_id).title == "Cykelsti på Amagerbrogade"
    assert [item.id for item in portal.call(list_hearings, None).items] == [hearing_id]


def test_a_hearing_names_only_areas_the_admins_keep(portal: Portal) -> None:
    portal.add_area(ReferenceType.SUBJECT_AREA, "trafik", "Trafik og veje")
    portal.add_area(ReferenceType.CITY_AREA, "valby", "Valby")
    draft = {"templateId": TEMPLATE_ID, "title": "Cykelsti", "subjectAreaIds": ["trafik", "trafk"]}

    with pytest.raises(InvalidInput) as refused:
        portal.call(create_hearing, caseworker(), HearingDraft.model_validate({**draft, "cityAreaIds": ["vlby"]}))

    assert [p.field for p in refused.value.problems] == ["subjectAreaIds[1]", "cityAreaIds[0]"]
    assert portal.call(list_hearings, caseworker(), mine=True).items == []
    hearing_id = portal.draft(subject_area_ids=["trafik"], city_area_ids=["valby"])
    refusal = _refusal_of_edit(portal, hearing_id, {"cityAreaIds": ["valby", "x" * 100_000]})
    assert [p.field for p in refusal.problems] == ["cityAreaIds.1"]
    refusal = _refusal_of_edit(portal, hearing_id, {"cityAreaIds": ["noerrebro"]})
    assert [p.field for p in refusal.problems] == ["cityAreaIds[0]"]
    assert portal.stored_hearing(hearing_id).city_area_ids == ["valby"]


def _refusal_of_edit(portal: Portal, hearing_id: str, body: dict[str, object]) -> InvalidInput:
    """The refusal a PATCH body gets, whether the request model or the service refuses it."""
    try:
        changes = HearingChanges.model_validate(body)
    except ValidationError as error:
        return invalid_from(error)
    with pytest.raises(InvalidInput) as refused:
        portal.call(edit_hearing, caseworker(), hearing_id, changes)
    return refused.value


def test_cancel_only_before_the_start(portal: Portal) -> None:
    active = portal.active()

    with pytest.raises(Conflict):
        portal.call(cancel_hearing, caseworker(), active)

    scheduled = portal.scheduled()
    assert portal.call(cancel_hearing, caseworker(), scheduled).status is HearingStatus.CANCELLED
    assert portal.bus.ids(queues.HEARING_EVENTS)[-1] == f"{scheduled}:cancelled"


def test_conclude_only_after_the_deadline(portal: Portal) -> None:
    hearing_id = portal.active()

    with pytest.raises(Conflict):
        portal.call(conclude_hearing, caseworker(), hearing_id, Conclusion(conclusion="Vedtaget."))
    assert portal.stored_hearing(hearing_id).status is HearingStatus.ACTIVE


# -- the timer opens and closes, and the queue hears about it ---------------------------------------


def test_the_timer_opens_then_closes_and_publishes_each_event_once(portal: Portal) -> None:
    hearing_id = portal.scheduled(starts_in=timedelta(hours=1), runs_for=timedelta(days=7))
    assert portal.bus.messages(queues.HEARING_EVENTS) == []

    assert portal.call(advance_due_hearings) == 0
    portal.clock.advance(hours=1)
    assert portal.call(advance_due_hearings) == 1
    assert portal.call(advance_due_hearings) == 0
    assert portal.stored_hearing(hearing_id).status is HearingStatus.ACTIVE

    portal.clock.advance(days=7)
    assert portal.call(advance_due_hearings) == 1
    assert portal.call(advance_due_hearings) == 0

    opened, closed = portal.bus.messages(queues.HEARING_EVENTS)
    assert opened.message_id == f"{hearing_id}:opened"
    assert closed.message_id.startswith(f"{hearing_id}:closed")
    assert [opened.body, closed.body] == [
        {"hearingId": hearing_id, "eventId": opened.message_id, "kind": "opened"},
        {"hearingId": hearing_id, "eventId": closed.message_id, "kind": "closed"},
    ]
    assert portal.bus.dropped == []
    stored = portal.stored_hearing(hearing_id)
    assert stored.status is HearingStatus.AWAITING_CONCLUSION
    assert stored.has_pending_events is False


def test_a_crash_between_saving_and_publishing_is_swept_up_later(portal: Portal) -> None:
    hearing_id = portal.scheduled(starts_in=timedelta(hours=1))
    portal.clock.advance(hours=1)
    portal.bus.fail_next()

    with contextlib.suppress(InjectedFailure):
        portal.call(advance_due_hearings)

    stored = portal.stored_hearing(hearing_id)
    assert stored.status is HearingStatus.ACTIVE
    assert stored.has_pending_events is True
    assert portal.bus.messages(queues.HEARING_EVENTS) == []

    assert portal.call(dispatch_pending_events) == 1
    assert portal.call(dispatch_pending_events) == 0

    assert portal.bus.ids(queues.HEARING_EVENTS) == [f"{hearing_id}:opened"]
    assert portal.stored_hearing(hearing_id).has_pending_events is False


def test_a_failed_publish_does_not_fail_the_owners_request(portal: Portal) -> None:
    hearing_id = portal.past_deadline()
    portal.bus.fail_next()

    view = portal.call(conclude_hearing, caseworker(), hearing_id, Conclusion(conclusion="Vedtaget."))

    assert view.status is HearingStatus.CONCLUDED
    assert portal.stored_hearing(hearing_id).has_pending_events is True
    assert portal.call(dispatch_pending_events) == 1
    assert portal.bus.ids(queues.HEARING_EVENTS)[-1] == f"{hearing_id}:concluded"
    assert portal.bus.bodies(queues.RECORDS_JOURNALISE) == [{"hearingId": hearing_id}]


def test_concluding_asks_for_journalising(portal: Portal) -> None:
    hearing_id = portal.concluded()

    assert [m.subject for m in portal.bus.messages(queues.HEARING_EVENTS)] == ["opened", "closed", "concluded"]
    assert portal.bus.ids(queues.HEARING_EVENTS)[-1] == f"{hearing_id}:concluded"
    assert portal.bus.ids(queues.RECORDS_JOURNALISE) == [f"{hearing_id}:journalise"]


def test_moving_the_deadline_later_reopens_and_tells_followers(portal: Portal) -> None:
    hearing_id = portal.past_deadline()
    stored = portal.stored_hearing(hearing_id)
    assert stored.start is not None and stored.deadline is not None
    later = stored.deadline + timedelta(days=7)

    view = portal.call(schedule_hearing, caseworker(), hearing_id, ScheduleRequest(start=stored.start, deadline=later))

    assert view.status is HearingStatus.ACTIVE
    assert portal.bus.messages(queues.HEARING_EVENTS)[-1].subject == "changed"


def test_a_reopened_hearing_that_closes_again_reaches_the_queue_again(portal: Portal) -> None:
    hearing_id = portal.past_deadline()
    stored = portal.stored_hearing(hearing_id)
    assert stored.start is not None and stored.deadline is not None
    later = stored.deadline + timedelta(days=7)
    portal.call(schedule_hearing, caseworker(), hearing_id, ScheduleRequest(start=stored.start, deadline=later))

    portal.clock.set(later)
    portal.call(advance_due_hearings)

    closings = [m for m in portal.bus.messages(queues.HEARING_EVENTS) if m.subject == "closed"]
    assert len(closings) == 2, "the second closing was dropped as a duplicate of the first"


# -- document uploads -------------------------------------------------------------------------------


def test_an_upload_ticket_points_into_the_uploads_container_under_the_hearing(portal: Portal) -> None:
    hearing_id = portal.draft()

    ticket = portal.call(
        request_document_upload,
        caseworker(),
        hearing_id,
        UploadRequest(filename="../../Lokalplan 12.pdf"),
    )

    assert ticket.upload_url.startswith(f"memory://{UPLOADS}/{hearing_id}/{ticket.document_id}/")
    assert ticket.upload_url.split("?")[0].endswith("/Lokalplan 12.pdf")
    assert ticket.expires_at == portal.clock.now() + timedelta(minutes=15)
    assert ticket.method == "PUT"


def test_no_upload_ticket_for_a_concluded_hearing_or_a_stranger(portal: Portal) -> None:
    concluded = portal.concluded()
    with pytest.raises(Conflict):
        portal.call(request_document_upload, caseworker(), concluded, UploadRequest(filename="a.pdf"))
    with pytest.raises(Forbidden):
        portal.call(request_document_upload, employee(), portal.scheduled(), UploadRequest(filename="a.pdf"))


def test_a_file_name_without_usable_characters_is_refused(portal: Portal) -> None:
    with pytest.raises(InvalidInput) as refused:
        portal.call(request_document_upload, caseworker(), portal.draft(), UploadRequest(filename="../.."))

    assert refused.value.problems[0].field == "filename"
