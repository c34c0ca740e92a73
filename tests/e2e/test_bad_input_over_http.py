"""Input a security test sent over real HTTP: each is refused clearly, at its field, and writes nothing.

A meeting's link or place with a line break, a text of only a NUL, a city area nobody keeps, an unsubscribe
without its token, a static path with a NUL, a receipt version not kept, numbers str.isdigit() takes and
int() does not, and a form that is not UTF-8.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_web_attacks import csrf_of, signed_in
from tests.local_host_fixture import LocalHostProcess

ACTIVE = "demo-active"


def stored(data_dir: Path) -> set[tuple[str, str, str, str]]:
    with closing(sqlite3.connect(f"file:{data_dir / 'documents.sqlite'}?mode=ro", uri=True)) as connection:
        rows = connection.execute("SELECT container, pk, id, etag FROM documents").fetchall()
    return {tuple(row) for row in rows if row[0] != "employees"}


def bearer(portal: LocalHostProcess, persona: str) -> dict[str, str]:
    answer = portal.request("POST", "/api/dev/token", json={"persona": persona})
    answer.raise_for_status()
    return {"authorization": f"Bearer {answer.json()['accessToken']}"}


def named(answer: httpx.Response, field: str) -> bool:
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text[:300]
    return field in {error["field"] for error in answer.json().get("errors", [])}


def meeting(**changes: Any) -> dict[str, Any]:
    starts = (datetime.now(UTC) + timedelta(days=20)).replace(hour=17, minute=0, second=0, microsecond=0)
    return {
        "title": "Borgermøde",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 10,
        "location": "Rådhuset",
        **changes,
    }


@pytest.fixture(scope="module")
def creator(host: LocalHostProcess) -> dict[str, str]:
    return bearer(host, "hearing-creator")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("onlineUrl", "https://x.example/a\r\nURL:evil"),
        ("onlineUrl", "https://x.example/a\x00"),
        ("location", "Rådhuset\r\nLOCATION:evil"),
        ("title", "Møde\nSUMMARY:evil"),
        ("title", "\u200b"),
        ("description", "\x00"),
        ("accessibility", "trin\x07fri"),
    ],
)
def test_a_meeting_field_with_a_control_character_is_refused_when_planned_and_changed(
    host: LocalHostProcess, creator: dict[str, str], field: str, value: str
) -> None:
    before = stored(host.data_dir)
    planned = host.request("POST", f"/api/hearings/{ACTIVE}/meetings", json=meeting(**{field: value}), headers=creator)
    assert planned.status_code == 422 and named(planned, field), planned.text[:300]
    assert stored(host.data_dir) == before

    made = host.request("POST", f"/api/hearings/{ACTIVE}/meetings", json=meeting(), headers=creator)
    assert made.status_code == 201, made.text[:300]
    path = f"/api/hearings/{ACTIVE}/meetings/{made.json()['id']}"
    host.wait_idle()
    before = stored(host.data_dir)
    changed = host.request("PATCH", path, json={field: value}, headers={**creator, "if-match": made.headers["etag"]})
    assert changed.status_code == 422 and named(changed, field), changed.text[:300]
    assert stored(host.data_dir) == before


def test_a_meeting_text_keeps_its_line_breaks(host: LocalHostProcess, creator: dict[str, str]) -> None:
    made = host.request(
        "POST",
        f"/api/hearings/{ACTIVE}/meetings",
        json=meeting(description="Dagsorden:\r\n1.\tVelkomst"),
        headers=creator,
    )
    assert made.status_code == 201, made.text[:300]
    assert made.json()["description"] == "Dagsorden:\r\n1.\tVelkomst"


@pytest.mark.parametrize("text", ["\x00", "\u200b\u200c", "Svar\x00med NUL", "\x1b[31m"])
def test_a_response_text_of_control_or_invisible_characters_is_refused(host: LocalHostProcess, text: str) -> None:
    anna = bearer(host, "citizen-anna")
    before = stored(host.data_dir)
    answer = host.request("POST", f"/api/hearings/{ACTIVE}/responses", json={"text": text}, headers=anna)
    assert answer.status_code == 422 and named(answer, "text"), answer.text[:300]
    assert stored(host.data_dir) == before


def test_a_response_naming_a_city_area_nobody_keeps_is_refused(host: LocalHostProcess) -> None:
    anna = bearer(host, "citizen-anna")
    before = stored(host.data_dir)
    body = {"text": "Et svar", "acceptedTerms": 1, "cityAreaId": "no-such-area"}
    answer = host.request("POST", f"/api/hearings/{ACTIVE}/responses", json=body, headers=anna)
    assert answer.status_code == 422 and named(answer, "cityAreaId"), answer.text[:300]
    assert stored(host.data_dir) == before
    areas = host.request("GET", "/api/management/areas/city-area", headers=bearer(host, "admin")).json()
    assert any(area["id"] == "amager" for area in areas["items"]), areas


@pytest.mark.parametrize(
    ("method", "params"), [("GET", {}), ("POST", {}), ("GET", {"token": ""}), ("POST", {"token": " "})]
)
def test_unsubscribing_without_a_token_is_a_422_naming_it(
    host: LocalHostProcess, method: str, params: dict[str, str]
) -> None:
    answer = host.request(method, "/api/unsubscribe", params=params)
    assert answer.status_code == 422 and named(answer, "token"), answer.text[:300]


@pytest.mark.parametrize("path", ["/static/portal.css%00.js", "/static/%00", "/static/dkfds/%00"])
def test_a_static_path_with_a_nul_is_not_found(host: LocalHostProcess, path: str) -> None:
    assert host.request("GET", path).status_code == 404


@pytest.mark.parametrize("version", ["3", "99", "²", "9" * 5_000, "-1"])
def test_a_receipt_version_not_kept_is_no_server_error(host: LocalHostProcess, base_url: str, version: str) -> None:
    with signed_in(base_url, "citizen-bo") as (client, _):
        answer = client.get(f"/hoeringer/{ACTIVE}/kvittering/fil", params={"version": version})
        assert answer.status_code in (200, 404), answer.text[:300]
        if version in ("3", "99"):
            assert answer.status_code == 404


@pytest.mark.parametrize("accepted", ["²", "9" * 5_000, "١"])
def test_the_response_form_takes_no_terms_version_int_cannot_read(
    host: LocalHostProcess, base_url: str, accepted: str
) -> None:
    with signed_in(base_url, "citizen-anna") as (client, _):
        token = csrf_of(client)
        answer = client.post(
            f"/hoeringer/{ACTIVE}/svar", data={"csrf": token, "text": "Et svar", "acceptedTerms": accepted}
        )
        assert answer.status_code < 500, answer.text[:300]


def test_the_response_form_refuses_a_text_of_only_a_nul(host: LocalHostProcess, base_url: str) -> None:
    with signed_in(base_url, "citizen-anna") as (client, _):
        token = csrf_of(client)
        before = stored(host.data_dir)
        answer = client.post(f"/hoeringer/{ACTIVE}/svar", data={"csrf": token, "text": "\x00"})
        assert answer.status_code == 422, answer.text[:300]
        assert stored(host.data_dir) == before


def test_a_form_that_is_not_utf8_is_refused_and_writes_nothing(host: LocalHostProcess, base_url: str) -> None:
    with signed_in(base_url, "citizen-anna") as (client, _):
        token = csrf_of(client)
        before = stored(host.data_dir)
        body = f"csrf={token}&text=%FF%FE".encode()
        answer = client.post(
            f"/hoeringer/{ACTIVE}/svar", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert answer.status_code == 400, answer.text[:300]
        assert "could not be read" in answer.text or "kunne ikke læses" in answer.text
        assert stored(host.data_dir) == before
