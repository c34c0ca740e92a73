"""The caseworker's desk: my hearings with what waits for review, uploads from a form, a cancellation's reason."""

from __future__ import annotations

from datetime import datetime

import pytest

from local_host.dev_identity.personas import PersonaDirectory
from shared.domain.base import WallClock, wall_clock_problem
from shared.domain.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from shared.domain.hearing import Rejection
from shared.domain.reference import ReferenceType
from shared.services import owners
from shared.services.caseworking import (
    DeskRole,
    hearing_choices,
    hearing_desk,
    invitee_rows,
    my_hearings,
    upload_document,
)
from shared.services.hearing_api import HearingChanges
from shared.services.hearing_files import process_upload
from shared.services.hearings import audit_trail, cancel_hearing, edit_hearing
from shared.services.responses import ResponseSubmission, screen_response, submit_response
from tests.fakes import UPLOADS, Portal, caseworker, citizen, employee

OWNER = caseworker()
REVIEWER = employee("entra:rita")
OTHER = caseworker("entra:olga")
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def respond(portal: Portal, hearing_id: str, who: object, text: str) -> None:
    receipt, _ = portal.call(submit_response, who, hearing_id, ResponseSubmission(text=text))
    portal.call(screen_response, hearing_id, receipt.response_id)


def test_my_hearings_are_those_i_own_or_review_with_what_waits_for_review(portal: Portal) -> None:
    owned = portal.active(OWNER, title="Cykelsti")
    reviewing = portal.draft(OTHER, title="Parkering")
    portal.call(edit_hearing, OTHER, reviewing, HearingChanges(reviewers=[OWNER.subject]))
    portal.draft(OTHER, title="Ikke min")
    respond(portal, owned, citizen("mitid:anna"), "Mit CPR-nummer er 010190-1234.")
    respond(portal, owned, citizen("mitid:bo", "Bo Nielsen"), "Jeg er for.")

    mine = portal.call(my_hearings, OWNER)

    assert {(item.hearing.title, item.role) for item in mine.items} == {
        ("Cykelsti", DeskRole.OWNER),
        ("Parkering", DeskRole.REVIEWER),
    }
    [active] = [item for item in mine.items if item.role is DeskRole.OWNER]
    assert active.review.waiting == 2
    assert active.review.open_flags >= 1  # the CPR number
    assert active.hearing.case_number == "2026-0042"  # the staff view


def test_only_employees_have_hearings_to_run(portal: Portal) -> None:
    with pytest.raises(NotAuthenticated):
        portal.call(my_hearings, None)
    with pytest.raises(Forbidden):
        portal.call(my_hearings, citizen())
    with pytest.raises(Forbidden):
        portal.call(hearing_choices, citizen())


def test_the_choices_for_a_new_hearing_are_the_templates_and_areas(portal: Portal) -> None:
    portal.add_area(ReferenceType.SUBJECT_AREA, "trafik", "Trafik og veje")
    portal.add_area(ReferenceType.CITY_AREA, "amager", "Amager")

    choices = portal.call(hearing_choices, OWNER)

    assert [t.name for t in choices.templates] == ["Standardhøring"]
    assert [a.name for a in choices.subject_areas] == ["Trafik og veje"]
    assert [a.name for a in choices.city_areas] == ["Amager"]


def test_the_desk_is_for_the_owner_a_reviewer_cannot_use_it_and_others_do_not_see_it(portal: Portal) -> None:
    hearing_id = portal.draft(OWNER)
    portal.call(edit_hearing, OWNER, hearing_id, HearingChanges(reviewers=[REVIEWER.subject]))

    desk = portal.call(hearing_desk, OWNER, hearing_id)
    assert desk.hearing.etag and desk.review.waiting == 0

    with pytest.raises(Forbidden):
        portal.call(hearing_desk, REVIEWER, hearing_id)
    with pytest.raises(NotFound):
        portal.call(hearing_desk, OTHER, hearing_id)


def test_a_document_from_a_form_waits_for_the_check_and_a_refused_one_says_why(portal: Portal) -> None:
    hearing_id = portal.draft(OWNER)

    good = portal.call(upload_document, OWNER, hearing_id, "lokalplan.pdf", PDF)
    bad = portal.call(upload_document, OWNER, hearing_id, "../harmless.pdf", EXE)

    desk = portal.call(hearing_desk, OWNER, hearing_id)
    assert sorted(p.filename for p in desk.pending_uploads) == ["harmless.pdf", "lokalplan.pdf"]
    for pending in (good, bad):
        name = f"{hearing_id}/{pending.document_id}/{pending.filename}"
        portal.call(process_upload, name, portal.files.read(UPLOADS, name))

    desk = portal.call(hearing_desk, OWNER, hearing_id)
    assert desk.pending_uploads == []
    assert [d.filename for d in desk.hearing.documents] == ["lokalplan.pdf"]
    [rejected] = desk.hearing.rejected_uploads or []
    assert (rejected.filename, rejected.kind) == ("harmless.pdf", Rejection.CONTENT)


