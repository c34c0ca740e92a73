"""Responses are screened for personal data before a caseworker may publish them."""

from __future__ import annotations

import pytest

from shared.domain.danish_ids import is_valid_cvr, normalise_cpr
from shared.domain.screening import FlagState, screen
from shared.domain.screening.flags import FlagKind


@pytest.mark.parametrize(
    "text",
    [
        "Mit CPR-nummer er 010190-1234, hvis I skal bruge det.",
        "Mit CPR-nummer er 0101901234, hvis I skal bruge det.",
        "Mit CPR-nummer er 010190 1234, hvis I skal bruge det.",
        "010190-1234",
        "Mit CPR-nummer er 010190–1234 (Word gjorde bindestregen lang).",
        "Mit CPR-nummer er 010190‑1234.",
        "Mit CPR-nummer er 010190 1234.",
        "Mit CPR-nummer er 010190 - 1234.",
        "Mit CPR-nummer er ０１０１９０-1234.",
    ],
    ids=["hyphen", "no-hyphen", "space", "alone", "en-dash", "non-breaking-hyphen", "nbsp", "spaced-dash", "fullwidth"],
)
def test_a_cpr_number_is_flagged_and_masked(text: str) -> None:
    flags = screen(text)

    assert [flag.kind for flag in flags] == ["cpr"]
    [flag] = flags
    assert "1234" not in flag.excerpt
    assert flag.excerpt.endswith("XXXX")
    assert flag.state is FlagState.OPEN


def test_several_cpr_numbers_are_each_flagged_and_none_is_repeated() -> None:
    text = "Min søn 150285-4321 og jeg 3112799876 protesterer."

    flags = screen(text)

    assert [flag.kind for flag in flags] == ["cpr", "cpr"]
    serialised = " ".join(flag.model_dump_json() for flag in flags)
    assert "4321" not in serialised
    assert "9876" not in serialised


@pytest.mark.parametrize(
    "text",
    [
        "Sagsnummer 3213991234 er forkert.",  # day 32
        "Referencen 0113901234 er forkert.",  # month 13
        "Referencen 3002901234 er forkert.",  # 30 February
        "Ring på 33 66 33 66.",  # a phone number
        "Kontonummer 12345678901",  # eleven digits, part of a longer number
        "Budgettet er 1.250.000 kr.",
    ],
)
def test_numbers_that_are_not_dates_of_birth_are_not_flagged(text: str) -> None:
    assert [flag for flag in screen(text) if flag.kind == "cpr"] == []


@pytest.mark.parametrize("address", ["anna.jensen@example.dk", "a+hoering@mail.example.com", "bo_n@kk.dk"])
def test_an_email_address_is_flagged_and_masked(address: str) -> None:
    flags = screen(f"Skriv til mig på {address} hvis I har spørgsmål.")

    assert [flag.kind for flag in flags] == ["email"]
    local = address.split("@")[0]
    assert address not in flags[0].excerpt
    assert local not in flags[0].excerpt or len(local) == 1


def test_a_text_with_both_gets_both_flags() -> None:
    flags = screen("Anna (010190-1234, anna@example.dk) er imod planen.")

    assert sorted(flag.kind for flag in flags) == ["cpr", "email", "name"]  # and her name


def test_an_ordinary_response_is_not_flagged() -> None:
    text = "Jeg støtter cykelstien, men ønsker flere træer langs Amagerbrogade. Mvh. en nabo"

    assert screen(text) == []


# -- the identity numbers the login brokers send ---------------------------------------------------


@pytest.mark.parametrize("value", ["010190-1234", "0101901234", " 0101901234 "])
def test_cpr_numbers_are_normalised_to_ten_digits(value: str) -> None:
    assert normalise_cpr(value) == "0101901234"


@pytest.mark.parametrize("value", ["3213901234", "0101-901234", "010190123", "abcdefghij", "010190-12345"])
def test_malformed_cpr_numbers_are_refused_without_repeating_them(value: str) -> None:
    with pytest.raises(ValueError) as refused:
        normalise_cpr(value)

    assert value.strip() not in str(refused.value)


@pytest.mark.parametrize(("value", "valid"), [("39162571", True), ("39162572", False), ("0123456", False)])
def test_cvr_numbers_carry_a_modulus_11_check(value: str, valid: bool) -> None:
    assert is_valid_cvr(value) is valid


@pytest.mark.parametrize("text", ["Punkt 1 2 3 4 5 6 7 8 9 0 i planen", "Tallene 3 1 4 1 5 9 2 6 5 3 5 8 9 7"])
def test_single_digits_in_a_row_without_a_date_of_birth_are_not_a_cpr_number(text: str) -> None:
    assert [flag for flag in screen(text) if flag.kind is FlagKind.CPR] == []
