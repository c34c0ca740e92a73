"""The whole slice over real HTTP against the local host: publish, respond, follow, close, conclude, journalise.

Time is moved with the host's adjustable clock and timers are run through the admin endpoint, so no
test waits for a real deadline.
"""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx

from local_host.azurite import Azurite
from local_host.dev_identity.personas import PERSONAS
from shared.adapters.blob_files import BlobFileStore
from tests.citizens import response_body
from tests.local_host_fixture import LocalHostProcess

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 200


def token(portal: LocalHostProcess, persona: str) -> dict[str, str]:
    answer = portal.request("POST", "/api/dev/token", json={"persona": persona})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['accessToken']}"}


def set_clock(portal: LocalHostProcess, instant: str) -> None:
    assert portal.admin("PUT", "/admin/clock", {"now": instant}).status_code == 200


def run_function(portal: LocalHostProcess, name: str, payload: str = "") -> None:
    answer = portal.admin("POST", f"/admin/functions/{name}", {"input": payload})
    assert answer.status_code == 202, answer.text


def assert_problem(answer: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    assert body["title"]
    if field is not None:
        assert field in [error["field"] for error in body.get("errors", [])], body
    return body


def upload(portal: LocalHostProcess, who: dict[str, str], hearing_id: str, filename: str, data: bytes) -> str:
    ticket = portal.request(
        "POST", f"/api/hearings/{hearing_id}/documents/uploads", headers=who, json={"filename": filename}
    )
    assert ticket.status_code == 201, ticket.text
    body = ticket.json()
    put = httpx.put(body["uploadUrl"], content=data, headers=body["headers"])
    assert put.status_code == 201, put.text
    return str(body["documentId"])


def test_a_hearing_from_creation_to_the_records_system(portal: LocalHostProcess, azurite: Azurite) -> None:
    creator = token(portal, "hearing-creator")
    anna, bo, company = token(portal, "citizen-anna"), token(portal, "citizen-bo"), token(portal, "company-user")
    set_clock(portal, "2026-12-01T09:00:00+01:00")

    # 1. Create from a template, edit the texts, upload documents, schedule in Copenhagen time.
    created = portal.request(
        "POST",
        "/api/hearings",
        headers=creator,
        json={"templateId": "lokalplan", "title": "Lokalplan for Kalvebod Brygge", "caseNumber": "2026-04711"},
    )
    assert created.status_code == 201, created.text
    hearing = created.json()
    hearing_id = hearing["id"]
    assert hearing["status"] == "draft"
    assert hearing["body"].startswith("Forslaget ligger i offentlig høring")  # from the template

    edited = portal.request(
        "PATCH",
        f"/api/hearings/{hearing_id}",
        headers={**creator, "If-Match": created.headers["ETag"]},
        json={"summary": "Nye boliger ved vandet", "subjectAreaIds": ["byudvikling"]},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["summary"] == "Nye boliger ved vandet"
    stale = portal.request(
        "PATCH",
        f"/api/hearings/{hearing_id}",
        headers={**creator, "If-Match": created.headers["ETag"]},
        json={"summary": "Overskriver en nyere version"},
    )
    assert_problem(stale, 412)

    document_id = upload(portal, creator, hearing_id, "lokalplan.pdf", PDF)
    upload(portal, creator, hearing_id, "harmless.pdf", EXE)  # a program dressed as a PDF
    portal.wait_idle()
    documents = portal.request("GET", f"/api/hearings/{hearing_id}", headers=creator).json()["documents"]
    assert [(d["id"], d["filename"], d["contentType"]) for d in documents] == [
        (document_id, "lokalplan.pdf", "application/pdf")
    ]

    scheduled = portal.request(
        "POST",
        f"/api/hearings/{hearing_id}/schedule",
        headers=creator,
        json={"start": "2026-12-01T10:00", "deadline": "2026-12-15T12:00"},
    )
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["status"] == "scheduled"
    assert scheduled.json()["start"] == "2026-12-01T09:00:00.000000Z"
    assert scheduled.json()["deadlineLocal"] == "2026-12-15T12:00+01:00"

    early = portal.request(
        "POST", f"/api/hearings/{hearing_id}/responses", headers=anna, json=response_body("For tidligt")
    )
    assert_problem(early, 409, "hearingId")

    # 2. A timer opens it at its start; a citizen follows it.
    set_clock(portal, "2026-12-01T10:00:01+01:00")
    run_function(portal, "advance_hearings")
    assert portal.request("GET", f"/api/hearings/{hearing_id}").json()["status"] == "active"
    portal.wait_idle()  # the opening has been announced before Anna follows
    follow = portal.request(
        "POST", "/api/subscriptions", headers=anna, json={"kind": "hearing", "targetId": hearing_id}
    )
    assert follow.status_code == 201, follow.text

    # 3. Two citizens and a company respond and get receipts; anonymous gets 401.
    assert_problem(portal.request("POST", f"/api/hearings/{hearing_id}/responses", json=response_body("Anonym")), 401)
    receipts = {}
    texts = {
        "anna": "Jeg støtter planen, men der mangler cykelparkering.",
        "bo": "Mit CPR-nummer er 010190-1234 og jeg er imod.",
        "company": "Holm & Co ApS ønsker erhvervslokaler i stueetagen.",
    }
    for who, headers in (("anna", anna), ("bo", bo), ("company", company)):
        answer = portal.request(
            "POST", f"/api/hearings/{hearing_id}/responses", headers=headers, json=response_body(texts[who])
        )
        assert answer.status_code == 201, answer.text
        receipt = answer.json()
        assert receipt["hearingId"] == hearing_id
        assert receipt["receivedAt"].startswith("2026-12-01T09:00:")
        assert receipt["digest"].startswith("sha256:")
        receipts[who] = receipt
    assert len({r["responseId"] for r in receipts.values()}) == 3
    retry = portal.request(
        "POST", f"/api/hearings/{hearing_id}/responses", headers=anna, json=response_body(texts["anna"])
    )
    assert retry.status_code == 200
    assert retry.json()["responseId"] == receipts["anna"]["responseId"]  # a retry is not a second response
    assert_problem(
        portal.request("POST", f"/api/hearings/{hearing_id}/responses", headers=anna, json={"txt": "typo"}), 422, "txt"
    )

    # 4. At the deadline no response is accepted, even before the timer has run; then the timer closes it.
    set_clock(portal, "2026-12-15T12:00:00+01:00")
    late = portal.request(
        "POST", f"/api/hearings/{hearing_id}/responses", headers=token(portal, "employee"), json=response_body("Sent")
    )
    assert late.status_code in (404, 409)  # an employee may not answer an external hearing at all; never 201
    late = portal.request(
        "POST", f"/api/hearings/{hearing_id}/responses", headers=anna, json=response_body("Efter fristen")
    )
    assert_problem(late, 409, "hearingId")
    run_function(portal, "advance_hearings")
    assert portal.request("GET", f"/api/hearings/{hearing_id}").json()["status"] == "awaiting_conclusion"

    # 5. The owner moderates and concludes; the follower is told.
    portal.wait_idle()  # screening has run
    listed = portal.request("GET", f"/api/hearings/{hearing_id}/responses", headers=creator).json()["items"]
    by_id = {item["id"]: item for item in listed}
    assert {item["status"] for item in listed} == {"awaiting_review"}
    assert [flag["kind"] for flag in by_id[receipts["bo"]["responseId"]]["flags"]] == ["cpr"]
    anna_id, bo_id = receipts["anna"]["responseId"], receipts["bo"]["responseId"]
    flagged = portal.request("POST", f"/api/hearings/{hearing_id}/responses/{bo_id}/approve", headers=creator, json={})
    assert_problem(flagged, 409, f"flags[{by_id[bo_id]['flags'][0]['id']}]")  # each open flag is named
    assert_problem(
        portal.request("POST", f"/api/hearings/{hearing_id}/responses/{anna_id}/approve", headers=anna, json={}), 403
    )
    approved = portal.request(
        "POST", f"/api/hearings/{hearing_id}/responses/{anna_id}/approve", headers=creator, json={}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"

    conclusion = {"conclusion": "Planen vedtages."}
    undecided = portal.request("POST", f"/api/hearings/{hearing_id}/conclude", headers=creator, json=conclusion)
    assert_problem(undecided, 409, "responses")  # every receipted response is decided first
    for response_id in (bo_id, receipts["company"]["responseId"]):
        declined = portal.request(
            "POST",
            f"/api/hearings/{hearing_id}/responses/{response_id}/decline",
            headers=creator,
            json={"reason": "Svaret handler ikke om planen."},
        )
        assert declined.status_code == 200, declined.text

    concluded = portal.request(
        "POST", f"/api/hearings/{hearing_id}/conclude", headers=creator, json={"conclusion": "Planen vedtages."}
    )
    assert concluded.status_code == 200, concluded.text
    assert concluded.json()["status"] == "concluded"
    portal.wait_idle()
    outbox = sorted((portal.data_dir / "outbox").glob("*.eml"))
    messages = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in outbox]
    # Anna, the one follower, is told by Digital Post to her CPR number (sealed); closing is no news
    # to followers, the conclusion is, with its text.
    told = [m for m in messages if str(m["X-Portal-Recipient"]).strip().startswith("cpr-sealed:")]
    [concluded_notice] = [m for m in told if str(m["Subject"]).startswith("Høringen er afsluttet")]
    plain = concluded_notice.get_body(preferencelist=("plain",))
    assert plain is not None and "Planen vedtages." in plain.get_content()
    assert not any(str(m["Subject"]).startswith("Høringsfristen er udløbet") for m in told)
    told = [m for m in told if "afsluttet" in str(m["Subject"])]
    assert "Planen vedtages." in _plain_text(told[0])

    # 6. The records job journalised everything once, with a manifest, and archived the hearing;
    # a second run files nothing.
    owner_view = portal.request("GET", f"/api/hearings/{hearing_id}", headers=creator).json()
    assert owner_view["journalisedAt"] is not None
    assert owner_view["archivedAt"] == owner_view["journalisedAt"]
    assert owner_view["journalising"] is None
    archive = BlobFileStore.from_connection_string(azurite.connection_string)
    prefix = f"2026-04711/{hearing_id}/"
    manifest = json.loads(archive.read("records", prefix + "manifest.json"))
    assert [d["key"] for d in manifest["documents"]] == [
        "hearing-text",
        f"document-{document_id}",
        f"response-{anna_id}",
        "conclusion",
        "memo",
    ]
    filed = sorted(f.name for f in archive.list("records", prefix))
    run_function(portal, "journalise_hearing", json.dumps({"hearingId": hearing_id}))
    run_function(portal, "journalise_pending")
    assert sorted(f.name for f in archive.list("records", prefix)) == filed
    assert json.loads(archive.read("records", prefix + "manifest.json")) == manifest

    # 7. Anonymous users see the published hearing and its approved responses, and nothing else.
    public_list = portal.request("GET", "/api/hearings").json()["items"]
    public_ids = {item["id"] for item in public_list}
    assert hearing_id in public_ids
    assert "demo-draft" not in public_ids
    public = portal.request("GET", f"/api/hearings/{hearing_id}").json()
    assert public["caseNumber"] is None
    assert public["owner"] is None
    public_responses = portal.request("GET", f"/api/hearings/{hearing_id}/responses").json()["items"]
    assert [(r["id"], r["author"], r["text"]) for r in public_responses] == [(anna_id, "Borger", texts["anna"])]
    assert_problem(portal.request("GET", f"/api/hearings/{hearing_id}/responses/{bo_id}"), 404)
    assert_problem(portal.request("GET", "/api/hearings/demo-draft"), 404)
    for body in (json.dumps(public_list), json.dumps(public), json.dumps(public_responses)):
        assert "010190" not in body
        assert "Anna Jensen" not in body

    # No CPR number reaches the host's log, whatever the flow did.
    assert_no_cpr_number(portal.log())


def test_health_and_openapi_answer(portal: LocalHostProcess) -> None:
    assert portal.request("GET", "/api/health").json()["status"] == "ok"
    document = portal.request("GET", "/api/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    assert "post" in document["paths"]["/hearings/{hearing_id}/responses"]


def _plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def assert_no_cpr_number(text: str) -> None:
    cprs = [str(p.claims["nemlogin.cpr"]) for p in PERSONAS if "nemlogin.cpr" in p.claims]
    assert cprs, "the personas carry CPR numbers"
    for cpr in [*cprs, "0101901234"]:  # the personas' and the one Bo wrote in his response
        assert cpr not in text
        assert f"{cpr[:6]}-{cpr[6:]}" not in text
    assert not re.search(r"(?<![\w-])\d{6}-\d{4}(?![\w-])", text), "something shaped like a CPR number was logged"
