"""The admins' pages in Chromium: templates, areas, KLE numbers, blacklist, terms, owners and message texts; 404 for
everyone else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.test_portal_slice import token
from tests.e2e.web_support import (
    axe_violations,
    described,
    fresh_context,
    pages_that_scroll_sideways,
    screenshot,
    sign_in,
)
from tests.local_host_fixture import LocalHostProcess

ADMIN = "Ada Admin"
PAGES = [
    "/administration",
    "/administration/skabeloner",
    "/administration/ny-skabelon",
    "/administration/skabeloner/lokalplan",
    "/administration/omraader",
    "/administration/kle",
    "/administration/sortliste",
    "/administration/vilkaar",
    "/administration/ejere?ejer=henriette.sagsbehandler%40kommune.example",
    "/administration/beskeder",
    "/administration/beskeder/meeting_changed/da",
]


def as_admin(context: BrowserContext, base_url: str, path: str = "/administration") -> Page:
    page = context.new_page()
    sign_in(page, base_url, ADMIN, path)
    return page


def no_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n{described(violations)}"


@pytest.mark.parametrize("persona", [None, "Anna Jensen", "Henriette Sagsbehandler"])
def test_administration_is_the_404_page_for_everyone_but_admins(
    context: BrowserContext, base_url: str, persona: str | None
) -> None:
    page = context.new_page()
    if persona is not None:
        sign_in(page, base_url, persona, "/")
        expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    for path in ("/administration", "/administration/skabeloner", "/administration/ejere", "/administration/beskeder"):
        answer = page.goto(base_url + path)
        assert answer is not None and answer.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")


def test_an_admin_creates_a_template_and_a_caseworkers_new_hearing_gets_its_defaults(
    context: BrowserContext, base_url: str, host: LocalHostProcess
) -> None:
    page = as_admin(context, base_url, "/")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Høringsskabeloner").first.click()
    page.get_by_role("link", name="Opret en skabelon").click()

    reminder = page.get_by_role("textbox", name="Påmindelse, i dage før høringsfristen")
    expect(reminder).to_have_value("3")  # the model's default
    page.get_by_role("textbox", name="Opbevaring, i dage efter afslutningen").fill("nul")
    reminder.fill("61")
    page.get_by_role("button", name="Gem skabelonen").click()  # no id, no name, bad numbers: each named
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Skriv et id med små bogstaver")
    expect(summary).to_contain_text("Skriv et navn på 1 til 200 tegn.")
    expect(page.locator("#retentionDays-error")).to_contain_text("Skriv et antal dage fra 1 til 36.500.")
    expect(page.locator("#deadlineWarningDays-error")).to_contain_text("Skriv et antal dage fra 0 til 60.")
    expect(reminder).to_have_value("61")
    expect(page.get_by_role("textbox", name="Navn", exact=True)).to_have_attribute("aria-invalid", "true")
    no_violations(page)

    page.get_by_role("textbox", name="Id").fill("vejnavne")
    page.get_by_role("textbox", name="Navn", exact=True).fill("Vejnavne")
    page.get_by_label("Kun medarbejdere").check()
    page.get_by_role("textbox", name="Standardresumé").fill("Forslag til nye vejnavne.")
    page.get_by_role("textbox", name="Standardtekst").fill("Kommunen foreslår navne til de nye veje.")
    page.get_by_role("textbox", name="Bilag pr. høringssvar").fill("2")
    page.get_by_role("textbox", name="Opbevaring, i dage efter afslutningen").fill("365")
    reminder.fill("7")
    page.get_by_role("button", name="Gem skabelonen").click()
    expect(page.get_by_role("status")).to_contain_text("Skabelonen er gemt.")
    expect(page.get_by_role("link", name="Vejnavne")).to_be_visible()
    no_violations(page)
    screenshot(page, "admin")

    creator = token(host, "hearing-creator")
    created = host.request(
        "POST", "/api/hearings", headers=creator, json={"templateId": "vejnavne", "title": "Vejnavne i Nordhavn"}
    )
    assert created.status_code == 201, created.text
    hearing = created.json()
    assert (hearing["visibility"], hearing["summary"], hearing["body"]) == (
        "internal",
        "Forslag til nye vejnavne.",
        "Kommunen foreslår navne til de nye veje.",
    )
    template = host.request("GET", "/api/management/templates/vejnavne", headers=creator).json()
    assert (template["attachmentLimits"]["maxFiles"], template["retentionDays"]) == (2, 365)
    assert template["deadlineWarningDays"] == 7


def test_an_admin_adds_a_subject_area_and_kle_numbers_from_a_csv_file(
    context: BrowserContext, base_url: str, tmp_path: Path
) -> None:
    page = as_admin(context, base_url, "/administration/omraader")
    subjects = page.get_by_role("region", name="Emner")
    subjects.get_by_role("textbox", name="Id").fill("skoler")
    subjects.get_by_role("textbox", name="Navn", exact=True).fill("Skoler og dagtilbud")
    subjects.get_by_role("button", name="Tilføj et emne").click()
    expect(page.get_by_role("status")).to_contain_text("Området er tilføjet.")
    expect(page.get_by_role("textbox", name="Navn på skoler")).to_have_value("Skoler og dagtilbud")

    # The demo's active hearing is about urban development: that area stays.
    page.get_by_role("button", name="Fjern Byudvikling").click()
    expect(page.locator("#error-summary")).to_contain_text("En høring bruger området, så det kan ikke fjernes.")
    expect(page.get_by_role("textbox", name="Navn på byudvikling")).to_have_attribute("aria-invalid", "true")
    no_violations(page)

    page.get_by_role("link", name="KLE-numre").click()
    bad = tmp_path / "forkert.csv"
    bad.write_text("KLE-nummer;Titel\n01.02;Naturbeskyttelse\n1.2;Forkert nummer\n", encoding="utf-8")
    page.get_by_label("CSV-fil", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Importér", exact=True).click()
    expect(page.locator("#error-summary")).to_contain_text("Linje 3 i filen: tjek KLE-nummeret og dets titel.")
    expect(page.get_by_role("table")).to_have_count(0)  # nothing of the file was imported
    no_violations(page)

    good = tmp_path / "kle.csv"
    good.write_text("KLE-nummer;Titel\n01.02;Naturbeskyttelse\n02.00.05;Byggetilladelse\n", encoding="utf-8")
    page.get_by_label("CSV-fil", exact=True).set_input_files(str(good))
    page.get_by_role("button", name="Importér", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Importeret: 2 tilføjet, 0 ændret, 0 uændret.")
    expect(page.get_by_role("cell", name="Byggetilladelse")).to_be_visible()
    no_violations(page)


def test_a_blacklisted_term_flags_a_new_response(
    context: BrowserContext, base_url: str, host: LocalHostProcess
) -> None:
    page = as_admin(context, base_url, "/administration/sortliste")
    terms = page.get_by_role("textbox", name="Ord, ét pr. linje")
    terms.fill("Maskinhallen\n  maskinhallen \nGrønne Gård")
    page.get_by_role("button", name="Gem sortlisten").click()
    expect(page.get_by_role("status")).to_contain_text("Sortlisten er gemt.")
    expect(terms).to_have_value("Grønne Gård\nMaskinhallen")  # one spelling of each, in order
    no_violations(page)

    karin, creator = token(host, "company-user"), token(host, "hearing-creator")
    version = host.request("GET", "/api/terms/current").json()["version"]
    text = "Bevar maskinhallen som kulturhus."
    sent = host.request(
        "POST",
        "/api/hearings/demo-active/responses",
        headers=karin,
        json={"text": text, "publishName": False, "acceptedTerms": version},
    )
    assert sent.status_code in (201, 202), sent.text
    host.wait_idle()  # screened by the queue consumer
    listed = host.request("GET", "/api/hearings/demo-active/responses?limit=100", headers=creator).json()["items"]
    mine = next(item for item in listed if item["text"] == text)
    assert [flag["kind"] for flag in mine["flags"]] == ["blacklisted"]


def test_new_terms_are_published_and_the_response_form_asks_for_them(browser: Browser, base_url: str) -> None:
    with fresh_context(browser) as context:
        page = as_admin(context, base_url, "/administration/vilkaar")
        heading = page.get_by_role("heading", name=re.compile(r"^Offentliggør version \d+$"))
        version = int(heading.inner_text().rsplit(" ", 1)[1])
        page.get_by_role("button", name="Offentliggør vilkårene").click()  # no text: the field says so
        expect(page.locator("#text-error")).to_contain_text("Skriv vilkårene på dansk")
        no_violations(page)
        page.get_by_role("textbox", name="Vilkårene på dansk").fill("Nye vilkår: dit svar offentliggøres.")
        page.get_by_role("textbox", name="Vilkårene på engelsk (valgfrit)").fill(
            "New terms: your response is published."
        )
        page.get_by_role("button", name="Offentliggør vilkårene").click()
        expect(page.get_by_role("status")).to_contain_text("De nye vilkår er offentliggjort.")
        expect(page.get_by_role("heading", name=f"Version {version} (gældende)")).to_be_visible()
        expect(page.get_by_role("heading", name=f"Offentliggør version {version + 1}")).to_be_visible()
        no_violations(page)

    with fresh_context(browser) as other:
        citizen = other.new_page()
        sign_in(citizen, base_url, "Anna Jensen", "/hoeringer/demo-scheduled")
        citizen.goto(base_url + "/hoeringer/demo-active")
        expect(citizen.locator("#acceptedTerms")).to_have_attribute("value", str(version))


def test_an_admin_moves_a_hearing_to_another_employee(browser: Browser, base_url: str, host: LocalHostProcess) -> None:
    with fresh_context(browser) as erik_context:  # the new owner has signed in once
        sign_in(erik_context.new_page(), base_url, "Erik Ansat", "/")
    with fresh_context(browser) as context:
        page = as_admin(context, base_url, "/administration/ejere")
        known = page.get_by_role("region", name="Medarbejdere, portalen kender")
        expect(known.get_by_role("row", name=re.compile("Erik Ansat"))).to_contain_text("erik.ansat@kommune.example")
        known.get_by_role("link", name="Erik Ansat").click()
        expect(page.get_by_role("region", name=re.compile("^Høringer ejet af"))).to_contain_text("ejer ingen høringer")
        page.get_by_role("textbox", name="Ejerens navn, bruger-id eller e-mailadresse").fill(
            "henriette.sagsbehandler@kommune.example"
        )
        page.get_by_role("button", name="Find høringer").click()
        found = page.get_by_role("region", name=re.compile("^Høringer ejet af"))
        card = found.locator("li", has_text="Lokalplan for Havnekvarteret (kladde)")
        field = card.get_by_role("textbox", name=re.compile("^Ny ejer af"))
        field.fill("nobody@kommune.example")
        card.get_by_role("button", name="Flyt høringen").click()
        expect(page.locator("#error-summary")).to_contain_text("Ingen medarbejder med dette bruger-id")
        no_violations(page)

        card = page.locator("li", has_text="Lokalplan for Havnekvarteret (kladde)")
        card.get_by_role("textbox", name=re.compile("^Ny ejer af")).fill("ERIK.ANSAT@kommune.example")
        card.get_by_role("button", name="Flyt høringen").click()
        expect(page.get_by_role("status")).to_contain_text("Høringen har fået en ny ejer.")
        expect(page.locator("li", has_text="Lokalplan for Havnekvarteret (kladde)")).to_have_count(0)

    erik = token(host, "employee")
    moved = host.request("GET", "/api/hearings/demo-draft", headers=erik)
    assert moved.status_code == 200 and moved.json()["owner"] == "Erik Ansat", moved.text
    trail = host.request("GET", "/api/hearings/demo-draft/audit", headers=token(host, "admin")).json()["items"]
    assert [entry["action"] for entry in trail][-1] == "hearing.owner-changed"


def test_an_admin_replaces_the_danish_receipts_subject_previews_saves_and_returns_to_the_built_in_text(
    context: BrowserContext, base_url: str, host: LocalHostProcess
) -> None:
    api = "/api/management/notification-templates/receipt/da"
    ada = token(host, "admin")
    page = as_admin(context, base_url)
    page.get_by_role("link", name="Beskedtekster").first.click()
    table = page.get_by_role("region", name="Beskedtekster")
    row = table.get_by_role("row").filter(has_text="Kvittering for høringssvar").filter(has_text="Dansk")
    expect(row).to_contain_text("Indbygget tekst")
    no_violations(page)
    row.get_by_role("link", name="Rediger Kvittering for høringssvar, Dansk").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kvittering for høringssvar (Dansk)")
    expect(page.get_by_role("region", name="Værdier, beskeden tilbyder")).to_contain_text("c.verification_code")
    subject = page.get_by_role("textbox", name="Emne")
    expect(subject).to_have_value("Kvittering for dit høringssvar: {{ c.hearing.title }}")
    subject.fill("Tak for dit svar <3: {{ c.hearing.title }}")
    page.get_by_role("button", name="Vis forhåndsvisning").click()
    preview = page.get_by_role("region", name="Forhåndsvisning med eksempelværdier")
    expect(preview.locator("#preview-subject")).to_have_text("Tak for dit svar <3: Lokalplan for Ørestad Syd")
    expect(preview.locator("#preview-html")).to_contain_text("<p>Kontrolkode: <strong>7F3K-Q9XD-2M4A-8B1C</strong>")
    expect(subject).to_have_value("Tak for dit svar <3: {{ c.hearing.title }}")  # previewed, not saved
    assert not host.request("GET", api, headers=ada).json()["custom"]
    no_violations(page)

    subject.fill("{{ unclosed")
    page.get_by_role("button", name="Gem teksten").click()
    expect(page.locator("#error-summary")).to_contain_text("Det virker ikke med eksempelværdierne")
    expect(page.locator("#subject-error")).to_contain_text("does not parse")
    expect(subject).to_have_value("{{ unclosed")
    expect(subject).to_have_attribute("aria-invalid", "true")
    assert not host.request("GET", api, headers=ada).json()["custom"]  # nothing was stored
    no_violations(page)

    subject.fill("Tak for dit svar: {{ c.hearing.title }}")
    page.get_by_role("button", name="Gem teksten").click()
    expect(page.get_by_role("status")).to_contain_text("Beskedens tekst er gemt.")
    expect(row).to_contain_text("Egen tekst")
    stored = host.request("GET", api, headers=ada).json()
    assert (stored["custom"], stored["subject"]) == (True, "Tak for dit svar: {{ c.hearing.title }}")
    english = host.request("GET", "/api/management/notification-templates/receipt/en", headers=ada).json()
    assert not english["custom"]  # one language at a time

    row.get_by_role("link", name="Rediger Kvittering for høringssvar, Dansk").click()
    expect(page.get_by_text("I brug: administratorernes egen tekst.")).to_be_visible()
    page.get_by_role("link", name="Vend tilbage til den indbyggede tekst").click()
    no_violations(page)
    page.get_by_role("button", name="Ja, vend tilbage til den indbyggede tekst").click()
    expect(page.get_by_role("status")).to_contain_text("Beskeden bruger igen den indbyggede tekst.")
    expect(row).to_contain_text("Indbygget tekst")
    back = host.request("GET", api, headers=ada).json()
    assert (back["custom"], back["subject"]) == (False, "Kvittering for dit høringssvar: {{ c.hearing.title }}")


def test_an_unknown_message_or_language_is_the_404_page(context: BrowserContext, base_url: str) -> None:
    page = as_admin(context, base_url)
    for path in ("/administration/beskeder/no_such_kind/da", "/administration/beskeder/receipt/de"):
        answer = page.goto(base_url + path)
        assert answer is not None and answer.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_admin_page_has_no_axe_violations(context: BrowserContext, base_url: str, language: str) -> None:
    page = as_admin(context, base_url)
    for path in PAGES:
        separator = "&" if "?" in path else "?"
        answer = page.goto(f"{base_url}{path}{separator}lang={language}")
        assert answer is not None and answer.status == 200, path
        no_violations(page)


def test_admin_pages_fit_320_pixels_and_200_percent_zoom(browser: Browser, base_url: str) -> None:
    assert not pages_that_scroll_sideways(browser, base_url, PAGES, ADMIN)
