"""A response: one per respondent per hearing, a digest that proves the text, moderation rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.errors import Conflict
from shared.domain.identity import Identity, IdentityKind
from shared.domain.response import Receipt, Respondent, Response, ResponseStatus, response_id_for
from shared.domain.screening import FlagState, screen

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
ANNA = Identity(subject="mitid:anna", kind=IdentityKind.CITIZEN, name="Anna Jensen", cpr="0101901234")
BO = Identity(subject="mitid:bo", kind=IdentityKind.CITIZEN, name="Bo Nielsen")
KARIN = Identity(
    subject="erhverv:karin", kind=IdentityKind.COMPANY, name="Karin Holm", cvr="39162571", company_name="Holm & Co ApS"
)
ERIK = Identity(subject="entra:erik", kind=IdentityKind.EMPLOYEE, name="Erik Ansat")


def received(text: str = "Jeg støtter forslaget.", who: Identity = ANNA, publish_name: bool = False) -> Response:
    return Response.receive("h-1", who, text, publish_name, NOW)


def screened(text: str = "Jeg støtter forslaget.") -> Response:
    response = received(text)
    response.record_screening(screen(text), NOW + timedelta(seconds=1))
    return response


# -- identity and digest ----------------------------------------------------------------------------


def test_one_id_per_respondent_per_hearing() -> None:
    assert received().id == received("En helt anden tekst").id == response_id_for("h-1", "mitid:anna")
    assert received(who=BO).id != received().id
    assert response_id_for("h-2", "mitid:anna") != response_id_for("h-1", "mitid:anna")


def test_the_digest_changes_with_the_text() -> None:
    first, same, other = received("Ja tak."), received("Ja tak."), received("Nej tak.")

    assert first.digest == same.digest
    assert first.digest != other.digest
    assert first.digest.startswith("sha256:") and len(first.digest) == len("sha256:") + 64


def test_the_digest_changes_with_the_receipt_time() -> None:
    later = Response.receive("h-1", ANNA, "Ja tak.", False, NOW + timedelta(microseconds=1))

    assert later.digest != received("Ja tak.").digest


def test_a_receipt_carries_id_time_and_digest_in_utc_and_copenhagen_time() -> None:
    response = received()

    receipt = Receipt.of(response).to_document()

    assert receipt["responseId"] == response.id
    assert receipt["hearingId"] == "h-1"
    assert receipt["receivedAt"] == "2026-05-10T12:00:00.000000Z"
    assert receipt["receivedAtLocal"] == "2026-05-10T14:00:00+02:00"
    assert receipt["digest"] == response.digest
    assert receipt["status"] == "submitted"


def test_revising_changes_text_and_digest_and_starts_review_again() -> None:
    response = screened("Jeg er imod.")
    response.approve("entra:henriette", clear_flags=False, publish=True, now=NOW + timedelta(hours=1))
    old_digest = response.digest

    response.revise("Jeg er alligevel for.", publish_name=True, now=NOW + timedelta(hours=2))

    assert response.text == "Jeg er alligevel for."
    assert response.digest != old_digest
    assert response.status is ResponseStatus.SUBMITTED
    assert response.is_public is False
    assert response.respondent.publish_name is True
    assert response.received_at == NOW  # the original receipt time still counts for the deadline


# -- who the public sees ----------------------------------------------------------------------------


def test_a_companys_name_is_shown() -> None:
    assert Respondent.of(KARIN, publish_name=False).public_author() == "Holm & Co ApS"
    assert Respondent.of(KARIN, publish_name=True).public_author() == "Holm & Co ApS"


def test_a_persons_name_is_shown_only_when_they_chose_so() -> None:
    assert Respondent.of(ANNA, publish_name=False).public_author() == "Borger"
    assert Respondent.of(ANNA, publish_name=True).public_author() == "Anna Jensen"
    assert Respondent.of(ERIK, publish_name=False).public_author() == "Medarbejder"
    assert Respondent.of(ERIK, publish_name=True).public_author() == "Erik Ansat"


def test_the_respondent_keeps_no_cpr_number() -> None:
    assert "0101901234" not in received().model_dump_json()


# -- moderation -------------------------------------------------------------------------------------


def test_screening_happens_once() -> None:
    response = received("Skriv til anna@example.dk")

    assert response.record_screening(screen(response.text), NOW) is True
    assert response.status is ResponseStatus.AWAITING_REVIEW
    assert response.record_screening([], NOW) is False
    assert [flag.kind for flag in response.flags] == ["email"]


def test_an_unscreened_response_cannot_be_approved() -> None:
    response = received()

    with pytest.raises(Conflict):
        response.approve("entra:henriette", clear_flags=True, publish=True, now=NOW)

    assert response.is_public is False


def test_approving_with_open_flags_is_refused_unless_the_flags_are_cleared() -> None:
    response = screened("Mit CPR-nummer er 010190-1234.")

    with pytest.raises(Conflict) as refused:
        response.approve("entra:henriette", clear_flags=False, publish=True, now=NOW)
    assert refused.value.problems[0].field == "clearFlags"
    assert "cpr" in refused.value.detail
    assert "1234" not in refused.value.detail
    assert response.status is ResponseStatus.AWAITING_REVIEW
    assert response.is_public is False

    response.approve("entra:henriette", clear_flags=True, publish=True, now=NOW)

    assert response.is_public is True
    assert response.open_flags == []
    assert all(flag.state is FlagState.REDACTED for flag in response.flags)
    assert (response.decided_by, response.decided_at) == ("entra:henriette", NOW)


def test_approved_but_not_published_is_not_public() -> None:
    response = screened()

    response.approve("entra:henriette", clear_flags=False, publish=False, now=NOW)

    assert response.status is ResponseStatus.APPROVED
    assert response.is_public is False


def test_decline_hides_an_approved_response() -> None:
    response = screened()
    response.approve("entra:henriette", clear_flags=False, publish=True, now=NOW)

    response.decline("entra:ada", NOW + timedelta(minutes=5))

    assert response.status is ResponseStatus.DECLINED
    assert response.is_public is False
    assert response.decided_by == "entra:ada"


def test_a_declined_response_can_be_approved_after_all() -> None:
    response = screened()
    response.decline("entra:henriette", NOW)

    response.approve("entra:henriette", clear_flags=False, publish=True, now=NOW)

    assert response.is_public is True


def test_an_unscreened_response_cannot_be_declined() -> None:
    with pytest.raises(Conflict):
        received().decline("entra:henriette", NOW)


def test_withdrawing_hides_the_response_and_ends_moderation_and_editing() -> None:
    response = screened()
    response.approve("entra:henriette", clear_flags=False, publish=True, now=NOW)

    response.withdraw(NOW + timedelta(hours=1))

    assert response.status is ResponseStatus.WITHDRAWN
    assert response.is_public is False
    with pytest.raises(Conflict):
        response.approve("entra:henriette", clear_flags=True, publish=True, now=NOW + timedelta(hours=2))
    with pytest.raises(Conflict):
        response.decline("entra:henriette", NOW + timedelta(hours=2))
    with pytest.raises(Conflict):
        response.revise("Ny tekst", publish_name=False, now=NOW + timedelta(hours=2))
