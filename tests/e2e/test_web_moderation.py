"""The moderation console in Chromium: flags marked in the text, redaction with a reason, approve and decline,
campaigns decided in one step, by keyboard only; axe in Danish and English; 320 px and 200% zoom; 404 for
everyone else."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.citizens import response_body
from tests.e2e.test_portal_slice import token
from tests.e2e.web_support import (
    REFLOW_VIEWPORTS,
    axe_violations,
    described,
    fresh_context,
    pages_that_scroll_sideways,
    reflow_page,
    screenshot,
    sign_in,
)
from tests.local_host_fixture import LocalHostProcess

HEARING = "/hoeringer/demo-active"
CONSOLE = HEARING + "/moderation"
CASEWORKER = "Henriette Sagsbehandler"
CPR = "010190-1234"
ANNAS_TEXT = f"Mit CPR er {CPR} og min mail er anna@example.dk"
CAMPAIGN = "Bevar den gamle maskinhal som kulturhus for hele Valby."


def respond(host: LocalHostProcess, persona: str, text: str) -> str:
    answer = host.request(
        "POST", "/api/hearings/demo-active/responses", headers=token(host, persona), json=response_body(text)
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["responseId"])


def no_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n{described(violations)}"


def console(context: BrowserContext, base_url: str, path: str = CONSOLE) -> Page:
    page = context.new_page()
    sign_in(page, base_url, CASEWORKER, path)
    return page


def test_a_caseworker_redacts_the_cpr_number_with_a_reason_approves_and_the_public_sees_no_number(
    browser: Browser, context: BrowserContext, base_url: str, host: LocalHostProcess
) -> None:
    anna = respond(host, "citizen-anna", ANNAS_TEXT)
    host.wait_idle()  # screened
    page = console(context, base_url)
    expect(page.get_by_role("link", name="Markeret (1)")).to_be_visible()
    page.get_by_role("link", name="Markeret (1)").click()
    card = page.locator("li", has_text="Mit CPR er")
    card.get_by_role("link", name="Behandl teksten og dens markeringer").click()
    page.wait_for_url(f"**/moderation/{anna}")

    marks = page.locator("mark")
    expect(marks).to_have_count(2)
    expect(marks.nth(0)).to_contain_text("CPR-nummer:")
    expect(marks.nth(1)).to_contain_text("E-mailadresse:")
    expect(marks.nth(1)).to_contain_text("anna@example.dk")
    assert CPR not in page.content()  # the caseworker sees it masked: it can only be redacted
    no_violations(page)
    screenshot(page, "moderation")

    # A CPR number can only be redacted: the flag says so, and offers no "accept".
    cpr_flag = page.locator("li[id^=flag-cpr]")
    expect(cpr_flag).to_contain_text("Et CPR-nummer offentliggøres aldrig")
    expect(cpr_flag.get_by_role("button", name="Godkend markeringen")).to_have_count(0)
    cpr_flag.get_by_role("textbox").fill("Personnummer")
    cpr_flag.get_by_role("button", name="Anonymisér").click()
    expect(page.locator("li", has_text="CPR-nummer:")).to_contain_text("Anonymiseret")
    expect(page.locator("#published-text")).to_contain_text("[fjernet: personoplysning]")

    page.get_by_label("Anonymisér alle åbne markeringer").check()
    page.get_by_role("button", name="Godkend og offentliggør").click()
    expect(page.get_by_text("Behandl et høringssvar")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Godkendt")

    with fresh_context(browser) as anonymous:
        reader = anonymous.new_page()
        reader.goto(base_url + HEARING)
        published = reader.get_by_role("region", name="Offentliggjorte høringssvar")
        expect(published).to_contain_text("Mit CPR er [fjernet: personoplysning]")
        assert CPR not in reader.content() and "anna@example.dk" not in reader.content()
        reader.get_by_role("link", name="English").click()
        published = reader.get_by_role("region", name="Published responses")
        expect(published).to_contain_text("Mit CPR er [removed: personal data]")
        expect(published).not_to_contain_text("fjernet")


def test_a_passage_is_previewed_then_redacted_with_a_reason_and_a_campaign_is_approved_in_one_step(
    context: BrowserContext, base_url: str, host: LocalHostProcess
) -> None:
    respond(host, "company-user", CAMPAIGN)
    bo = token(host, "citizen-bo")
    own = host.request("GET", "/api/hearings/demo-active/responses", headers=bo).json()["items"][0]
    revised = host.request(
        "PUT", f"/api/hearings/demo-active/responses/{own['id']}", headers=bo, json=response_body(CAMPAIGN)
    )
    assert revised.status_code == 200, revised.text
    host.wait_idle()  # screened and grouped

    page = console(context, base_url)
    campaigns = page.get_by_role("region", name="Kampagner")
    expect(campaigns).to_contain_text("Kampagne med 2 ")
    # Only the campaign's two members are labelled, each pointing at the campaign on the page.
    listed = page.get_by_role("region", name="Høringssvar", exact=True)
    labelled = listed.locator("li.portal-card", has=page.get_by_role("link", name="Del af en kampagne"))
    expect(labelled).to_have_count(2)
    expect(labelled.first).to_contain_text("Bevar den gamle maskinhal")
    expect(labelled.last).to_contain_text("Bevar den gamle maskinhal")
    for link in listed.get_by_role("link", name="Del af en kampagne").all():
        expect(page.locator(str(link.get_attribute("href")))).to_be_visible()
    campaigns.get_by_role("button", name="Afvis alle 2").click()  # a decline without a reason is refused
    expect(page.locator("#error-summary")).to_contain_text("Skriv en begrundelse")
    expect(page.locator("textarea[id^=group-reason-]")).to_have_attribute("aria-invalid", "true")

    # One member: a passage removed by hand, previewed first.
    page.get_by_role("region", name="Kampagner").get_by_role("link", name="Høringssvar 1").click()
    page.get_by_role("textbox", name="Tekst, der skal fjernes").fill("for hele Valby")
    page.get_by_role("button", name="Fjern teksten").click()  # no reason yet
    expect(page.locator("#redaction-reason-error")).to_contain_text("Skriv en begrundelse")
    page.get_by_role("textbox", name="Begrundelse for fjernelsen").fill("Uden for høringens emne")
    page.get_by_role("button", name="Vis forhåndsvisning").click()
    expect(
        page.get_by_role("heading", name="Forhåndsvisning: den offentliggjorte tekst efter fjernelsen")
    ).to_be_visible()
    expect(page.locator("#published-text")).not_to_contain_text("for hele Valby")
    page.get_by_role("button", name="Fjern teksten").click()
    expect(page.get_by_role("heading", name="Teksten, som den bliver offentliggjort")).to_be_visible()
    expect(page.locator("#published-text")).not_to_contain_text("for hele Valby")

    page.get_by_role("link", name="Tilbage til høringssvarene").click()
    page.get_by_role("region", name="Kampagner").get_by_role("button", name="Godkend alle 2").click()
    expect(page.get_by_role("status")).to_contain_text("2 høringssvar er afgjort.")
    page.get_by_role("link", name="Godkendt (").click()
    listed = page.get_by_role("region", name="Høringssvar", exact=True)
    expect(listed.locator("li.portal-card", has_text="Bevar den gamle maskinhal")).to_have_count(2)
    no_violations(page)


def test_a_decline_needs_a_reason_and_works_with_the_keyboard_only(context: BrowserContext, base_url: str) -> None:
    page = console(context, base_url)
    responses = page.get_by_role("region", name="Høringssvar", exact=True)
    responses.locator("li.portal-card").first.get_by_role("link", name="Behandl teksten og dens markeringer").click()
    page.locator("body").focus()

    def tab_to(element_id: str) -> None:
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == element_id:
                return
        raise AssertionError(f"#{element_id} is not reached with the keyboard")

    tab_to("reason")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past "approve" to "decline"
    assert page.evaluate("document.activeElement.value") == "decline"
    page.keyboard.press("Enter")
    expect(page.locator("#reason-error")).to_contain_text("Skriv en begrundelse")
    expect(page.locator("#error-summary")).to_be_visible()
    tab_to("reason")
    page.keyboard.type("Svaret handler om en anden høring.")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Afvist")


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_console_has_no_axe_violations_and_fits_320_pixels_and_200_percent_zoom(
    browser: Browser, base_url: str, language: str
) -> None:
    with reflow_page(browser, REFLOW_VIEWPORTS[0]) as page:
        sign_in(page, base_url, CASEWORKER, f"{CONSOLE}?lang={language}")
        no_violations(page)
        review = page.locator("li.portal-card").first.get_by_role("link").last
        response = review.get_attribute("href")
        review.click()
        no_violations(page)
    assert response is not None
    queue = [f"{CONSOLE}?lang={language}", f"{CONSOLE}?tilstand=flagged&lang={language}"]
    assert not pages_that_scroll_sideways(browser, base_url, [*queue, f"{response}?lang={language}"], CASEWORKER)


@pytest.mark.parametrize("persona", [None, "Anna Jensen", "Erik Ansat"])
def test_the_console_is_the_404_page_for_those_who_do_not_run_the_hearing(
    context: BrowserContext, base_url: str, persona: str | None
) -> None:
    page = context.new_page()
    if persona is not None:
        sign_in(page, base_url, persona, "/")
    answer = page.goto(base_url + CONSOLE)
    assert answer is not None
    if persona is None:  # signed out: to the sign-in first
        assert "/authorize" in page.url or "/log-ind" in page.url
        return
    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")
