"""Control characters and numbers int() cannot read: refused where a caller sends them, harmless where stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest
from pydantic import ValidationError

from functions.webui.static_files import static_file
from functions.webui.visits import UnreadableForm, form_of
from shared.domain.text import control_character, whole_number, without_controls
from shared.services.meeting_calendar import MeetingEvent, meeting_ics
from shared.services.meetings import MeetingChanges, MeetingRequest
from shared.services.responses import ResponseSubmission

STARTS = datetime(2027, 1, 10, 17, tzinfo=UTC)
PLAN = {"title": "Møde", "startsAt": "2027-01-10T18:00", "endsAt": "2027-01-10T20:00", "capacity": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), (" 7 ", 7), ("²", None), ("١٢", None), ("９", None), ("9" * 5_000, None), ("", None), ("-1", None)],
)
def test_a_whole_number_is_ascii_digits_of_a_bounded_length(text: str, expected: int | None) -> None:
    assert whole_number(text) == expected


def test_a_multi_line_text_keeps_its_line_breaks_and_tabs_only() -> None:
    assert control_character("a\r\nb\tc") is None
    assert control_character("a\x00") == "\x00"
    assert control_character("a\nb", multiline=False) == "\n"
    assert without_controls("a\x00b\r\nc") == "a b\r\nc"
    assert without_controls("a\r\nb", multiline=False) == "a  b"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("onlineUrl", "https://x.example/a\r\nURL:evil"),
        ("location", "a\nb"),
        ("title", "a\tb"),
        ("title", "\u200b"),
        ("description", "\x00"),
        ("accessibility", "\x1b"),
    ],
)
def test_a_meeting_refuses_control_characters_in_its_plan_and_its_changes(field: str, value: str) -> None:
    extra = {} if field == "location" else {"location": "Rådhuset"}
    for model, body in ((MeetingRequest, {**PLAN, **extra, field: value}), (MeetingChanges, {field: value})):
        with pytest.raises(ValidationError) as refused:
            model.model_validate(body)
        assert [error["loc"] for error in refused.value.errors()] == [(field,)]


@pytest.mark.parametrize("text", ["\x00", "\u200b", " \u00ad ", "Svar\x00", "\ud800"])
def test_a_response_text_is_visible_and_free_of_control_characters(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ResponseSubmission.model_validate({"text": text})
    assert refused.value.errors()[0]["loc"] == ("text",)


def test_a_response_text_keeps_line_breaks_and_tabs() -> None:
    assert ResponseSubmission.model_validate({"text": "Linje 1\r\n\tLinje 2"}).text == "Linje 1\r\n\tLinje 2"


def test_a_calendar_file_is_written_for_a_meeting_stored_with_line_breaks() -> None:
    event = MeetingEvent(
        meeting_id="m",
        hearing_id="h",
        title="Møde\r\nSUMMARY:evil",
        description="Dagsorden\x00",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=2),
        location="Rådhuset\r\nLOCATION:evil",
        online_url="https://x.example/a\r\nURL:evil",
    )
    ics = meeting_ics(event, "REQUEST", now=STARTS, domain="example.org").decode()
    lines = ics.split("\r\n")
    assert not any(line.startswith(("URL:evil", "LOCATION:evil", "SUMMARY:evil")) for line in lines)
    assert not any(line.startswith("URL") for line in lines), "a link that was not one is no URL property"
    assert "\x00" not in ics


@pytest.mark.parametrize("path", ["portal.css\x00.js", "\x00", "dkfds/\x00"])
def test_a_static_path_with_a_nul_is_no_file(path: str) -> None:
    assert static_file(path) is None


def _form(body: bytes, content_type: str = "application/x-www-form-urlencoded") -> func.HttpRequest:
    return func.HttpRequest("POST", "http://localhost/x", body=body, headers={"content-type": content_type})


def test_a_form_that_is_not_utf8_is_unreadable_not_replaced() -> None:
    assert form_of(_form(b"text=%C3%A6")) == {"text": "æ"}
    with pytest.raises(UnreadableForm):
        form_of(_form(b"text=%FF%FE"))
    multipart = b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\n\xff\xfe\r\n--b--\r\n'
    with pytest.raises(UnreadableForm):
        form_of(_form(multipart, "multipart/form-data; boundary=b"))


def test_static_files_are_found_again_and_made_up_paths_are_not_kept() -> None:
    from functions.webui import static_files

    first = static_file("portal.css")
    for made_up in range(200):
        assert static_file(f"nothing-{made_up}.css") is None

    assert first is not None and static_file("portal.css") is first
    assert not any(path.startswith("nothing-") for path in static_files._FOUND)