def test_an_empty_or_too_large_document_is_refused_at_the_field(portal: Portal) -> None:
    hearing_id = portal.draft(OWNER)
    for data in (b"", b"x" * (portal.max_upload_bytes + 1)):
        with pytest.raises(InvalidInput) as refused:
            portal.call(upload_document, OWNER, hearing_id, "plan.pdf", data)
        assert refused.value.problems[0].field == "document"
    portal.call(edit_hearing, OWNER, hearing_id, HearingChanges(reviewers=[REVIEWER.subject]))
    with pytest.raises(Forbidden):
        portal.call(upload_document, REVIEWER, hearing_id, "plan.pdf", PDF)
    assert portal.files.names(UPLOADS) == []


def test_a_cancellation_keeps_its_reason_on_the_audit_trail(portal: Portal) -> None:
    hearing_id = portal.scheduled(OWNER)

    portal.call(cancel_hearing, OWNER, hearing_id, "Planen er trukket tilbage.")

    trail = portal.call(audit_trail, OWNER, hearing_id)
    [entry] = [e for e in trail.items if e.action == "hearing.cancelled"]
    assert entry.details["reason"] == "Planen er trukket tilbage."


def test_invitee_rows_keep_their_row_numbers_and_skip_a_header() -> None:
    text = "cpr;navn\n010190-1234;Anna\n\n39162571;Holm\nnot-valid;x\n"
    assert invitee_rows(text) == [(2, "010190-1234"), (4, "39162571"), (5, "not-valid")]
    assert invitee_rows("anna@example.dk\n") == [(1, "anna@example.dk")]


@pytest.mark.parametrize(
    ("wall_clock", "problem"),
    [
        (datetime(2026, 3, 29, 2, 30), WallClock.MISSING),  # clocks go forward at 02.00
        (datetime(2026, 10, 25, 2, 30), WallClock.TWICE),  # clocks go back at 03.00
        (datetime(2026, 10, 25, 12, 0), None),
    ],
)
def test_a_wall_clock_time_at_the_daylight_saving_change_is_named(wall_clock: datetime, problem: WallClock) -> None:
    assert wall_clock_problem(wall_clock) is problem


def test_a_reviewer_is_added_by_the_address_they_signed_in_with_and_shown_by_name(portal: Portal) -> None:
    hearing_id = portal.draft(OWNER)
    portal.call(owners.remember_employee, REVIEWER)  # Rita signed in once

    portal.call(edit_hearing, OWNER, hearing_id, HearingChanges(reviewers=[" RITA@kommune.example ", "entra:ny"]))

    assert portal.stored_hearing(hearing_id).reviewers == [REVIEWER.subject, "entra:ny"]
    desk = portal.call(hearing_desk, OWNER, hearing_id)
    assert desk.people == {REVIEWER.subject: "Rita <rita@kommune.example>"}  # "entra:ny" has not signed in


def test_an_address_nobody_signed_in_with_is_refused_at_its_place_in_the_list(portal: Portal) -> None:
    hearing_id = portal.draft(OWNER)
    portal.call(owners.remember_employee, REVIEWER)

    with pytest.raises(InvalidInput) as refused:
        portal.call(
            edit_hearing, OWNER, hearing_id, HearingChanges(reviewers=["rita@kommune.example", "nogen@kommune.example"])
        )

    assert [problem.field for problem in refused.value.problems] == ["reviewers[1]"]
    assert portal.stored_hearing(hearing_id).reviewers == []


def test_the_same_reviewer_by_address_and_by_id_is_listed_once(portal: Portal) -> None:
    hearing_id = portal.draft(OWNER)
    portal.call(owners.remember_employee, REVIEWER)

    portal.call(edit_hearing, OWNER, hearing_id, HearingChanges(reviewers=[REVIEWER.subject, "rita@kommune.example"]))

    assert portal.stored_hearing(hearing_id).reviewers == [REVIEWER.subject]


def test_a_reviewer_only_the_staff_directory_knows_is_added_by_address_and_named(portal: Portal) -> None:
    portal.directory = PersonaDirectory()  # the development personas: Erik Ansat has never signed in here
    hearing_id = portal.draft(OWNER)

    portal.call(edit_hearing, OWNER, hearing_id, HearingChanges(reviewers=["erik.ansat@kommune.example"]))

    assert portal.stored_hearing(hearing_id).reviewers == ["dev:employee"]
    assert portal.call(hearing_desk, OWNER, hearing_id).people == {
        "dev:employee": "Erik Ansat <erik.ansat@kommune.example>"
    }
