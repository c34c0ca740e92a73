"""Redaction and the rules for deciding on flags: what the public may read, and what can never be accepted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.identity import Identity, IdentityKind
from shared.domain.redaction import Redaction, Span, merged_spans, public_text, redact
from shared.domain.response import Response
from shared.domain.screening import Flag, FlagKind, FlagState, accept, decide, publishable, resolve_open, screen

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
TEXT = "Jeg hedder Anna Jensen, tlf. 28 91 44 07, CPR 010190-1234. Jeg er imod planen."


def test_spans_are_replaced_by_the_danish_or_english_label() -> None:
    assert redact("Ring til Bo nu", [(9, 11)]) == "Ring til [fjernet: personoplysning] nu"
    assert redact("Ring til Bo nu", [(9, 11)], language="en") == "Ring til [removed: personal data] nu"


def test_overlapping_and_touching_spans_are_merged_into_one_replacement() -> None:
    assert merged_spans([(5, 9), (0, 3), (3, 4), (7, 12)], 20) == [Span(start=0, end=4), Span(start=5, end=12)]
    assert redact("abcdefghijklmnop", [(5, 9), (7, 12)]) == "abcde[fjernet: personoplysning]mnop"


@pytest.mark.parametrize("span", [(-1, 3), (3, 3), (5, 2), (0, 99)])
def test_a_span_outside_the_text_is_refused_naming_the_field(span: tuple[int, int]) -> None:
    with pytest.raises(InvalidInput) as refused:
        redact("kort tekst", [span])

    assert refused.value.problems[0].field == "spans"


def test_a_redaction_record_says_what_who_when_and_why() -> None:
    flag = next(flag for flag in screen(TEXT) if flag.kind is FlagKind.CPR)

    record = Redaction.of_flag(flag, TEXT, by="entra:henriette", at=NOW)

    assert TEXT[record.span.start : record.span.end] == "010190-1234"
    assert (record.reason, record.flag_id, record.by) == ("cpr", flag.id, "entra:henriette")
    assert Redaction.model_validate(record.to_document()) == record


def test_a_cpr_flag_can_only_be_redacted_and_accepting_it_names_the_flag() -> None:
    flags = screen(TEXT)
    cpr = next(flag for flag in flags if flag.kind is FlagKind.CPR)

    with pytest.raises(Conflict) as refused:
        accept(cpr)
    assert cpr.id in refused.value.detail and "1234" not in refused.value.detail
    assert cpr.state is FlagState.OPEN
    with pytest.raises(Conflict):
        decide(flags, cpr.id, FlagState.ACCEPTED)

    assert decide(flags, cpr.id, FlagState.REDACTED).state is FlagState.REDACTED
    with pytest.raises(NotFound):
        decide(flags, "cpr-0-1", FlagState.REDACTED)


def test_a_text_is_publishable_only_when_every_flag_is_decided() -> None:
    flags = screen(TEXT)
    assert publishable(flags) is False

    for flag in flags:
        decide(flags, flag.id, FlagState.REDACTED if flag.kind is FlagKind.CPR else FlagState.ACCEPTED)

    assert publishable(flags) is True
    assert publishable([]) is True


def test_clearing_all_flags_redacts_them_but_keeps_the_own_name_the_respondent_chose_to_publish() -> None:
    published, anonymous, other = screen(TEXT), screen(TEXT), screen("Min nabo Peter Hansen er enig.")

    resolve_open(published, TEXT, own_name="Anna Jensen", publish_name=True)
    resolve_open(anonymous, TEXT, own_name="Anna Jensen", publish_name=False)
    resolve_open(other, "Min nabo Peter Hansen er enig.", own_name="Anna Jensen", publish_name=True)

    assert public_text(TEXT, published) == (
        "Jeg hedder Anna Jensen, tlf. [fjernet: personoplysning], CPR [fjernet: personoplysning]. Jeg er imod planen."
    )
    assert "Anna" not in public_text(TEXT, anonymous)
    assert public_text("Min nabo Peter Hansen er enig.", other) == "Min nabo [fjernet: personoplysning] er enig."
    assert all(publishable(flags) for flags in (published, anonymous, other))


def test_a_stored_flag_without_a_position_withholds_the_whole_text_when_redacted() -> None:

    flag = Flag.model_validate({"kind": "cpr", "excerpt": "010190-XXXX", "cleared": True})
    flag.state = FlagState.REDACTED

    assert public_text("Mit CPR er 0101901234", [flag]) == "[fjernet: personoplysning]"


def test_an_approved_response_shows_neither_the_cpr_number_nor_the_email_address() -> None:

    who = Identity(subject="mitid:anna", kind=IdentityKind.CITIZEN, name="Anna Jensen")
    response = Response.receive("h-1", who, "Mit CPR er 010190-1234 og min mail er anna@example.dk", False, NOW)
    response.record_screening(screen(response.text), NOW)

    response.approve("entra:henriette", clear_flags=True, publish=True, now=NOW)

    assert response.public_text() == "Mit CPR er [fjernet: personoplysning] og min mail er [fjernet: personoplysning]"
    assert publishable(response.flags) and response.open_flags == []


@pytest.mark.parametrize(
    "typed",
    [
        "10 10 10-1010",
        "1010101010",
        "101010-1010",
        "101010-\n1010",
        "101010\r\n-1010",
        "10-10-10-1010",
        "10/10/10 1010",
        "10\u200b1010-10\u00ad10",
        "\uff11\uff10\uff11\uff10\uff11\uff10-\uff11\uff10\uff11\uff10",
        "\u0661\u0660\u0661\u0660\u0661\u0660-\u0661\u0660\u0661\u0660",
        "1 0 1 0 1 0 1 0 1 0",
        "1.0.1.0.1.0 - 1.0.1.0",
    ],
    ids=[
        "spaced-date",
        "bare",
        "hyphen",
        "wrapped",
        "wrapped-before-dash",
        "dashed-date",
        "slashed-date",
        "invisible",
        "full-width-digits",
        "arabic-indic-digits",
        "digit-by-digit",
        "digit-by-digit-dotted",
    ],
)
def test_a_cpr_like_number_however_typed_is_never_in_the_public_text(typed: str) -> None:
    who = Identity(subject="mitid:anna", kind=IdentityKind.CITIZEN, name="Anna Jensen")
    response = Response.receive("h-1", who, f"Naboens nummer er {typed}, skriv til ham.", False, NOW)
    response.record_screening(screen(response.text), NOW)
    assert [flag.kind for flag in response.flags] == [FlagKind.CPR]
    with pytest.raises(Conflict):
        response.approve("entra:henriette", clear_flags=False, publish=True, now=NOW)

    response.approve("entra:henriette", clear_flags=True, publish=True, now=NOW)

    assert response.public_text() == "Naboens nummer er [fjernet: personoplysning], skriv til ham."
