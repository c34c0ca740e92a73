"""One trace from the intake over HTTP through the local queue to screening, and no personal data in any span.

The local host keeps its spans in memory (``--traces memory``, its default) and shows them at
``GET /admin/traces``; the test sends its own W3C ``traceparent`` so it knows which trace to ask for.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from local_host.dev_identity.personas import PERSONAS
from tests.e2e.test_portal_slice import run_function, set_clock
from tests.local_host_fixture import LocalHostProcess

CPR_IN_TEXT = "010190-1234"
EMAIL_IN_TEXT = "anna.jensen@example.dk"


def sign_in(portal: LocalHostProcess, persona: str) -> str:
    answer = portal.request("POST", "/api/dev/token", json={"persona": persona})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["accessToken"])


def spans_of(portal: LocalHostProcess, trace_id: str) -> list[dict[str, Any]]:
    answer = portal.admin("GET", f"/admin/traces?traceId={trace_id}")
    assert answer.status_code == 200, answer.text
    spans: list[dict[str, Any]] = answer.json()
    return spans


def by_function(spans: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [span for span in spans if span["attributes"].get("faas.name") == name]
    assert len(found) == 1, [span["name"] for span in spans]
    return found[0]


def test_a_submission_is_one_trace_from_http_through_the_queue_with_no_personal_data(portal: LocalHostProcess) -> None:
    creator_token, anna_token = sign_in(portal, "hearing-creator"), sign_in(portal, "citizen-anna")
    creator, anna = {"Authorization": f"Bearer {creator_token}"}, {"Authorization": f"Bearer {anna_token}"}
    set_clock(portal, "2026-12-01T09:00:00+01:00")
    created = portal.request(
        "POST",
        "/api/hearings",
        headers=creator,
        json={"templateId": "lokalplan", "title": "Lokalplan for Valby", "caseNumber": "2026-04712"},
    )
    assert created.status_code == 201, created.text
    hearing_id = created.json()["id"]
    scheduled = portal.request(
        "POST",
        f"/api/hearings/{hearing_id}/schedule",
        headers=creator,
        json={"start": "2026-12-01T10:00", "deadline": "2026-12-15T12:00"},
    )
    assert scheduled.status_code == 200, scheduled.text
    follow = portal.request(
        "POST", "/api/subscriptions", headers=anna, json={"kind": "hearing", "targetId": hearing_id}
    )
    assert follow.status_code == 201, follow.text
    set_clock(portal, "2026-12-01T10:00:01+01:00")
    run_function(portal, "advance_hearings")  # opens it: the followers are told on the hearing-events queue
    portal.wait_idle()

    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    text = f"Jeg er Anna Jensen, CPR {CPR_IN_TEXT}, skriv til {EMAIL_IN_TEXT}. Jeg støtter planen."
    answer = portal.request(
        "POST",
        f"/api/hearings/{hearing_id}/responses",
        headers={**anna, "traceparent": f"00-{trace_id}-{parent_id}-01"},
        json={"text": text, "publishName": True},
    )
    assert answer.status_code == 201, answer.text
    portal.wait_idle()  # screening has run

    spans = spans_of(portal, trace_id)
    intake = by_function(spans, "submit_response")
    screening = by_function(spans, "screen_received_response")
    assert intake["kind"] == "SERVER" and screening["kind"] == "CONSUMER"
    assert intake["traceId"] == screening["traceId"] == trace_id
    assert intake["parentSpanId"] == parent_id  # the caller's trace is continued
    assert screening["parentSpanId"] == intake["spanId"]  # the queue carried the context across
    assert intake["attributes"]["portal.hearing_id"] == screening["attributes"]["portal.hearing_id"] == hearing_id
    assert intake["attributes"]["http.response.status_code"] == 201
    assert intake["attributes"]["http.route"] == "hearings/{hearing_id}/responses"
    assert intake["attributes"]["portal.outcome"] == screening["attributes"]["portal.outcome"] == "success"
    assert screening["attributes"]["messaging.destination.name"] == "responses-received"

    # The notification consumer ran in a trace of its own (the timer was run by hand), with its outcome.
    listed = portal.admin("GET", "/admin/traces").json()
    notified = [line for line in listed if "notify_followers" in line["functions"]]
    assert notified, listed
    notify = by_function(spans_of(portal, notified[0]["traceId"]), "notify_followers")
    assert notify["attributes"]["portal.hearing_id"] == hearing_id
    assert notify["attributes"]["portal.outcome"] == "success"

    # Nothing personal in any span the host recorded, in any trace: not in attributes, events or names.
    everything = json.dumps([spans_of(portal, line["traceId"]) for line in listed], ensure_ascii=False)
    anna_persona = next(persona for persona in PERSONAS if persona.id == "citizen-anna")
    forbidden = [
        CPR_IN_TEXT,
        CPR_IN_TEXT.replace("-", ""),
        str(anna_persona.claims["nemlogin.cpr"]),
        EMAIL_IN_TEXT,
        anna_persona.label,  # her name
        "henriette.sagsbehandler@kommune.example",
        anna_token,
        creator_token,
        anna_token.split(".")[1],  # not even the token's claims part
        "Jeg støtter planen",
    ]
    for value in forbidden:
        assert value not in everything, value
