"""The caseworker's pages in Chromium: from a template to a concluded hearing the public reads; axe on every page.

The host's adjustable clock and its timer run open and close the hearing, so nothing waits for a real
deadline. The moderation step goes through the API (the moderation console has pages of its own).
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.citizens import response_body
from tests.e2e.test_web_attacks import signed_in
from tests.e2e.web_support import (
    axe_violations,
    described,
    fresh_context,
    pages_that_scroll_sideways,
    screenshot,
    sign_in,
)
from tests.local_host_fixture import LocalHostProcess

CASEWORKER = "Henriette Sagsbehandler"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 200
# Before the demo hearings' times matter: the clock stands still here until a test moves it.
NOW = "2026-10-20T09:00:00+02:00"


def token(host: LocalHostProcess, persona: str) -> dict[str, str]:
    answer = host.request("POST", "/api/dev/token", json={"persona": persona})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['accessToken']}"}


def set_clock(host: LocalHostProcess, instant: str) -> None:
    assert host.admin("PUT", "/admin/clock", {"now": instant}).status_code == 200


def open_and_close_by_the_timer(host: LocalHostProcess, instant: str) -> None:
    set_clock(host, instant)
    assert host.admin("POST", "/admin/functions/advance_hearings", {"input": ""}).status_code == 202


def no_axe_violations(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{described(violations)}"


def in_both_languages(page: Page, path: str) -> None:
    for language in ("en", "da"):  # Danish last: the language the rest of the test reads
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={language}")
        no_axe_violations(page, f"{path} ({language})")


def create_from_the_template(page: Page, base_url: str, title: str) -> str:
    page.goto(base_url + "/sagsbehandler")
    page.get_by_role("link", name="Opret en høring").click()
    page.get_by_label("Lokalplan").check()
    page.get_by_role("button", name="Fortsæt").click()
    # The template's defaults fill the form.
    expect(page.get_by_label("Høringens tekst")).to_have_value(re.compile("Forslaget ligger i offentlig høring"))
    page.get_by_label("Titel", exact=True).fill(title)
    page.get_by_label("Byudvikling").check()
    page.get_by_label("KLE-nummer").fill("02.00")
    page.get_by_role("button", name="Opret høringen som kladde").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url.split("/sagsbehandler/hoeringer/")[1].split("?")[0]


def test_a_caseworker_runs_a_hearing_from_a_template_to_its_published_conclusion(
    browser: Browser, context: BrowserContext, base_url: str, host: LocalHostProcess
) -> None:
    set_clock(host, NOW)
    page = context.new_page()
    sign_in(page, base_url, CASEWORKER, "/sagsbehandler")
    in_both_languages(page, base_url + "/sagsbehandler")

    page.goto(base_url + "/sagsbehandler/ny")
    page.get_by_role("button", name="Fortsæt").click()
    page.get_by_label("Titel", exact=True).fill("")
    page.get_by_label("KLE-nummer").fill("2.1")
    page.get_by_role("button", name="Opret høringen som kladde").click()  # refused: named at each field
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Skriv en titel på højst 300 tegn.")
    expect(summary).to_contain_text("Skriv et KLE-nummer som 01, 01.02 eller 01.02.03.")
    expect(page.locator("#kle-error")).to_contain_text("KLE-nummer")
    expect(page.get_by_label("KLE-nummer")).to_have_attribute("aria-invalid", "true")
    no_axe_violations(page, "the refused new hearing")
    in_both_languages(page, base_url + "/sagsbehandler/ny?skabelon=lokalplan")

    hearing_id = create_from_the_template(page, base_url, "Lokalplan for Sydhavnen")
    desk = f"{base_url}/sagsbehandler/hoeringer/{hearing_id}"
    expect(page.get_by_role("status")).to_contain_text("Høringen er oprettet som kladde")

    # Edit; an edit from a page opened before it is stale, says so and keeps what was typed.
    stale = context.new_page()
    stale.goto(desk)
    page.get_by_label("Resumé").fill("Nye boliger og en park ved vandet.")
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.get_by_role("status")).to_contain_text("Dine ændringer er gemt.")
    stale.get_by_label("Titel", exact=True).fill("Lokalplan for Sydhavnen, 2. udgave")
    stale.get_by_role("button", name="Gem ændringer").click()
    expect(stale.locator("#error-summary")).to_contain_text("En anden har ændret høringen")
    expect(stale.get_by_label("Titel", exact=True)).to_have_value("Lokalplan for Sydhavnen, 2. udgave")
    stale.close()

    # Documents: one is attached, the other refused with the reason.
    page.get_by_label("Tilføj et dokument").set_input_files(
        {"name": "lokalplan.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Upload dokumentet").click()
    expect(page.get_by_role("status")).to_contain_text("Dokumentet bliver kontrolleret")
    page.get_by_label("Tilføj et dokument").set_input_files(
        {"name": "harmless.pdf", "mimeType": "application/pdf", "buffer": EXE}
    )
    page.get_by_role("button", name="Upload dokumentet").click()
    host.wait_idle()
    page.goto(desk)
    documents = page.get_by_role("region", name="Dokumenter")
    expect(documents.locator("tr", has_text="lokalplan.pdf")).to_contain_text("Kontrolleret")
    expect(documents.locator("tr", has_text="harmless.pdf")).to_contain_text(
        "Afvist: indholdet er ikke PDF, PNG, JPEG, DOCX, XLSX eller PPTX"
    )

    # Invite by CSV: a row that is no CPR, CVR or e-mail is named by its number; then a good file.
    invitees = page.get_by_role("region", name="Inviterede")
    invitees.get_by_label("Inviter fra en CSV-fil").set_input_files(
        {"name": "inviterede.csv", "mimeType": "text/csv", "buffer": b"cpr;navn\n010190-1234;Anna\n12345678;Firma\n"}
    )
    invitees.get_by_role("button", name="Upload og inviter").click()
    expect(page.locator("#inviteesFile-error")).to_contain_text("Række 3: ikke et gyldigt CVR-nummer")
    page.get_by_role("region", name="Inviterede").get_by_label("Inviter fra en CSV-fil").set_input_files(
        {"name": "inviterede.csv", "mimeType": "text/csv", "buffer": b"010190-1234\nbo@example.dk\n39162571\n"}
    )
    page.get_by_role("region", name="Inviterede").get_by_role("button", name="Upload og inviter").click()
    expect(page.get_by_role("status")).to_contain_text("De inviterede er gemt.")
    expect(page.get_by_role("region", name="Inviterede")).to_contain_text("Inviteret: 3")

    # Reviewers and a public meeting.
    page.get_by_label("Tilføj en bedømmer").fill("dev:employee")
    page.get_by_role("button", name="Tilføj", exact=True).click()
    expect(page.get_by_role("region", name="Bedømmere")).to_contain_text("dev:employee")
    page.get_by_label("Tilføj en bedømmer").fill("dev:kollega")
    page.get_by_role("button", name="Tilføj", exact=True).click()
    reviewers = page.get_by_role("region", name="Bedømmere")
    reviewers.get_by_role("button", name="Fjern dev:kollega").click()
    expect(reviewers).to_contain_text("dev:employee")
    expect(reviewers).not_to_contain_text("dev:kollega")
    meetings = page.get_by_role("region", name="Borgermøder")
    meetings.get_by_text("Planlæg et møde").click()
    meetings.get_by_label("Mødets titel").fill("Borgermøde i Sydhavn")
    meetings.get_by_label("Dato").fill("2026-10-27")
    meetings.get_by_label("Starter (københavnsk tid)").fill("19:00")
    meetings.get_by_label("Slutter").fill("21:00")
    meetings.get_by_label("Sted").fill("Sydhavn Bibliotek")
    meetings.get_by_role("button", name="Planlæg mødet").click()
    expect(page.get_by_role("status")).to_contain_text("Mødet er planlagt.")

    # Schedule: a wall-clock time that happens twice at the change to winter time is refused at the field.
    schedule = page.get_by_role("region", name="Start og frist")
    schedule.locator("#startDate").fill("2026-10-21")
    schedule.locator("#startTime").fill("10:00")
    schedule.locator("#deadlineDate").fill("2026-10-25")
    schedule.locator("#deadlineTime").fill("02:30")
    schedule.get_by_role("button", name="Planlæg høringen").click()
    expect(page.locator("#deadlineTime-error")).to_contain_text("findes to gange i København")
    expect(page.locator("#deadlineDate")).to_have_value("2026-10-25")  # what was typed stays
    no_axe_violations(page, "the refused schedule")
    page.locator("#deadlineDate").fill("2026-11-03")
    page.locator("#deadlineTime").fill("12:00")
    page.get_by_role("button", name="Planlæg høringen").click()
    expect(page.get_by_role("status")).to_contain_text("Høringen er planlagt.")
    expect(page.locator("dt:has-text('Høringsfrist') + dd")).to_have_text("tirsdag den 3. november 2026 kl. 12.00")
    in_both_languages(page, desk)
    screenshot(page, "caseworker-desk")

    attendees = page.get_by_role("link", name=re.compile(r"^Tilmeldte\s*: Borgermøde i Sydhavn")).get_attribute("href")
    assert attendees is not None
    planned = [desk.removeprefix(base_url), attendees, desk.removeprefix(base_url) + "/aflys"]
    start = ["/sagsbehandler", "/sagsbehandler/ny", "/sagsbehandler/ny?skabelon=lokalplan"]
    assert not pages_that_scroll_sideways(browser, base_url, [*start, *planned], CASEWORKER)

    # The timer opens it; two citizens respond; one response is approved through the API.
    open_and_close_by_the_timer(host, "2026-10-21T10:00:01+02:00")
    answers = {}
    for persona, text in (("citizen-anna", "Parken skal være større."), ("citizen-bo", "Flere cykelstier, tak.")):
        sent = host.request(
            "POST", f"/api/hearings/{hearing_id}/responses", headers=token(host, persona), json=response_body(text)
        )
        assert sent.status_code == 201, sent.text
        answers[persona] = sent.json()["responseId"]
    host.wait_idle()  # screened
    owner = token(host, "hearing-creator")
    approved = host.request(
        "POST", f"/api/hearings/{hearing_id}/responses/{answers['citizen-anna']}/approve", headers=owner, json={}
    )
    assert approved.status_code == 200, approved.text

    page.goto(base_url + "/sagsbehandler")
    card = page.locator("li", has_text="Lokalplan for Sydhavnen")
    expect(card.locator("dt:has-text('Høringssvar, der venter på behandling') + dd")).to_have_text("1")
    screenshot(page, "caseworker-hearings")

    # Past the deadline: concluding is refused while a response is undecided, then done.
    open_and_close_by_the_timer(host, "2026-11-03T12:00:01+01:00")
    page.goto(desk)
    page.get_by_label("Konklusion").fill("Lokalplanen vedtages med en større park.")
    page.get_by_role("button", name="Afslut høringen").click()
    expect(page.locator("#conclusion-error")).to_contain_text("Godkend eller afvis alle høringssvar")
    expect(page.get_by_label("Konklusion")).to_have_value("Lokalplanen vedtages med en større park.")
    declined = host.request(
        "POST",
        f"/api/hearings/{hearing_id}/responses/{answers['citizen-bo']}/decline",
        headers=owner,
        json={"reason": "Svaret handler om en anden plan."},
    )
    assert declined.status_code == 200, declined.text
    page.get_by_role("button", name="Afslut høringen").click()
    expect(page.get_by_role("status")).to_contain_text("Høringen er afsluttet.")
    in_both_languages(page, desk)

    # Exports and journalising from the desk.
    page.get_by_role("button", name="Eksporter høringssvarene (XLSX)").click()
    expect(page.get_by_role("link", name="Hent eksporten (XLSX)")).to_be_visible()
    host.wait_idle()
    page.goto(desk)
    journalising = page.get_by_role("region", name="Journalisering")
    expect(journalising).to_contain_text("Journaliseret")
    assert not pages_that_scroll_sideways(browser, base_url, [desk.removeprefix(base_url)], CASEWORKER)  # concluded

    with fresh_context(browser) as anonymous:
        reader = anonymous.new_page()
        reader.goto(f"{base_url}/hoeringer/{hearing_id}")
        expect(reader.get_by_text("Lokalplanen vedtages med en større park.")).to_be_visible()
        published = reader.get_by_role("region", name="Offentliggjorte høringssvar")
        expect(published).to_contain_text("Parken skal være større.")
        expect(published).not_to_contain_text("Flere cykelstier")


def test_the_cancel_step_asks_for_a_reason_and_the_attendee_list_has_its_exports(
    context: BrowserContext, base_url: str, host: LocalHostProcess
) -> None:
    set_clock(host, NOW)
    page = context.new_page()
    sign_in(page, base_url, CASEWORKER, "/sagsbehandler")
    hearing_id = create_from_the_template(page, base_url, "Trafikplan for Valby")
    desk = f"{base_url}/sagsbehandler/hoeringer/{hearing_id}"

    page.get_by_role("region", name="Borgermøder").get_by_text("Planlæg et møde").click()
    meetings = page.get_by_role("region", name="Borgermøder")
    meetings.get_by_label("Mødets titel").fill("Borgermøde om trafik")
    meetings.get_by_label("Dato").fill("2027-03-28")
    meetings.get_by_label("Starter (københavnsk tid)").fill("02:30")  # the night the clocks go forward
    meetings.get_by_label("Slutter").fill("04:00")
    meetings.get_by_label("Sted").fill("Valby Kulturhus")
    meetings.get_by_role("button", name="Planlæg mødet").click()
    expect(page.locator("#meeting-startTime-error")).to_contain_text("findes ikke i København")
    page.get_by_role("region", name="Borgermøder").get_by_label("Starter (københavnsk tid)").fill("19:00")
    page.get_by_role("region", name="Borgermøder").get_by_label("Slutter").fill("21:00")
    page.get_by_role("region", name="Borgermøder").get_by_role("button", name="Planlæg mødet").click()
    expect(page.get_by_role("status")).to_contain_text("Mødet er planlagt.")

    page.get_by_role("link", name=re.compile(r"^Tilmeldte\s*: Borgermøde om trafik")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Borgermøde om trafik")
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent listen (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")
    in_both_languages(page, page.url.split("?")[0])

    page.goto(base_url + "/sagsbehandler?fra=not-a-token")  # "vis flere" from an old link starts again
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine høringer")

    page.goto(desk)
    page.get_by_role("link", name="Aflys høringen").click()
    page.get_by_role("button", name="Ja, aflys høringen").click()  # no reason: asked for at the field
    expect(page.locator("#reason-error")).to_contain_text("Skriv, hvorfor høringen aflyses.")
    in_both_languages(page, f"{desk}/aflys")
    page.get_by_label("Hvorfor aflyses høringen?").fill("Planen er trukket tilbage. " * 80)  # over 2,000
    page.get_by_role("button", name="Ja, aflys høringen").click()
    expect(page.locator("#reason-error")).to_contain_text("højst være på 2.000 tegn")
    page.get_by_label("Hvorfor aflyses høringen?").fill("Planen er trukket tilbage.")
    page.get_by_role("button", name="Ja, aflys høringen").click()
    expect(page.get_by_role("status")).to_contain_text("Høringen er aflyst.")
    expect(page.locator("#journalise")).to_contain_text(
        "Journaliseres ikke: kun en afsluttet høring kommer i journalsystemet"
    )
    trail = host.request("GET", f"/api/hearings/{hearing_id}/audit", headers=token(host, "hearing-creator")).json()
    assert [e["details"].get("reason") for e in trail["items"] if e["action"] == "hearing.cancelled"] == [
        "Planen er trukket tilbage."
    ]


@pytest.mark.parametrize("persona", ["Erik Ansat", "Anna Jensen"])
def test_who_does_not_run_the_hearing_gets_the_404_page(
    context: BrowserContext, base_url: str, host: LocalHostProcess, persona: str
) -> None:
    page = context.new_page()
    sign_in(page, base_url, persona, "/")
    answer = page.goto(base_url + "/sagsbehandler/hoeringer/demo-draft")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")
    answer = page.goto(base_url + "/sagsbehandler/ny")
    assert answer is not None and answer.status == 404
    if persona == "Anna Jensen":
        answer = page.goto(base_url + "/sagsbehandler")
        assert answer is not None and answer.status == 404


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(host: LocalHostProcess) -> None:
    for path in ("/sagsbehandler", "/sagsbehandler/hoeringer/demo-draft"):
        answer = httpx.get(f"http://127.0.0.1:{host.port}{path}", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/log-ind?til={path}"


def test_the_desk_and_create_forms_give_each_attribute_as_written_and_each_id_once(
    host: LocalHostProcess, base_url: str
) -> None:
    with signed_in(base_url, "hearing-creator") as (client, _):
        desk = client.get("/sagsbehandler/hoeringer/demo-draft").text  # a draft: every form of the desk
        new = client.get("/sagsbehandler/ny", params={"skabelon": "lokalplan"}).text  # the type chosen first
    for page in (desk, new):
        assert "=&#34;" not in page  # an attribute escaped twice is text, not an attribute
        assert re.search(r'<input[^>]*id="kle"[^>]*inputmode="decimal"', page)
        ids = re.findall(r'\bid="([^"]+)"', page)
        assert sorted({found for found in ids if ids.count(found) > 1}) == []
    assert re.search(r'<input[^>]*id="inviteesFile"[^>]*accept=".csv,text/csv"', desk)
    # The label and the error summary's links lead to the text area, the desk's own list to the section.
    assert re.search(r'<textarea[^>]*id="invitees"', desk) and '<label class="form-label" for="invitees">' in desk
    assert '<a href="#invitations">' in desk and 'id="invitations"' in desk


def test_a_meeting_is_served_as_a_calendar_file_with_one_charset(host: LocalHostProcess, base_url: str) -> None:
    planned = host.request(
        "POST",
        "/api/hearings/demo-active/meetings",
        headers=token(host, "hearing-creator"),
        json={
            "title": "Borgermøde",
            "startsAt": "2030-03-10T19:00",
            "endsAt": "2030-03-10T21:00",
            "location": "Valby Kulturhus",
            "capacity": 5,
        },
    )
    assert planned.status_code == 201, planned.text
    with httpx.Client(base_url=base_url, timeout=30) as client:
        calendar = client.get(f"/hoeringer/demo-active/moeder/{planned.json()['id']}/kalender.ics")
    assert calendar.status_code == 200 and calendar.text.startswith("BEGIN:VCALENDAR")
    assert calendar.headers["content-type"] == "text/calendar; charset=utf-8"
