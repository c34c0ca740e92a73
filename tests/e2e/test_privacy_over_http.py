"""Nothing personal is ever published: the moderation flows over real HTTP, then every public body, the
exports, the host's log and the outbox are searched for a respondent's CPR number and e-mail address."""

from __future__ import annotations

import io
import re
from email import message_from_bytes, policy

import httpx
from openpyxl import load_workbook
from pypdf import PdfReader

from local_host.azurite import Azurite
from tests.citizens import response_body
from tests.e2e.test_portal_slice import assert_problem, token
from tests.local_host_fixture import LocalHostProcess

HEARING = "demo-active"
CPR = "010190-1234"  # citizen-anna's own test CPR number, as she types it
SECRETS = (CPR, "0101901234", "010190 1234", "anna@example.dk", "20 30 40 50")
ANNAS_TEXT = "Mit CPR er 010190-1234 og min mail er anna@example.dk"
KARINS_TEXT = "Ring til os på 20 30 40 50, så fortæller vi om naboen Jens Hansen."


def _found(body: str) -> list[str]:
    """The secrets in ``body``, also when written with other dashes and spaces."""
    return [secret for secret in SECRETS if secret in body.replace("\u2011", "-").replace("\xa0", " ")]


def test_the_example_and_its_neighbours_publish_nothing_personal(portal: LocalHostProcess, azurite: Azurite) -> None:
    anna, karin = token(portal, "citizen-anna"), token(portal, "company-user")
    creator, admin = token(portal, "hearing-creator"), token(portal, "admin")
    responses = f"/api/hearings/{HEARING}/responses"

    # Terms are published by the demo data: without accepting them, nothing is taken.
    assert portal.request("GET", "/api/terms/current").json()["version"] == 1
    unconsented = portal.request("POST", responses, headers=anna, json={"text": ANNAS_TEXT})
    assert_problem(unconsented, 422, "acceptedTerms")
    blacklisted = portal.request("PUT", "/api/management/blacklist", headers=admin, json={"terms": ["Jens Hansen"]})
    assert blacklisted.status_code == 200, blacklisted.text

    submitted = {}
    for who, text, extra in ((anna, ANNAS_TEXT, {"cityAreaId": "amager"}), (karin, KARINS_TEXT, {})):
        answer = portal.request("POST", responses, headers=who, json=response_body(text, **extra))
        assert answer.status_code == 201, answer.text
        submitted[text] = answer.json()["responseId"]
    anna_id, karin_id = submitted[ANNAS_TEXT], submitted[KARINS_TEXT]
    portal.wait_idle()  # screened

    # Approving with open flags names each one; a CPR flag is never accepted; a decline needs a reason.
    flags = portal.request("GET", f"{responses}/{anna_id}/flags", headers=creator).json()["flags"]
    assert [flag["kind"] for flag in flags] == ["cpr", "email"]
    refused = assert_problem(portal.request("POST", f"{responses}/{anna_id}/approve", headers=creator, json={}), 409)
    assert [error["field"] for error in refused["errors"]] == [f"flags[{flag['id']}]" for flag in flags]
    assert all(not _found(str(error)) for error in refused["errors"])
    accept_cpr = portal.request(
        "POST", f"{responses}/{anna_id}/flags/{flags[0]['id']}", headers=creator, json={"decision": "accept"}
    )
    assert_problem(accept_cpr, 409)
    assert_problem(portal.request("POST", f"{responses}/{anna_id}/decline", headers=creator, json={}), 422, "reason")

    # The owner approves Anna's with clearFlags: every open flag is redacted.
    cleared = portal.request(
        "POST", f"{responses}/{anna_id}/approve", headers=creator, json={"clearFlags": True, "publish": True}
    )
    assert cleared.status_code == 200, cleared.text
    # The company's: a phone number redacted by flag, a neighbour's name by hand; then published in bulk.
    karin_flags = portal.request("GET", f"{responses}/{karin_id}/flags", headers=creator).json()["flags"]
    phone = next(flag for flag in karin_flags if flag["kind"] == "phone")
    decided = portal.request(
        "POST", f"{responses}/{karin_id}/flags/{phone['id']}", headers=creator, json={"decision": "redact"}
    )
    assert decided.status_code == 200, decided.text
    start = KARINS_TEXT.index("Jens Hansen")
    by_hand = portal.request(
        "POST",
        f"{responses}/{karin_id}/redactions",
        headers=creator,
        json={"spans": [{"start": start, "end": start + len("Jens Hansen")}], "reason": "Tredjepersons navn"},
    )
    assert by_hand.status_code == 200, by_hand.text
    bulk = portal.request(
        "POST", f"{responses}/bulk", headers=creator, json={"ids": [karin_id, "no-such-id"], "decision": "approve"}
    )
    assert [item["status"] for item in bulk.json()["items"]] == [200, 404]

    # The original stays, for the owner, and the read is in the trail.
    original = portal.request("GET", f"{responses}/{anna_id}/original", headers=creator)
    assert original.json()["text"] == ANNAS_TEXT
    assert_problem(portal.request("GET", f"{responses}/{anna_id}/original", headers=karin), 403)
    trail = portal.request("GET", f"/api/hearings/{HEARING}/audit?limit=500", headers=creator).json()["items"]
    actions = [entry["action"] for entry in trail]
    assert "response.original.read" in actions and actions.count("response.redacted") >= 4

    # Everything the public can read, in both languages.
    public_bodies = [portal.request("GET", f"/api/hearings/{HEARING}").text]
    for language in ("da", "en"):
        listed = portal.request("GET", responses, headers={"Accept-Language": language})
        public_bodies.append(listed.text)
        items = listed.json()["items"]
        assert {item["id"] for item in items} >= {anna_id, karin_id}
        for item in items:
            public_bodies.append(
                portal.request("GET", f"{responses}/{item['id']}", headers={"Accept-Language": language}).text
            )
    public_anna = portal.request("GET", f"{responses}/{anna_id}").json()
    assert public_anna["text"] == "Mit CPR er [fjernet: personoplysning] og min mail er [fjernet: personoplysning]"
    assert public_anna["author"] == "Borger, Amager"
    assert (
        "[removed: personal data]"
        in portal.request("GET", f"{responses}/{anna_id}", headers={"Accept-Language": "en"}).text
    )
    assert "Jens Hansen" not in "".join(public_bodies)
    assert [(i, _found(body)) for i, body in enumerate(public_bodies) if _found(body)] == []
    # What the caseworker's list shows is the public version too; only /original has the CPR number.
    moderation = portal.request("GET", f"/api/hearings/{HEARING}/moderation", headers=creator)
    assert moderation.status_code == 200 and not _found(moderation.text)
    assert not any(_found(str(entry)) for entry in trail)

    # Published campaigns are public too: nothing personal in them either.
    campaigns = portal.request("GET", f"/api/hearings/{HEARING}/campaigns/public")
    assert campaigns.status_code == 200 and not _found(campaigns.text)
    moderated_campaigns = portal.request("GET", f"/api/hearings/{HEARING}/campaigns", headers=creator)
    assert moderated_campaigns.status_code == 200 and not _found(moderated_campaigns.text)

    # The exports the owner takes over HTTP, downloaded through the link in the answer.
    exports = f"/api/hearings/{HEARING}/exports"
    assert_problem(portal.request("POST", exports, headers=creator, json={"format": "csv"}), 422, "format")
    assert_problem(portal.request("POST", exports, headers=anna, json={"format": "xlsx"}), 403)
    downloaded = {}
    for export_format in ("xlsx", "pdf"):
        ticket = portal.request("POST", exports, headers=creator, json={"format": export_format})
        assert ticket.status_code == 201, ticket.text
        download = httpx.get(ticket.json()["url"])
        assert download.status_code == 200
        downloaded[export_format] = download.content
    sheet = load_workbook(io.BytesIO(downloaded["xlsx"])).worksheets[0]
    cells = "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(downloaded["pdf"])).pages)
    assert "Borger" in cells and _found(cells) == [] and _found(pdf_text) == []

    log_dir = portal.data_dir
    portal.stop()

    # The host's log and every notification it wrote (the demo data's included).
    assert _found((log_dir / "local-host.log").read_text(errors="replace")) == []
    outbox = sorted((log_dir / "outbox").glob("*"))
    for path in outbox:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert _found(message.as_string()) == [], path.name


