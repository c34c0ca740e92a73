"""Rules that live in the hearing: what an edit may change, invitees and their limit, whether a
document is taken, KLE numbers, and the outbox flag the sweep looks for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import BaseModel, ValidationError

from shared.domain.errors import Conflict, InvalidInput
from shared.domain.hearing import (
    MAX_DOCUMENTS,
    MAX_INVITEES,
    Hearing,
    HearingEdit,
    HearingStatus,
    Visibility,
)
from shared.domain.invitation import Invitee, InviteeKind
from shared.domain.kle import Kle
from shared.domain.response import Response
from tests.fakes import citizen
from tests.unit.test_hearing_lifecycle import DEADLINE, NOW, START, document, draft

# -- editing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["status", "owner", "ownerName", "invitees", "documents", "deadline", "pendingEvents", "id"]
)
def test_an_edit_cannot_name_a_field_that_has_its_own_rule(field: str) -> None:
    with pytest.raises(ValidationError) as error:
        HearingEdit.model_validate({field: "concluded"})

    assert error.value.errors()[0]["type"] == "extra_forbidden"


def test_an_edit_is_validated_when_a_field_is_assigned_too() -> None:
    changes = HearingEdit(title="Ny titel")

    with pytest.raises(ValidationError):
        changes.title = ""
    with pytest.raises(ValidationError):
        changes.kle = "1.2"  # type: ignore[assignment]
    with pytest.raises(ValidationError):
        changes.visibility = None  # only kle may be cleared


def test_an_edit_changes_the_fields_it_sets_and_only_those() -> None:
    hearing = draft()
    hearing.kle = Kle("01.02")

    changed = hearing.edit(HearingEdit(summary="Nyt resumé", kle=None), NOW + timedelta(minutes=1))

    assert changed == ["kle", "summary"]
    assert hearing.kle is None
    assert (hearing.summary, hearing.title) == ("Nyt resumé", "Lokalplan for Nordhavn")
    assert hearing.status is HearingStatus.DRAFT
    assert hearing.owner == "entra:henriette"


def test_an_edited_list_is_the_hearings_own_copy() -> None:
    hearing = draft()
    changes = HearingEdit(reviewers=["entra:rikke"])

    hearing.edit(changes, NOW)
    assert changes.reviewers is not None
    changes.reviewers.append("entra:someone-else")

    assert hearing.reviewers == ["entra:rikke"]


# -- invitees ----------------------------------------------------------------------------------------


def invitee(n: int) -> Invitee:
    return Invitee(kind=InviteeKind.SUBJECT, match_key=f"mitid:person-{n}", label=f"mitid:person-{n}")


def test_inviting_the_same_person_twice_keeps_one() -> None:
    hearing = draft()
    hearing.visibility = Visibility.CLOSED

    assert hearing.invite([invitee(1), invitee(2)], NOW) == 2
    assert hearing.invite([invitee(2), invitee(3)], NOW) == 3
    assert hearing.invite([invitee(9)], NOW, replace=True) == 1

    assert [i.match_key for i in hearing.invitees] == ["mitid:person-9"]


def test_a_hearing_refuses_more_invitees_than_its_limit_and_keeps_its_list() -> None:
    hearing = draft()
    hearing.invite([invitee(n) for n in range(MAX_INVITEES)], NOW)

    with pytest.raises(InvalidInput) as error:
        hearing.invite([invitee(MAX_INVITEES)], NOW)

    assert error.value.problems[0].field == "invitees"
    assert len(hearing.invitees) == MAX_INVITEES


def test_inviting_to_a_concluded_hearing_is_refused() -> None:
    hearing = draft()
    hearing.schedule(START, DEADLINE, NOW)
    hearing.conclude("Vedtaget.", DEADLINE)

    with pytest.raises(Conflict):
        hearing.invite([invitee(1)], DEADLINE)
    assert hearing.invitees == []


# -- documents ---------------------------------------------------------------------------------------


def full_hearing() -> Hearing:
    hearing = draft()
    for n in range(MAX_DOCUMENTS):
        hearing.attach(document(f"doc-{n}"), NOW)
    return hearing


def test_a_full_hearing_takes_no_new_document_but_takes_an_attached_one_again() -> None:
    hearing = full_hearing()

    with pytest.raises(Conflict) as error:
        hearing.check_takes_document()
    with pytest.raises(Conflict):
        hearing.attach(document("one-too-many"), NOW)
    hearing.check_takes_document("doc-0")  # a retried upload of one already attached

    assert error.value.problems[0].field == "documents"
    assert hearing.attach(document("doc-0"), NOW) is False
    assert len(hearing.documents) == MAX_DOCUMENTS


def test_a_concluded_hearing_takes_no_document() -> None:
    hearing = draft()
    hearing.schedule(START, DEADLINE, NOW)
    hearing.conclude("Vedtaget.", DEADLINE)

    with pytest.raises(Conflict) as error:
        hearing.check_takes_document()

    assert error.value.problems[0].field == "status"


# -- KLE numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["01", "01.02", "01.02.03", "99.99.99"])
def test_a_kle_number_has_one_to_three_levels_of_two_digits(text: str) -> None:
    assert Kle(text) == text


@pytest.mark.parametrize(
    "text", ["", "1", "001", "01.2", "01.02.03.04", "01-02", " 01", "01.", "٠١", "０１", "01\n", "ab"]
)
def test_anything_else_is_not_a_kle_number(text: str) -> None:
    with pytest.raises(ValueError):
        Kle(text)


def test_a_kle_number_knows_its_parents() -> None:
    kle = Kle("01.02.03")

    assert kle.lineage == ["01", "01.02", "01.02.03"]
    assert kle.parents == ["01", "01.02"]
    assert Kle("07").parents == []
    assert all(isinstance(parent, Kle) for parent in kle.lineage)


class _Classified(BaseModel):
    kle: Kle | None = None


def test_a_kle_field_parses_and_stores_as_plain_text() -> None:
    model = _Classified.model_validate({"kle": "01.02"})

    assert isinstance(model.kle, Kle)
    assert model.model_dump(mode="json") == {"kle": "01.02"}
    with pytest.raises(ValidationError):
        _Classified.model_validate({"kle": "1.2"})


def test_a_stored_hearing_keeps_its_kle_number() -> None:
    hearing = draft()
    hearing.edit(HearingEdit.model_validate({"kle": "13.02.05"}), NOW)

    again = Hearing.model_validate(hearing.to_document())

    assert again.kle == "13.02.05"
    assert isinstance(again.kle, Kle)
    assert again.kle.parents == ["13", "13.02"]


# -- the outbox flag -----------------------------------------------------------------------------------


def test_has_pending_events_follows_the_outbox() -> None:
    hearing = draft()
    assert hearing.has_pending_events is False

    hearing.record_audit(None, "hearing.checked", NOW)
    assert hearing.has_pending_events is True  # an audit entry waits too
    hearing.take_audit()
    assert hearing.has_pending_events is False

    hearing.schedule(START, DEADLINE, NOW)
    hearing.advance(START)
    assert hearing.has_pending_events is True
    hearing.take_pending_events()
    assert hearing.has_pending_events is False


def test_has_pending_events_is_stored_for_the_sweep_but_never_read_back() -> None:
    hearing = draft()
    hearing.record_audit(None, "hearing.checked", NOW)
    stored = hearing.to_document()
    assert stored["hasPendingEvents"] is True

    stored["pendingAudit"] = []
    again = Hearing.model_validate(stored)  # a stale flag in a document does not override the outbox

    assert again.has_pending_events is False


def test_a_response_flags_its_waiting_audit_entries() -> None:
    response = Response.receive("h-1", citizen(), "Tekst", False, datetime(2026, 5, 4, 9, tzinfo=UTC))
    assert response.to_document()["hasPendingAudit"] is False

    response.withdraw(NOW)
    entry = response.record_audit(citizen(), "response.withdrawn", NOW, target=f"response:{response.id}")
    response.record_audit(citizen(), "response.withdrawn", NOW, event_id=entry.id)  # kept once

    assert response.to_document()["hasPendingAudit"] is True
    assert [e.hearing_id for e in response.pending_audit] == ["h-1"]
