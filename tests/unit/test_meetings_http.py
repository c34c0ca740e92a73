"""Public meetings over HTTP: the handlers' answers, headers and problems as a web front end sees them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import azure.functions as func
import pytest

from functions import meetings as handlers
from shared import bootstrap
from tests.fakes import NamedTokens, Portal, caseworker, employee

OWNER = caseworker()
ERIK = employee("entra:erik")


@pytest.fixture
def portal() -> Iterator[Portal]:
    portal = Portal.start()
    deps = portal.dependencies()
    deps.tokens = NamedTokens({"owner": OWNER, "erik": ERIK})
    bootstrap.override(deps)
    try:
        yield portal
    finally:
        bootstrap.override(None)


def ask(
    handler: Any,
    method: str,
    route: dict[str, str],
    token: str | None = None,
    body: object = None,
    if_match: str | None = None,
) -> func.HttpResponse:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    if if_match is not None:
        headers["if-match"] = if_match
    request = func.HttpRequest(
        method=method,
        url="http://localhost:7071/api/x",
        headers=headers,
        route_params=route,
        body=b"" if body is None else json.dumps(body).encode(),
    )
    user_function: Any = handler.build(func.AuthLevel.ANONYMOUS).get_user_function()
    answer: func.HttpResponse = user_function(request)
    return answer


def planned(portal: Portal) -> tuple[str, str]:
    hearing_id = portal.active(OWNER)
    starts = portal.clock.now() + timedelta(days=7)
    body = {
        "title": "Borgermøde",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "location": "Rådhuset",
        "capacity": 1,
    }
    answer = ask(handlers.plan_meeting, "POST", {"hearing_id": hearing_id}, "owner", body)
    assert answer.status_code == 201
    meeting_id = json.loads(answer.get_body())["id"]
    assert answer.headers["Location"] == f"/api/hearings/{hearing_id}/meetings/{meeting_id}"
    return hearing_id, meeting_id


def test_a_meeting_at_an_ambiguous_copenhagen_time_is_a_problem_naming_the_field(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    body = {"title": "Møde", "startsAt": "2026-10-25T02:30", "endsAt": "2026-10-25T04:00", "capacity": 5}

    answer = ask(handlers.plan_meeting, "POST", {"hearing_id": hearing_id}, "owner", body)

    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    problem = json.loads(answer.get_body())
    assert [error["field"] for error in problem["errors"]] == ["startsAt"]
    assert "happens twice" in problem["errors"][0]["detail"]


def test_signing_up_anonymously_is_refused_before_anything_happens(portal: Portal) -> None:
    hearing_id, meeting_id = planned(portal)

    answer = ask(handlers.sign_up_for_meeting, "POST", {"hearing_id": hearing_id, "meeting_id": meeting_id})

    assert answer.status_code == 401
    assert portal.mailer.sent == []


def test_sign_up_cancel_and_the_owners_spreadsheet_over_http(portal: Portal) -> None:
    hearing_id, meeting_id = planned(portal)
    route = {"hearing_id": hearing_id, "meeting_id": meeting_id}

    signed = ask(handlers.sign_up_for_meeting, "POST", route, "erik")
    assert (signed.status_code, json.loads(signed.get_body())["status"]) == (200, "attending")
    sheet = ask(handlers.export_meeting_attendees_xlsx, "GET", route, "owner")
    assert sheet.status_code == 200
    assert sheet.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert sheet.headers["Content-Disposition"].endswith('.xlsx"')
    assert sheet.get_body()[:2] == b"PK"  # a zipped workbook
    assert ask(handlers.export_meeting_attendees_csv, "GET", route, "erik").status_code == 403

    assert ask(handlers.withdraw_from_meeting, "DELETE", route, "erik").status_code == 204
    seen = json.loads(ask(handlers.get_meeting, "GET", route).get_body())
    assert (seen["attending"], seen["freePlaces"]) == (0, 1)


def test_the_calendar_file_is_served_as_text_calendar(portal: Portal) -> None:
    hearing_id, meeting_id = planned(portal)

    answer = ask(handlers.meeting_calendar, "GET", {"hearing_id": hearing_id, "meeting_id": meeting_id})

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in answer.get_body()


def test_a_change_names_the_version_it_was_made_from_and_sign_ups_do_not_make_it_stale(portal: Portal) -> None:
    hearing_id, meeting_id = planned(portal)
    route = {"hearing_id": hearing_id, "meeting_id": meeting_id}
    read = ask(handlers.get_meeting, "GET", route)
    version = read.headers["ETag"]
    assert json.loads(read.get_body())["version"] == version

    blind = ask(handlers.change_meeting, "PATCH", route, "owner", {"title": "Uden version"})
    ask(handlers.sign_up_for_meeting, "POST", route, "erik")  # someone signs up meanwhile
    changed = ask(handlers.change_meeting, "PATCH", route, "owner", {"title": "Flyttet"}, version)
    stale = ask(handlers.change_meeting, "PATCH", route, "owner", {"title": "Fra en gammel visning"}, version)
    anyway = ask(handlers.change_meeting, "PATCH", route, "owner", {"location": "Biblioteket"}, "*")

    assert blind.status_code == 428
    assert [error["field"] for error in json.loads(blind.get_body())["errors"]] == ["If-Match"]
    assert changed.status_code == 200
    assert changed.headers["ETag"] != version
    assert stale.status_code == 412
    assert anyway.status_code == 200
    now = json.loads(ask(handlers.get_meeting, "GET", route).get_body())
    assert (now["title"], now["location"], now["attending"]) == ("Flyttet", "Biblioteket", 1)
