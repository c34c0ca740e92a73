"""The last line of defence: whatever a flag says, no CPR number or e-mail address reaches an export."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from shared.domain.identity import IdentityKind
from shared.domain.response import Respondent, Response, ResponseStatus
from shared.domain.screening import Flag, FlagState, screen
from shared.services import export_rows
from shared.services.export_rows import MASK, export_row, masked

RECEIVED = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)  # 10:30 in Copenhagen (winter time)


@pytest.mark.parametrize(
    "written",
    [
        "010190-1234",
        "0101901234",
        "010190 1234",
        "010190–1234",
        "010190\u20111234",
        "010190.1234",
        "０１０１９０-１２３４",
    ],
)
def test_a_cpr_number_in_any_common_spelling_is_masked(written: str) -> None:
    assert masked(f"Mit nummer er {written}, tak.") == f"Mit nummer er {MASK}, tak."


def test_an_email_address_is_masked() -> None:
    assert masked("Skriv til anna.jensen+plan@example.dk i dag") == f"Skriv til {MASK} i dag"


def test_numbers_that_cannot_be_cpr_numbers_stay() -> None:
    text = "Sag 2024-012345, beløb 4512345678 kr., telefon 12 34 56 78, dato 01.02.2026"

    assert masked(text) == text


def test_positions_reported_by_the_screening_are_masked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # A screening engine that knows more than the small patterns here, reporting where it found a CPR number.
    text = "CPR: 01 01 90 12 34 ellers intet"
    found = SimpleNamespace(kind="cpr", excerpt="010190-XXXX", start=5, end=19)
    monkeypatch.setattr(export_rows, "screen", lambda _text: [found])

    assert masked(text) == f"CPR: {MASK} ellers intet"


def test_overlapping_findings_are_masked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Ring 0101901234 nu"
    monkeypatch.setattr(export_rows, "screen", lambda _text: [SimpleNamespace(kind="cpr", start=3, end=12)])

    assert masked(text) == f"Rin{MASK} nu"


def response(**changes: object) -> Response:
    base = Response(
        id="r1",
        hearing_id="h1",
        respondent=Respondent(subject="mitid:anna", kind=IdentityKind.CITIZEN, name="Anna Jensen"),
        text="Jeg er imod. Mit CPR er 010190-1234.",
        status=ResponseStatus.APPROVED,
        received_at=RECEIVED,
        updated_at=RECEIVED,
        digest="sha256:0",
    )
    return base.model_copy(update=changes)


def test_a_row_uses_the_order_of_receipt_until_the_response_is_numbered() -> None:
    row = export_row(response(), 7)

    assert (row.number, row.author, row.status, row.campaign_group) == (7, "Borger", "Godkendt", "")
    assert row.received_local == datetime(2026, 1, 15, 10, 30)
    assert row.text == f"Jeg er imod. Mit CPR er {MASK}."


def test_a_row_prefers_the_number_and_names_the_campaign_it_is_given() -> None:
    later = response().model_copy(update={"number": 42, "campaign_group_id": "g-9"})

    assert (export_row(later, 7, "g-9").number, export_row(later, 7, "g-9").campaign_group) == (42, "g-9")
    # The group id on the response alone is no campaign: a response alone in its group has one too.
    assert export_row(later, 7).campaign_group == ""


def test_a_row_shows_the_text_as_published_with_redacted_flags_replaced() -> None:
    base = response()
    text = "Jeg er imod. Ring til 28 12 34 56."
    flags = [flag.model_copy(update={"state": FlagState.REDACTED}) for flag in screen(text)]
    row = export_row(base.model_copy(update={"text": text, "flags": flags}), 1)

    assert "28 12 34 56" not in row.text
    assert row.text.startswith("Jeg er imod. Ring til [fjernet: personoplysning]")


def test_flag_states_are_read_from_new_and_old_flags() -> None:
    new_style = Flag.model_validate(
        {"id": "cpr-0-11", "kind": "cpr", "start": 0, "end": 11, "excerpt": "010190-XXXX", "state": "redacted"}
    )
    old_style = Flag.model_validate({"kind": "email", "cleared": False, "excerpt": "a***@example.dk"})
    item = response().model_copy(update={"flags": [new_style, old_style]})

    assert export_rows.flag_summary(item) == "CPR-nummer: anonymiseret, e-mailadresse: ikke afgjort"
