"""What screening flags beyond CPR numbers and e-mail addresses, and what it leaves alone."""

from __future__ import annotations

import pytest

from shared.domain.screening import Flag, FlagKind, FlagState, default_allowed_places, screen


def found(text: str, **options) -> list[tuple[str, str]]:
    return [(flag.kind.value, text[flag.start : flag.end]) for flag in screen(text, **options)]


def test_offsets_point_into_the_text_as_typed_even_with_odd_dashes_and_spaces() -> None:
    text = "Ｈej! Mit CPR-nummer er ０１０１９０‑1234 og tlf. 28\u00a091\u00a044\u00a007."

    assert found(text) == [("cpr", "０１０１９０‑1234"), ("phone", "28\u00a091\u00a044\u00a007")]


def test_screening_the_same_text_twice_gives_the_same_flags() -> None:
    text = "Mvh. Anna Jensen, Vesterbrogade 12, 2. th., tlf. 28 91 44 07, anna@example.dk"

    first, second = screen(text), screen(text)

    assert first == second
    assert [flag.id for flag in first] == ["name-5-16", "address-18-42", "phone-49-60", "email-62-77"]


@pytest.mark.parametrize(
    "number", ["28914407", "28 91 44 07", "2891 4407", "+45 28 91 44 07", "0045 28914407", "289 14 407"]
)
def test_danish_phone_numbers_in_the_usual_groupings_are_flagged(number: str) -> None:
    assert found(f"Ring på {number} efter kl. 16.") == [("phone", number)]


@pytest.mark.parametrize(
    "text",
    [
        "Budgettet er 25000000 kr. for hele projektet.",  # an amount
        "Fristen var 24122024, sagde de.",  # a date written without separators
        "Sagsnummer 2024-012345 og KLE 01.02.03.",  # case and KLE numbers
        "Firmaet har CVR 39162571.",  # a company number
        "Reg.nr. 1551 kontonr. 23456789.",  # an account number
        "Mødet er 12.05.2024 kl. 17.30.",
    ],
)
def test_numbers_that_are_not_phone_numbers_are_left_alone(text: str) -> None:
    assert found(text) == []


def test_a_cpr_number_is_not_also_a_phone_number() -> None:
    assert found("0101901234") == [("cpr", "0101901234")]


def test_an_account_number_that_looks_like_a_cpr_number_is_left_alone_unless_written_as_one() -> None:
    assert found("Kontonr. 0101901234 til tilbagebetaling.") == []
    assert found("Kontonr. 010190-1234 til tilbagebetaling.") == [("cpr", "010190-1234")]


@pytest.mark.parametrize(
    "address",
    [
        "Vesterbrogade 12, 2. th.",
        "Nørre Allé 7B",
        "Amagerbrogade 150, st. tv.",
        "Toftegårds Allé 45, 3. mf., 2500 Valby",
        "Gothersgade 8F, 1123 København K",
        "H.C. Andersens Boulevard 27, 1553 København V",
    ],
)
def test_an_address_with_a_house_number_is_flagged_and_masked(address: str) -> None:
    [flag] = screen(f"Jeg bor på {address} og er imod.")

    assert (flag.kind, f"Jeg bor på {address} og er imod."[flag.start : flag.end]) == (FlagKind.ADDRESS, address)
    assert flag.excerpt.endswith(" XX")
    assert not any(char.isdigit() for char in flag.excerpt)


