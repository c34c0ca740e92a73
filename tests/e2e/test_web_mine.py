"""A citizen's own pages in Chromium: respond with an attachment, edit, the receipt and its check, "mine"
with both versions, following, notification preferences, a public meeting; axe on each page; 320 px and 200% zoom."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect

from shared.domain.receipts import receipt_payload_of
from tests.attachment_files import PROGRAM, pdf_with_text
from tests.citizens import response_body
from tests.e2e.web_support import (
    axe_violations,
    described,
    fresh_context,
    pages_that_scroll_sideways,
    screenshot,
    sign_in,
)
from tests.local_host_fixture import LocalHostProcess

HEARING = "/hoeringer/demo-active"
MINE_PAGES = ["/mine", "/mine/abonnementer", "/mine/indstillinger"]
PDF = pdf_with_text("Tegning af de nye træer langs vejen.")
DRAWING = "lindetraeer-langs-vejen-set-fra-nord-og-fra-syd-tegning.pdf"  # a long name, to wrap at 320 px


def token(host: LocalHostProcess, persona: str) -> dict[str, str]:
    answer = host.request("POST", "/api/dev/token", json={"persona": persona})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['accessToken']}"}


@pytest.fixture(scope="module")
def meeting(host: LocalHostProcess) -> str:
    """A public meeting on the open hearing with two places, planned by its caseworker over the API."""
    planned = host.request(
        "POST",
        "/api/hearings/demo-active/meetings",
        headers=token(host, "hearing-creator"),
        json={
            "title": "Borgermøde om Valby Maskinfabrik",
            "startsAt": "2030-03-10T19:00",
            "endsAt": "2030-03-10T21:00",
            "location": "Valby Kulturhus, Valgårdsvej 4",
            "capacity": 2,
        },
    )
    assert planned.status_code == 201, planned.text
    return str(planned.json()["id"])


@pytest.fixture(scope="module")
def document(host: LocalHostProcess) -> str:
    """A hearing document, uploaded by the caseworker and checked by the blob trigger."""
    creator = token(host, "hearing-creator")
    ticket = host.request(
        "POST", "/api/hearings/demo-active/documents/uploads", headers=creator, json={"filename": "lokalplan.pdf"}
    )
    assert ticket.status_code == 201, ticket.text
    put = httpx.put(ticket.json()["uploadUrl"], content=PDF, headers=ticket.json()["headers"])
    assert put.status_code == 201, put.text
    host.wait_idle()
    return str(ticket.json()["documentId"])


def _no_axe_violations(page: Page, url: str) -> None:
    """The page at ``url`` in Danish and in English, signed in; it is left in Danish."""
    for language in ("en", "da"):
        page.goto(f"{url}?lang={language}")
        violations = axe_violations(page)
        assert not violations, f"{url} ({language}):\n{described(violations)}"


def test_a_citizen_responds_with_an_attachment_edits_checks_the_receipt_and_sees_both_versions(
    browser: Browser, context: BrowserContext, base_url: str, host: LocalHostProcess, document: str
) -> None:
    assert not pages_that_scroll_sideways(browser, base_url, [HEARING], "Anna Jensen")  # the empty response form
    page = context.new_page()
    sign_in(page, base_url, "Anna Jensen", HEARING)
    documents = page.get_by_role("region", name="Dokumenter")
    expect(documents).to_contain_text("lokalplan.pdf (PDF, 1 kB)")
    href = documents.get_by_role("link", name="lokalplan.pdf").get_attribute("href")
    assert page.request.get(f"{base_url}{href}").body() == PDF  # through a short-lived link to the file

    page.get_by_role("textbox", name="Dit høringssvar").fill("Jeg støtter planen, se min tegning.")
    page.get_by_label("Vedhæft filer (valgfrit)").set_input_files(
        [FilePayload(name=DRAWING, mimeType="application/pdf", buffer=PDF)]
    )
    page.get_by_label("Jeg accepterer vilkårene for høringssvar").check()
    page.get_by_role("button", name="Send høringssvar").click()
    expect(page.get_by_role("heading", name="Vi har modtaget dit høringssvar")).to_be_visible()
    attachments = page.get_by_role("region", name="Vedhæftede filer")
    expect(attachments).to_contain_text(DRAWING)
    expect(attachments).to_contain_text("SHA-256")

    # The edit: a new text, and a program dressed as a PDF. The edit is received; the file is refused by
    # its content, and the receipt says so beside the confirmation.
    page.get_by_role("link", name="Tilbage til høringen").click()
    page.get_by_role("textbox", name="Dit høringssvar").fill("Jeg støtter planen, og træerne bør være lindetræer.")
    page.get_by_label("Vedhæft flere filer (valgfrit)").set_input_files(
        [FilePayload(name="ekstra.pdf", mimeType="application/pdf", buffer=PROGRAM)]
    )
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.get_by_role("heading", name="Vi har modtaget dit høringssvar")).to_be_visible()
    refused = "«ekstra.pdf»: Filen er ikke et PDF-, PNG-, JPEG- eller Word-dokument, uanset hvad dens navn siger."
    expect(page.get_by_role("alert")).to_contain_text(refused)
    expect(page.get_by_role("alert")).to_contain_text("Vedhæft flere filer")
    expect(page.get_by_text("Jeg støtter planen, og træerne bør være lindetræer.")).to_be_visible()
    assert not axe_violations(page), described(axe_violations(page))
    host.wait_idle()  # screened, so each version has its receipt

    page.goto(base_url + HEARING + "/kvittering")
    receipt = page.locator("#signed-receipt").text_content() or ""  # inside a closed <details>
    page.goto(base_url + "/kvittering/tjek")
    page.get_by_label("Kvitteringen", exact=True).fill(receipt)
    page.get_by_role("button", name="Tjek kvitteringen").click()
    expect(page.locator("#verdict h2")).to_have_text("Kvitteringen er ægte")

    page.goto(base_url + "/mine")
    card = page.locator("li", has_text="Lokalplan for Valby Maskinfabrik").first
    expect(card).to_contain_text("Version 1")
    expect(card).to_contain_text("Version 2")
    expect(card).to_contain_text(DRAWING)
    expect(card).to_contain_text("ekstra.pdf: ikke modtaget")
    with page.expect_download() as first_receipt:
        card.get_by_role("link", name="Hent kvitteringen for version 1").click()
    assert first_receipt.value.suggested_filename.endswith("-v1.json")
    _no_axe_violations(page, base_url + "/mine")
    screenshot(page, "mine")
    # Both versions, the attachment's long name and its hash; the form now edits the response.
    paths = ["/mine", HEARING, HEARING + "/kvittering"]
    assert not pages_that_scroll_sideways(browser, base_url, paths, "Anna Jensen")


def test_following_a_hearing_an_area_and_a_kle_number_and_unfollowing(context: BrowserContext, base_url: str) -> None:
    page = context.new_page()
    sign_in(page, base_url, "Bo Nielsen", HEARING)
    page.get_by_role("button", name="Følg høringen").click()
    expect(page.get_by_text("Du følger høringen og får besked, når der sker noget.")).to_be_visible()

    page.goto(base_url + "/mine/abonnementer")
    page.get_by_role("textbox", name="KLE-nummer").fill("ikke et nummer")
    page.get_by_role("button", name="Følg KLE-nummeret").click()
    expect(page.locator("#error-summary")).to_contain_text("Skriv et KLE-nummer, fx 02.00 eller 02.00.05.")
    expect(page.locator("#kle-error")).to_contain_text("Skriv et KLE-nummer")
    assert not axe_violations(page), described(axe_violations(page))
    page.get_by_role("textbox", name="KLE-nummer").fill("02.00")
    page.get_by_role("button", name="Følg KLE-nummeret").click()
    page.get_by_label("Emne eller bydel").select_option(label="Valby")
    page.get_by_role("button", name="Følg området").click()
    expect(page.get_by_role("status")).to_contain_text("Du følger det nu.")
    following = page.get_by_role("region", name="Du følger")
    for shown in ("Høring: Lokalplan for Valby Maskinfabrik", "KLE-nummer: 02.00", "Bydel: Valby"):
        expect(following).to_contain_text(shown)
    _no_axe_violations(page, base_url + "/mine/abonnementer")

    following.locator("li", has_text="Lokalplan for Valby Maskinfabrik").get_by_role("button").click()
    expect(page.get_by_role("status")).to_contain_text("Du følger det ikke længere.")
    expect(page.get_by_role("region", name="Du følger")).not_to_contain_text("Lokalplan for Valby Maskinfabrik")
    page.goto(base_url + HEARING)
    expect(page.get_by_role("button", name="Følg høringen")).to_be_visible()


def test_notification_preferences_are_saved_with_a_confirmation_and_errors_at_the_field(
    context: BrowserContext, base_url: str
) -> None:
    page = context.new_page()
    sign_in(page, base_url, "Anna Jensen", "/mine/indstillinger")
    page.get_by_label("En gang om ugen, samlet").check()
    page.get_by_label("English").check()
    page.get_by_label("Med e-mail").check()  # Anna signs in with MitID: no e-mail address
    page.get_by_role("button", name="Gem").click()
    expect(page.locator("#error-summary")).to_contain_text("Dit log-ind har ingen e-mailadresse. Vælg Digital Post.")
    expect(page.locator("#channel-error")).to_be_visible()
    assert not axe_violations(page), described(axe_violations(page))

    page.get_by_label("Med Digital Post").check()
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("status")).to_contain_text("Dine valg er gemt.")
    expect(page.get_by_label("En gang om ugen, samlet")).to_be_checked()
    expect(page.get_by_label("English")).to_be_checked()
    _no_axe_violations(page, base_url + "/mine/indstillinger")


def test_a_citizen_signs_up_for_a_meeting_and_cancels(context: BrowserContext, base_url: str, meeting: str) -> None:
    page = context.new_page()
    sign_in(page, base_url, "Karin Holm", HEARING)
    meetings = page.get_by_role("region", name="Borgermøder")
    expect(meetings).to_contain_text("Valby Kulturhus, Valgårdsvej 4")
    expect(meetings).to_contain_text("søndag den 10. marts 2030 kl. 19.00 – 21.00")
    expect(meetings).to_contain_text("2 af 2 pladser tilbage")
    with page.expect_download() as calendar:
        meetings.get_by_role("link", name="Føj til kalender (.ics)").click()
    assert calendar.value.suggested_filename.endswith(".ics")

    meetings.get_by_role("button", name="Tilmeld mig").click()
    expect(page.get_by_text("Du er tilmeldt.")).to_be_visible()
    expect(page.get_by_role("region", name="Borgermøder")).to_contain_text("1 af 2 pladser tilbage")
    _no_axe_violations(page, base_url + HEARING)
    page.get_by_role("heading", name="Borgermøder").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, document.getElementById('meetings').getBoundingClientRect().top - 16)")
    screenshot(page, "hearing-with-meetings")

    page.get_by_role("region", name="Borgermøder").get_by_role("button", name="Afmeld mig").click()
    expect(page.get_by_role("region", name="Borgermøder")).to_contain_text("2 af 2 pladser tilbage")
    expect(page.get_by_role("region", name="Borgermøder").get_by_role("button", name="Tilmeld mig")).to_be_visible()


CAMPAIGN = (
    "Vi ønsker at bevare den gamle maskinhal som kulturhus for hele Valby, med plads til foreninger, "
    "værksteder og koncerter, og at de store træer langs Gammel Køge Landevej bliver stående."
)


def test_published_campaign_responses_are_shown_as_one_group_listing_every_sender(
    context: BrowserContext, base_url: str, host: LocalHostProcess
) -> None:
    bo, karin, creator = token(host, "citizen-bo"), token(host, "company-user"), token(host, "hearing-creator")
    responses = "/api/hearings/demo-active/responses"
    [bos] = host.request("GET", "/api/me/responses", headers=bo).json()["items"]  # from the demo data
    revised = host.request("PUT", f"{responses}/{bos['id']}", headers=bo, json=response_body(CAMPAIGN))
    assert revised.status_code == 200, revised.text
    sent = host.request("POST", responses, headers=karin, json=response_body(f"{CAMPAIGN} Og mere cykelparkering."))
    assert sent.status_code == 201, sent.text
    host.wait_idle()  # screened and grouped
    for response_id in (bos["id"], sent.json()["responseId"]):
        approved = host.request(
            "POST", f"{responses}/{response_id}/approve", headers=creator, json={"clearFlags": True, "publish": True}
        )
        assert approved.status_code == 200, approved.text

    page = context.new_page()
    page.goto(base_url + HEARING)
    published = page.get_by_role("region", name="Offentliggjorte høringssvar")
    group = published.locator("details", has_text="2 enslydende svar")
    expect(group).to_be_visible()
    expect(group.get_by_text("Sendt af")).to_be_hidden()  # closed until opened
    group.locator("summary").click()
    expect(group.get_by_text("Sendt af")).to_be_visible()
    expect(group.get_by_role("listitem")).to_have_count(2)  # every sender, none counted away
    expect(group).to_contain_text("Holm & Co ApS")
    expect(group).to_contain_text("Borger")
    expect(published.locator("li.portal-card", has_text="Vi ønsker at bevare")).to_have_count(0)  # once, as a group
    _no_axe_violations(page, base_url + HEARING)


def test_the_conclusion_is_on_the_public_page_of_a_concluded_hearing(context: BrowserContext, base_url: str) -> None:
    page = context.new_page()
    page.goto(base_url + "/hoeringer/demo-concluded")
    conclusion = page.get_by_role("region", name="Konklusion")
    expect(conclusion).to_contain_text("Planen vedtages med mindre ændringer.")
    expect(page.get_by_role("link", name="Log ind for at følge høringen")).to_be_visible()


def test_an_employee_is_told_who_responds_to_a_public_hearing_instead_of_getting_a_form_that_refuses(
    browser: Browser, base_url: str
) -> None:
    with fresh_context(browser) as context:
        page = context.new_page()
        sign_in(page, base_url, "Erik Ansat", HEARING)
        respond = page.get_by_role("region", name="Giv dit høringssvar")
        expect(respond).to_contain_text("Du er logget ind med dit arbejdslogin")
        expect(respond.get_by_role("textbox")).to_have_count(0)
        expect(respond.get_by_role("button")).to_have_count(0)


def test_a_signed_out_visitor_is_sent_to_sign_in_from_my_pages(context: BrowserContext, base_url: str) -> None:
    page = context.new_page()
    for path in MINE_PAGES:
        answer = page.request.get(base_url + path, max_redirects=0)
        assert answer.status == 303 and answer.headers["location"] == f"/log-ind?til={path}"


def test_my_pages_are_usable_320_pixels_wide_and_at_200_percent_zoom(
    browser: Browser, base_url: str, meeting: str
) -> None:
    # An employee's pages, who may not answer this hearing; a citizen's are checked as she responds.
    assert not pages_that_scroll_sideways(browser, base_url, [*MINE_PAGES, HEARING], "Erik Ansat")


def test_a_response_sent_again_after_withdrawing_carries_none_of_the_withdrawn_files(
    browser: Browser, portal: LocalHostProcess
) -> None:
    """On a portal of its own: Anna's first response (with bilag.pdf) is withdrawn, and she sends a new one."""
    base_url = f"http://localhost:{portal.port}"
    with fresh_context(browser) as context:
        page = context.new_page()
        sign_in(page, base_url, "Anna Jensen", HEARING)
        page.get_by_role("textbox", name="Dit høringssvar").fill("Mit første svar, med bilag.")
        page.get_by_label("Vedhæft filer (valgfrit)").set_input_files(
            [FilePayload(name="bilag.pdf", mimeType="application/pdf", buffer=PDF)]
        )
        page.get_by_label("Jeg accepterer vilkårene for høringssvar").check()
        page.get_by_role("button", name="Send høringssvar").click()
        expect(page.get_by_role("region", name="Vedhæftede filer")).to_contain_text("bilag.pdf")

        page.get_by_role("link", name="Tilbage til høringen").click()
        page.get_by_role("button", name="Træk mit svar tilbage").click()
        # The portal asks first; going back keeps the response.
        expect(page.get_by_role("heading", name="Vil du trække dit svar tilbage?")).to_be_visible()
        page.get_by_role("link", name="Nej, behold mit svar").click()
        expect(page.get_by_role("button", name="Gem ændringer")).to_be_visible()
        page.get_by_role("button", name="Træk mit svar tilbage").click()
        page.get_by_role("button", name="Ja, træk mit svar tilbage").click()
        expect(page.get_by_role("status")).to_contain_text("Dit svar er trukket tilbage.")
        page.get_by_role("textbox", name="Dit høringssvar").fill("Mit nye svar, uden bilag.")
        page.get_by_label("Jeg accepterer vilkårene for høringssvar").check()
        page.get_by_role("button", name="Send høringssvar").click()
        expect(page.get_by_role("heading", name="Vi har modtaget dit høringssvar")).to_be_visible()
        expect(page.get_by_role("region", name="Vedhæftede filer")).to_have_count(0)
        expect(page.get_by_text("bilag.pdf")).to_have_count(0)
        portal.wait_idle()

        # /mine: the withdrawn version keeps its file; the fingerprint is each text's SHA-256.
        page.goto(base_url + "/mine")
        card = page.locator("li.portal-card", has_text="Lokalplan for Valby Maskinfabrik").first
        first, second = card.locator(".portal-versions > li").all()
        expect(first).to_contain_text("Filer, der hører til denne tilbagetrukne version")
        expect(first).to_contain_text("bilag.pdf")
        expect(second).not_to_contain_text("bilag.pdf")
        expect(second).to_contain_text(hashlib.sha256(b"Mit nye svar, uden bilag.").hexdigest())

    anna = token(portal, "citizen-anna")
    mine = portal.request("GET", "/api/me/responses", headers=anna).json()["items"]
    response_id = next(item["id"] for item in mine if item["hearingId"] == "demo-active")
    path = f"/api/hearings/demo-active/responses/{response_id}"
    approved = portal.request("POST", f"{path}/approve", headers=token(portal, "hearing-creator"), json={})
    assert approved.status_code == 200, approved.text
    public = portal.request("GET", path)
    assert public.status_code == 200, public.text
    assert public.json()["text"] == "Mit nye svar, uden bilag." and public.json()["attachments"] == []
    receipt = portal.request("GET", f"{path}/receipt", headers=anna).json()["receipt"]
    assert receipt_payload_of(receipt).attachment_sha256 == []
    assert "bilag.pdf" not in portal.request("GET", "/hoeringer/demo-active").text


