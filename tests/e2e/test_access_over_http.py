"""Closed hearings, invitations by CPR and CVR, the audit trail and rate limits, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from local_host.azurite import Azurite
from tests.citizens import response_body
from tests.e2e.conftest import portal_env
from tests.e2e.test_portal_slice import assert_problem, run_function, set_clock, token
from tests.local_host_fixture import LocalHostProcess, start_local_host

ANNA_CPR = "010190-1234"  # the citizen-anna persona's test CPR number, as a caseworker would type it
KARINS_COMPANY = "39162571"  # the company-user persona's CVR number


@pytest.fixture
def strict_portal(azurite: Azurite, tmp_path: Path) -> Iterator[LocalHostProcess]:
    env = {**portal_env(azurite), "PORTAL_RESPONSE_RATE_LIMIT": "3", "PORTAL_RESPONSE_RATE_WINDOW_SECONDS": "600"}
    host = start_local_host("function_app", tmp_path / "data", env, extra_args=("--seed",))
    try:
        yield host
    finally:
        host.stop()


def closed_hearing(portal: LocalHostProcess, creator: dict[str, str]) -> str:
    created = portal.request(
        "POST",
        "/api/hearings",
        headers=creator,
        json={
            "templateId": "lokalplan",
            "title": "Lukket høring om skolestruktur",
            "caseNumber": "2026-777",
            "visibility": "closed",
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_only_invitees_see_and_answer_a_closed_hearing(strict_portal: LocalHostProcess) -> None:
    portal = strict_portal
    creator, anna, bo = token(portal, "hearing-creator"), token(portal, "citizen-anna"), token(portal, "citizen-bo")
    company, employee = token(portal, "company-user"), token(portal, "employee")
    set_clock(portal, "2027-02-01T08:00:00+01:00")
    hearing_id = closed_hearing(portal, creator)

    bad = portal.request(
        "POST",
        f"/api/hearings/{hearing_id}/invitees",
        headers={**creator, "Content-Type": "text/csv"},
        content=b"cpr\n010190-1234\n12345678\n",
    )
    body = assert_problem(bad, 422, "invitees[1]")
    assert [error["field"] for error in body["errors"]] == ["invitees[1]"]  # only the bad row
    assert "CVR" in body["errors"][0]["detail"]
    assert "010190" not in bad.text  # the entries themselves are never echoed
    invited = portal.request(
        "POST",
        f"/api/hearings/{hearing_id}/invitees",
        headers={**creator, "Content-Type": "text/csv"},
        content=f"cpr\n{ANNA_CPR}\n{KARINS_COMPANY}\n".encode(),
    )
    assert invited.status_code == 200, invited.text
    assert invited.json()["invitees"] == ["010190-XXXX", KARINS_COMPANY]
    assert ANNA_CPR not in invited.text

    scheduled = portal.request(
        "POST",
        f"/api/hearings/{hearing_id}/schedule",
        headers=creator,
        json={"start": "2027-02-01T09:00", "deadline": "2027-02-20T12:00"},
    )
    assert scheduled.status_code == 200, scheduled.text
    set_clock(portal, "2027-02-01T09:00:00+01:00")
    run_function(portal, "advance_hearings")
    portal.wait_idle()

    def listed(headers: dict[str, str] | None) -> set[str]:
        return {item["id"] for item in portal.request("GET", "/api/hearings", headers=headers or {}).json()["items"]}

    assert hearing_id in listed(anna)
    assert hearing_id in listed(company)
    for outsider in (None, bo, employee):
        assert hearing_id not in listed(outsider)
        assert_problem(portal.request("GET", f"/api/hearings/{hearing_id}", headers=outsider or {}), 404)
    assert_problem(
        portal.request("POST", f"/api/hearings/{hearing_id}/responses", headers=bo, json=response_body("Må jeg?")), 404
    )
    answer = portal.request(
        "POST", f"/api/hearings/{hearing_id}/responses", headers=anna, json=response_body("Tak for invitationen.")
    )
    assert answer.status_code == 201, answer.text

    # The invitees were told it opened: Anna by Digital Post (her CPR number sealed), the company by its CVR.
    outbox = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in (portal.data_dir / "outbox").glob("*.eml")
    ]
    recipients = sorted(str(m["X-Portal-Recipient"]).strip() for m in outbox if "Du er inviteret" in str(m["Subject"]))
    assert len(recipients) == 2
    assert recipients[0].startswith("cpr-sealed:v1:")
    assert recipients[1] == f"cvr:{KARINS_COMPANY}"
    assert all("0101901234" not in r and ANNA_CPR not in r for r in recipients)

    # The owner reads the trail; nobody else may.
    portal.request("GET", f"/api/hearings/{hearing_id}/responses", headers=creator)
    portal.wait_idle()
    trail = portal.request("GET", f"/api/hearings/{hearing_id}/audit", headers=creator)
    assert trail.status_code == 200, trail.text
    actions = [event["action"] for event in trail.json()["items"]]
    for expected in (
        "hearing.created",
        "hearing.invitees-changed",
        "hearing.scheduled",
        "hearing.active",
        "response.received",
        "personal-data.read",
    ):
        assert expected in actions
    assert "0101901234" not in trail.text
    assert ANNA_CPR not in trail.text
    assert_problem(portal.request("GET", f"/api/hearings/{hearing_id}/audit", headers=anna), 403)
    assert_problem(portal.request("GET", f"/api/hearings/{hearing_id}/audit", headers=bo), 404)
    assert_problem(portal.request("GET", f"/api/hearings/{hearing_id}/audit"), 401)


def test_submissions_are_limited_per_identity_with_retry_after(strict_portal: LocalHostProcess) -> None:
    portal = strict_portal
    anna, company = token(portal, "citizen-anna"), token(portal, "company-user")
    url = "/api/hearings/demo-active/responses"
    statuses = [
        portal.request("POST", url, headers=anna, json=response_body("Samme svar igen")).status_code for _ in range(3)
    ]
    assert statuses == [201, 200, 200]  # a retry returns the first receipt, and still counts
    limited = portal.request("POST", url, headers=anna, json=response_body("Samme svar igen"))
    assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) >= 1
    # Another person behind the same address is not affected.
    assert portal.request("POST", url, headers=company, json=response_body("Vores eget svar")).status_code == 201