def test_declining_with_a_reason_tells_the_respondent_without_their_text(portal: LocalHostProcess) -> None:
    anna, creator = token(portal, "citizen-anna"), token(portal, "hearing-creator")
    responses = f"/api/hearings/{HEARING}/responses"
    answer = portal.request("POST", responses, headers=anna, json=response_body(ANNAS_TEXT))
    response_id = answer.json()["responseId"]
    portal.wait_idle()

    declined = portal.request(
        "POST", f"{responses}/{response_id}/decline", headers=creator, json={"reason": "Svaret vedrører en anden sag."}
    )

    assert declined.status_code == 200, declined.text
    assert portal.request("GET", f"{responses}/{response_id}", headers=anna).json()["declineReason"]
    notices = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((portal.data_dir / "outbox").glob("*.eml"))
    ]
    to_anna = [m for m in notices if str(m["X-Portal-Recipient"]).strip().startswith("cpr-sealed:")]
    told = [m for m in to_anna if "ikke offentliggjort" in str(m["Subject"])]  # her receipt came first
    assert len(told) == 1
    plain = told[0].get_body(preferencelist=("plain",))
    assert plain is not None and "Svaret vedrører en anden sag." in plain.get_content()
    assert _found(told[0].as_string()) == [] and _found(plain.get_content()) == []


