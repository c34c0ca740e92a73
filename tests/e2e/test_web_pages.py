"""The web pages in Chromium: reading, responding, the receipt, editing, moderating; axe on every page."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

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
PUBLIC_PAGES = ["/", HEARING, "/was", "/vilkaar", "/cookies", "/kvittering/tjek", "/hoeringer/no-such-hearing"]


def test_an_anonymous_visitor_reads_a_hearing_with_its_deadline_written_out(
    context: BrowserContext, base_url: str
) -> None:
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_role("link", name="Lokalplan for Valby Maskinfabrik").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Lokalplan for Valby Maskinfabrik")
    deadline = page.locator("dt:has-text('Høringsfrist') + dd")
    expect(deadline).to_have_text(_written_out_pattern())
    expect(page.get_by_role("link", name="Log ind for at svare")).to_be_visible()


def test_an_unknown_hearing_is_a_404_page(context: BrowserContext, base_url: str) -> None:
    page = context.new_page()
    answer = page.goto(base_url + "/hoeringer/no-such-hearing")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")


def test_the_language_switch_shows_english_and_is_remembered(context: BrowserContext, base_url: str) -> None:
    page = context.new_page()
    page.goto(base_url + HEARING)
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("dt:has-text('Deadline') + dd")).to_contain_text(" at ")
    page.goto(base_url + "/was")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_public_page_has_no_axe_violations(context: BrowserContext, base_url: str, language: str) -> None:
    page = context.new_page()
    for path in PUBLIC_PAGES:
        page.goto(f"{base_url}{path}?lang={language}")
        violations = axe_violations(page)
        assert not violations, f"{path} ({language}):\n{described(violations)}"


def test_a_citizen_signs_in_responds_gets_a_receipt_and_edits(
    context: BrowserContext, base_url: str, host: LocalHostProcess
) -> None:
    page = context.new_page()
    sign_in(page, base_url, "Anna Jensen", HEARING)
    expect(page.get_by_text("Anna Jensen")).to_be_visible()

    page.get_by_role("button", name="Send høringssvar").click()  # empty: refused, named next to the field
    expect(page.locator("#error-summary")).to_contain_text("Skriv dit høringssvar.")
    expect(page.locator("#text-error")).to_contain_text("Skriv dit høringssvar.")
    expect(page.get_by_role("textbox", name="Dit høringssvar")).to_have_attribute("aria-invalid", "true")
    assert not axe_violations(page), described(axe_violations(page))

    page.get_by_role("textbox", name="Dit høringssvar").fill("Jeg støtter planen, men ønsker flere træer.")
    page.get_by_label("Jeg accepterer vilkårene for høringssvar").check()  # the demo data publishes terms
    page.get_by_role("button", name="Send høringssvar").click()
    expect(page.get_by_role("heading", name="Vi har modtaget dit høringssvar")).to_be_visible()
    expect(page.locator("dt:has-text('Modtaget') + dd")).to_have_text(_written_out_pattern())
    # The fingerprint of the text is the SHA-256 of the text itself, as the receipt file's textSha256.
    digest = page.locator("dt:has-text('Fingeraftryk af din tekst') + dd").inner_text()
    assert digest == hashlib.sha256("Jeg støtter planen, men ønsker flere træer.".encode()).hexdigest()
    assert not axe_violations(page), described(axe_violations(page))
    screenshot(page, "receipt")

    page.get_by_role("link", name="Tilbage til høringen").click()
    page.get_by_role("textbox", name="Dit høringssvar").fill("Jeg støtter planen og ønsker flere træer langs vejen.")
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.get_by_text("Jeg støtter planen og ønsker flere træer langs vejen.")).to_be_visible()
    assert page.locator("dt:has-text('Fingeraftryk') + dd").inner_text() != digest

    page.goto(base_url + HEARING + "?lang=en")
    assert not axe_violations(page), described(axe_violations(page))
    page.goto(base_url + HEARING + "?lang=da")
    screenshot(page, "hearing-signed-in")


def test_a_caseworker_approves_a_response_and_it_is_published(
    browser: Browser, context: BrowserContext, base_url: str, host: LocalHostProcess
) -> None:
    citizen = context.new_page()
    sign_in(citizen, base_url, "Bo Nielsen", HEARING)
    citizen.get_by_role("textbox", name="Dit høringssvar").fill("Cykelstien bør fortsætte til stationen.")
    citizen.get_by_label("Jeg accepterer vilkårene for høringssvar").check()
    citizen.locator("form[action$='/svar'] button[type=submit]").click()  # Bo has a response in the demo data
    expect(citizen.get_by_role("heading", name="Vi har modtaget dit høringssvar")).to_be_visible()
    host.wait_idle()  # screened by the queue consumer

    with fresh_context(browser) as other:
        caseworker = other.new_page()
        sign_in(caseworker, base_url, "Henriette Sagsbehandler", HEARING)
        caseworker.get_by_role("link", name="Behandl høringssvar").click()
        card = caseworker.locator("li", has_text="Cykelstien bør fortsætte til stationen.")
        for checkbox in card.get_by_label("Anonymisér alle åbne markeringer").all():
            checkbox.check()
        assert not axe_violations(caseworker), described(axe_violations(caseworker))
        card.get_by_role("button", name="Godkend og offentliggør").click()
        expect(caseworker.locator("li", has_text="Cykelstien bør fortsætte")).to_contain_text("Godkendt")

    with fresh_context(browser) as anonymous:
        reader = anonymous.new_page()
        reader.goto(base_url + HEARING)
        published = reader.get_by_role("region", name="Offentliggjorte høringssvar")
        expect(published).to_contain_text("Cykelstien bør fortsætte")
        screenshot(reader, "hearing")


def test_the_response_form_works_with_the_keyboard_only(context: BrowserContext, base_url: str) -> None:
    page = context.new_page()
    sign_in(page, base_url, "Karin Holm", HEARING)
    page.locator("body").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Gå til indhold")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(40):  # tab through the page until the text field has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "text":
            break
    assert page.evaluate("document.activeElement.id") == "text"
    page.keyboard.type("Skrevet kun med tastaturet.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "attachments"  # optional: passed by
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "publishName"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "acceptedTerms"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Vi har modtaget dit høringssvar")).to_be_visible()


def test_a_downloaded_receipt_file_is_checked_genuine_and_a_forged_one_is_not(
    browser: Browser, context: BrowserContext, base_url: str, tmp_path: Path
) -> None:
    page = context.new_page()
    sign_in(page, base_url, "Bo Nielsen", HEARING)  # Bo has a response in the demo data
    page.get_by_role("link", name="Se din kvittering").click()
    signed = page.get_by_role("region", name="Underskrevet kvittering")
    expect(signed).to_be_visible()
    with page.expect_download() as download:
        signed.get_by_role("link", name="Hent kvittering").click()
    receipt_file = tmp_path / "kvittering.json"
    download.value.save_as(receipt_file)
    assert json.loads(receipt_file.read_text(encoding="utf-8"))["receipt"].count(".") == 2

    with fresh_context(browser) as anonymous:  # anyone can check it, signed in or not
        checker = anonymous.new_page()
        checker.goto(base_url + "/")
        checker.get_by_role("link", name="Tjek en kvittering").click()
        checker.get_by_role("button", name="Tjek kvitteringen").click()  # nothing given: the field says so
        expect(checker.locator("#error-summary")).to_contain_text("Indsæt kvitteringen")
        expect(checker.locator("#receipt-error")).to_contain_text("Indsæt kvitteringen")
        assert not axe_violations(checker), described(axe_violations(checker))

        checker.get_by_label("Eller vælg kvitteringsfilen").set_input_files(str(receipt_file))
        checker.get_by_role("button", name="Tjek kvitteringen").click()
        expect(checker.get_by_role("status")).to_contain_text("Kvitteringen er ægte")
        expect(checker.locator("dt:has-text('I høringens log') + dd")).to_contain_text("Ja")
        expect(checker.locator("dt:has-text('Uændret') + dd")).to_contain_text("Ja")
        expect(checker.locator("dt:has-text('Anonymiseret') + dd")).to_have_text("Nej")
        assert not axe_violations(checker), described(axe_violations(checker))
        screenshot(checker, "receipt-check")

        jws = json.loads(receipt_file.read_text(encoding="utf-8"))["receipt"]
        head, body, signature = jws.split(".")
        forged = f"{head}.{body}.{'A' * len(signature)}"
        checker.goto(base_url + "/kvittering/tjek?lang=en")
        checker.get_by_label("The receipt", exact=True).fill(forged)
        checker.get_by_role("button", name="Check the receipt").click()
        expect(checker.get_by_role("status")).to_contain_text("The receipt is not genuine")
        assert not axe_violations(checker), described(axe_violations(checker))


def test_public_pages_fit_320_pixels_and_200_percent_zoom(browser: Browser, base_url: str) -> None:
    missing = PUBLIC_PAGES[-1]
    assert not pages_that_scroll_sideways(browser, base_url, PUBLIC_PAGES, not_found={missing})
    with reflow_page(browser, REFLOW_VIEWPORTS[0]) as page:
        page.goto(base_url + HEARING)
        screenshot(page, "hearing-320px")


def test_the_hearing_page_weighs_under_150_kb_without_images(browser: Browser, base_url: str) -> None:
    with fresh_context(browser) as context:
        page = context.new_page()
        sizes: dict[str, int] = {}

        def remember(response: object) -> None:
            request = response.request  # type: ignore[attr-defined]
            if request.resource_type != "image":
                sizes[request.url] = request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]

        page.on("requestfinished", lambda request: remember(request.response()))
        page.goto(base_url + HEARING, wait_until="networkidle")
        total = sum(sizes.values())
        print(f"hearing page: {total} bytes transferred without images, {len(sizes)} requests")
        assert total < 150 * 1024, f"{total} bytes: {sizes}"
        assert any("dkfds.min.css" in url for url in sizes)


def _written_out_pattern() -> re.Pattern[str]:

    return re.compile(
        r"^(mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag) den \d{1,2}\. [a-zæøå]+ \d{4} kl\. \d{2}\.\d{2}$"
    )
