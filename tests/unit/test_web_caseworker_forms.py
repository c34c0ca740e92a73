"""The caseworker's forms as the pages read them: dates and times, checkboxes and files, messages at their fields."""

from __future__ import annotations

from datetime import date, time

import azure.functions as func
import pytest
from pydantic import ValidationError

from functions.web_caseworker import HEARING_FIELDS, _date, _field_errors, _invitee_errors, _time, _wall_clock
from functions.webui.forms import FieldError
from functions.webui.pages import Visit
from functions.webui.posted import posted
from functions.webui.session import Session
from shared.domain.errors import FieldProblem, InvalidInput
from shared.services.hearing_api import HearingDraft

BOUNDARY = "----portalboundary"


def danish() -> Visit:
    return Visit("da", "/sagsbehandler", {}, Session())


@pytest.mark.parametrize("text", ["2026-12-15", "15-12-2026", "15.12.2026", "15/12/2026", " 2026-12-15 "])
def test_a_date_is_read_as_a_date_field_sends_it_or_as_a_person_types_it(text: str) -> None:
    assert _date(text) == date(2026, 12, 15)


@pytest.mark.parametrize("text", ["", "2026-13-01", "31-02-2026", "15-12-26", "i morgen"])
def test_what_is_no_date_is_none(text: str) -> None:
    assert _date(text) is None


def test_a_time_is_read_with_a_colon_or_the_danish_full_stop() -> None:
    assert _time("12:00") == _time("12.00") == time(12, 0)
    assert _time("9:05") == time(9, 5)
    assert [_time(text) for text in ("", "24:00", "12", "12:00:00", "kl. 12")] == [None] * 5


def test_a_wall_clock_time_the_daylight_saving_change_skips_or_repeats_is_named_at_the_time_field() -> None:
    problems: list[FieldError] = []
    typed = {"startDate": "2027-03-28", "startTime": "02:30", "deadlineDate": "2026-10-25", "deadlineTime": "02:30"}

    _wall_clock(danish(), typed, "start", problems)
    _wall_clock(danish(), typed, "deadline", problems)

    assert [problem.field for problem in problems] == ["startTime", "deadlineTime"]
    assert "findes ikke i København" in problems[0].message
    assert "findes to gange i København" in problems[1].message


def test_a_good_wall_clock_time_becomes_one_value_and_a_missing_date_is_named() -> None:
    problems: list[FieldError] = []
    assert _wall_clock(danish(), {"deadlineDate": "03-11-2026", "deadlineTime": "12.00"}, "deadline", problems) == (
        "2026-11-03T12:00"
    )
    assert _wall_clock(danish(), {"deadlineTime": "12:00"}, "deadline", problems) == ""
    assert problems == [FieldError("deadlineDate", "Skriv en dato, for eksempel 15-12-2026.")]


def test_a_multipart_form_keeps_its_fields_and_a_file_byte_for_byte() -> None:
    data = bytes(range(256)) * 4 + b"\r\n--not-the-boundary\r\n"
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\ntoken\r\n'
    note = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nLokalplan\r\n'
    file_head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="document"; filename="plan.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    body = (head + note + file_head).encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    form = posted(func.HttpRequest("POST", "http://localhost/x", headers=headers, body=body), 10_000)

    assert form.get("csrf") == "token"
    assert form.all("title") == ["Lokalplan"]
    assert form.files["document"].filename == "plan.pdf"
    assert form.files["document"].data == data


def test_an_ordinary_form_keeps_repeated_fields_and_a_too_large_one_is_not_read() -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    body = b"csrf=a&subjectAreaIds=trafik&subjectAreaIds=miljoe&title=Cykelsti"
    form = posted(func.HttpRequest("POST", "http://localhost/x", headers=headers, body=body), 1_000)
    assert (form.all("subjectAreaIds"), form.get("title"), form.get("missing", "-")) == (
        ["trafik", "miljoe"],
        "Cykelsti",
        "-",
    )
    assert posted(func.HttpRequest("POST", "http://localhost/x", headers=headers, body=body), 10).too_large


def test_a_refused_new_hearing_names_each_field_in_danish() -> None:
    with pytest.raises(ValidationError) as refused:
        HearingDraft.model_validate({"templateId": "lokalplan", "title": "", "kle": "2.1"})

    errors = _field_errors(refused.value, danish(), HEARING_FIELDS)

    assert errors.of("title") == ["Skriv en titel på højst 300 tegn."]
    assert errors.of("kle") == ["Skriv et KLE-nummer som 01, 01.02 eller 01.02.03."]


def test_each_refused_invitee_is_named_by_its_row_with_what_it_looked_like() -> None:
    rows = [(2, "010190-1234"), (3, "12345678"), (5, "31139912-34"), (6, "hvem som helst")]
    refusal = InvalidInput(
        "3 invitee(s) could not be read",
        problems=[FieldProblem("invitees[1]", "x"), FieldProblem("invitees[2]", "x"), FieldProblem("invitees[3]", "x")],
    )

    errors = _invitee_errors(refusal, danish(), rows, "inviteesFile", "Row {row}: {problem}")

    assert errors.of("inviteesFile") == [
        "Række 3: ikke et gyldigt CVR-nummer",
        "Række 5: ikke et gyldigt CPR-nummer (de første seks cifre er en fødselsdato)",
        "Række 6: hverken et CPR-nummer, et CVR-nummer, en e-mailadresse eller et bruger-id",
    ]