def test_a_cpr_number_sent_anywhere_public_is_never_answered_or_logged(portal: LocalHostProcess) -> None:
    """An attacker types Anna's CPR number into every public route (path, query, body, the receipt check and
    the web pages' search); a respondent signed up for a meeting is not in its public calendar file."""
    anna, creator = token(portal, "citizen-anna"), token(portal, "hearing-creator")
    meeting = {
        "title": "Borgermøde",
        "startsAt": "2030-06-01T17:00",
        "endsAt": "2030-06-01T19:00",
        "location": "Valby Kulturhus",
        "capacity": 30,
    }
    planned = portal.request("POST", f"/api/hearings/{HEARING}/meetings", headers=creator, json=meeting)
    assert planned.status_code == 201, planned.text
    meeting_id = planned.json()["id"]
    signed_up = portal.request("POST", f"/api/hearings/{HEARING}/meetings/{meeting_id}/signup", headers=anna)
    assert signed_up.status_code in (200, 201), signed_up.text

    document = portal.request("GET", "/api/openapi.json").json()
    answers: list[httpx.Response] = []
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            if spec.get("security") not in (None, [{}, {"bearer": []}]) or path.startswith("/dev/"):
                continue  # signed-in callers only: refused before anything is read
            for typed in ("010190-1234", "0101901234"):
                concrete = path.replace("{hearing_id}", HEARING).replace("{meeting_id}", meeting_id)
                concrete = re.sub(r"\{[^}]+\}", typed, concrete)
                params = {p["name"]: typed for p in spec.get("parameters", []) if p["in"] == "query"}
                body = {"receipt": typed, "text": typed} if "requestBody" in spec else None
                answers.append(portal.request(method.upper(), "/api" + concrete, params=params, json=body))
    for page in ("/", f"/hoeringer/{HEARING}", "/hoeringer/010190-1234", "/kvittering/tjek"):
        answers.append(portal.request("GET", page, params={"q": "0101901234", "lang": "0101901234"}))
    answers.append(portal.request("POST", "/kvittering/tjek", data={"receipt": CPR}))
    calendar = portal.request("GET", f"/api/hearings/{HEARING}/meetings/{meeting_id}/meeting.ics")
    assert calendar.status_code == 200 and "BEGIN:VCALENDAR" in calendar.text

    # A page may show its own visitor what they typed (the search box, the language link); no API answer,
    # error or not, says it back.
    leaked = [
        (answer.request.method, str(answer.request.url), answer.status_code)
        for answer in answers
        if answer.request.url.path.startswith("/api/") and _found(answer.text)
    ]
    assert leaked == []
    assert all(answer.status_code < 500 for answer in answers)
    assert not _found(calendar.text) and "Anna" not in calendar.text
    log = portal.data_dir / "local-host.log"
    portal.stop()
    assert _found(log.read_text(errors="replace")) == []