@pytest.mark.parametrize(
    "text",
    [
        "Træerne langs Amagerbrogade skal bevares.",  # a street without a number
        "Cykelstien er 250 meter fra Amagerbrogade 150 meter længere nede.",  # a distance
        "Der kører 14.500 biler på Ring 2 hver dag.",
    ],
)
def test_streets_without_a_house_number_are_left_alone(text: str) -> None:
    assert [kind for kind, _ in found(text) if kind == "address"] == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jeg hedder Mette Kjær og bor i Sydhavn.", "Mette Kjær"),
        ("Mit navn er Xenia Qvortrup.", "Xenia Qvortrup"),  # after "mit navn er", known or not
        ("Med venlig hilsen\nBirgitte Nielsen", "Birgitte Nielsen"),
        ("Mvh Karen", "Karen"),
        ("Min nabo Jens Poulsen er enig.", "Jens Poulsen"),
        ("Borgmester Sophie Hæstorp Andersen lovede flere træer.", "Sophie Hæstorp Andersen"),
        ("Hr. Pedersen i stuen har klaget.", "Pedersen"),
        ("Vi har talt med Anne-Marie om det.", "Anne-Marie"),
    ],
)
def test_personal_names_are_flagged_with_initials_as_excerpt(text: str, name: str) -> None:
    flags = [flag for flag in screen(text) if flag.kind is FlagKind.NAME]

    assert [text[flag.start : flag.end] for flag in flags] == [name]
    assert flags[0].excerpt == " ".join(f"{part[0]}." for part in name.replace("-", " ").split())


@pytest.mark.parametrize(
    "text",
    [
        "Bo i byen er dyrt nok i forvejen.",  # a first name that is also a word, starting a sentence
        "Have og gårdmiljøer bør bevares.",
        "Hans forslag er bedre end kommunens.",
        "Lund er en by med gode cykelstier.",  # a surname alone
        "Der bør være en overgang ved Søren Kierkegaards Plads.",  # allow-listed
        "Trafikken på H.C. Andersens Boulevard er kaotisk.",
        "Marie Kruses Skole mangler cykelparkering.",  # a person's name that names an institution
        "Peter Bangs Vej er lukket.",
        "Vi ønsker en hundeskov i Valby og på Nørrebro.",
        "Holm & Co ApS ønsker erhvervslokaler i stueetagen.",
    ],
)
def test_places_institutions_and_ordinary_words_are_not_names(text: str) -> None:
    assert [name for kind, name in found(text) if kind == "name"] == []


def test_the_allow_list_can_be_replaced_or_extended() -> None:
    text = "Vi fejrer Sankt Hans i parken og hos Jens Vejmand."

    assert [name for kind, name in found(text) if kind == "name"] == ["Jens"]
    assert [name for kind, name in found(text, allow=()) if kind == "name"] == ["Hans", "Jens"]
    assert [n for k, n in found(text, allow=(*default_allowed_places(), "Jens Vejmand")) if k == "name"] == []


def test_blacklisted_terms_match_whole_words_in_any_case_with_danish_letters_as_letters() -> None:
    text = "Rådmanden er en IDIOT, og planen er rød. Rødderne og idiotsikre løsninger er fine."

    assert found(text, blacklist=["idiot", "rød"]) == [("blacklisted", "IDIOT"), ("blacklisted", "rød")]
    assert found("Det er en rødgrød.", blacklist=["grød"]) == []  # ø is a letter: no boundary inside the word


def test_a_blacklisted_phrase_matches_across_any_spaces() -> None:
    assert found("Den er helt  grøn   vask.", blacklist=["grøn vask"]) == [("blacklisted", "grøn   vask")]


def test_stored_flags_of_the_old_form_still_load() -> None:
    open_cpr = Flag.model_validate({"kind": "cpr", "excerpt": "010190-XXXX", "cleared": False})
    cleared_cpr = Flag.model_validate({"kind": "cpr", "excerpt": "010190-XXXX", "cleared": True})
    cleared_email = Flag.model_validate({"kind": "email", "excerpt": "a***@example.dk", "cleared": True})

    assert open_cpr.state is FlagState.OPEN
    assert cleared_cpr.state is FlagState.OPEN  # a CPR number is never accepted: it goes back to review
    assert cleared_email.state is FlagState.ACCEPTED
    assert open_cpr.end is None and open_cpr.span_in("Hele teksten") == (0, 12)  # position unknown: all of it
    assert open_cpr.id == cleared_cpr.id != cleared_email.id
    assert Flag.model_validate(open_cpr.to_document()) == open_cpr  # and round-trips in its new form