def test_a_refused_file_is_reported_on_the_receipt_of_the_response_it_came_with(
    browser: Browser, portal: LocalHostProcess
) -> None:
    """On a portal of its own, so Karin Holm's response is her first whatever the other tests sent."""
    host, base_url = portal, f"http://localhost:{portal.port}"
    with fresh_context(browser) as context:
        page = context.new_page()
        sign_in(page, base_url, "Karin Holm", HEARING)
        page.get_by_role("textbox", name="Dit høringssvar").fill("Vi har et notat om trafikken.")
        page.get_by_label("Vedhæft filer (valgfrit)").set_input_files(
            [FilePayload(name="notat.pdf", mimeType="application/pdf", buffer=b"Et notat, ikke en PDF.\n")]
        )
        page.get_by_label("Jeg accepterer vilkårene for høringssvar").check()
        page.get_by_role("button", name="Send høringssvar").click()

        expect(page.get_by_role("heading", name="Vi har modtaget dit høringssvar")).to_be_visible()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("«notat.pdf»: Filen er ikke et PDF-")
        expect(alert).to_contain_text("Vedhæft flere filer")
        expect(alert.get_by_role("link", name="Tilføj filen igen")).to_have_attribute(
            "href", "/hoeringer/demo-active#respond"
        )
        expect(page.get_by_role("link", name="Hent kvittering")).to_be_visible()
        assert not axe_violations(page), described(axe_violations(page))
    mine = host.request("GET", "/api/me/responses", headers=token(host, "company-user")).json()["items"]
    statuses = [item["status"] for item in mine if item["hearingId"] == "demo-active"]
    assert statuses in (["submitted"], ["awaiting_review"])
