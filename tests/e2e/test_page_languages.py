"""Every page a persona can reach, in English and in Danish: no text of the portal's own is left in the other language.

Hearings, areas and templates are the municipality's data and stay as written; what is checked is the
portal's own wording, the catalogue's texts: a Danish translation on an English page, or an English
source text on a Danish page, would be one that missed ``_()`` or the catalogue.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest
from babel.messages.pofile import read_po

from functions.webui import i18n
from tests.e2e.test_web_attacks import signed_in
from tests.local_host_fixture import LocalHostProcess

STARTS = {
    "visitor": ["/"],
    "citizen-bo": ["/", "/mine"],
    "hearing-creator": ["/sagsbehandler", "/hoeringer/demo-active/moderation"],
    "admin": ["/administration"],
}
# The language switch names each language in itself, on every page.
OWN_NAMES = {"English", "Dansk"}
TEXT_NODE = re.compile(r">([^<>]+)<")
READ_ATTRIBUTE = re.compile(r'\b(?:alt|title|placeholder|aria-label)="([^"]+)"')


def catalogue() -> dict[str, str]:
    """English source text -> its Danish translation, for the texts the two languages write differently."""
    with (i18n.LOCALE_DIR / "da" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        messages = [message for message in read_po(source, locale="da") if message.id]
    pairs = {}
    for message in messages:
        english = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string
        danish = string if isinstance(string, str) else (string[0] if string else "")
        if danish and danish != english and "%" not in english and "{" not in english:
            pairs[english] = danish
    return pairs


def texts_of(page: str) -> set[str]:
    body = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    found = TEXT_NODE.findall(body) + READ_ATTRIBUTE.findall(body)
    return {" ".join(html.unescape(text).split()) for text in found} - {""}


def pages(client: httpx.Client, starts: list[str], language: str, limit: int = 120) -> dict[str, set[str]]:
    """The texts of each page reachable by links from ``starts``, asked for in ``language``."""
    seen: dict[str, set[str]] = {}
    queue = list(starts)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        answer = client.get(path, params={"lang": language})
        assert answer.status_code < 500, f"GET {path}: {answer.status_code}"
        if "text/html" not in answer.headers.get("content-type", ""):
            seen[path] = set()
            continue
        seen[path] = texts_of(answer.text)
        for link in re.findall(r'href="(/[^"#?]*)', answer.text):
            link = html.unescape(link)
            if not link.startswith(("/api/", "/static/", "/log-ud", "/dev/")) and link not in seen:
                queue.append(link)
    return seen


@pytest.mark.parametrize("persona", list(STARTS))
def test_no_page_shows_the_portals_own_words_in_the_other_language(
    host: LocalHostProcess, base_url: str, persona: str
) -> None:
    pairs = catalogue()
    danish_texts = {danish: english for english, danish in pairs.items()}
    found: list[str] = []
    for language in ("en", "da"):
        if persona == "visitor":
            with httpx.Client(base_url=base_url, timeout=30) as client:
                walked = pages(client, STARTS[persona], language)
        else:
            with signed_in(base_url, persona) as (client, _):
                walked = pages(client, STARTS[persona], language)
        assert len(walked) >= len(STARTS[persona])
        for path, texts in walked.items():
            for text in texts - OWN_NAMES:
                if language == "en" and text in danish_texts:
                    found.append(f"{path} (English) shows the Danish {text!r}")
                if language == "da" and text in pairs:
                    found.append(f"{path} (Danish) shows the English {text!r}")
    assert not found, "\n".join(sorted(found))


@pytest.mark.parametrize(
    ("language", "subject", "city"), [("da", "Emner", "Bydele"), ("en", "Subject areas", "City areas")]
)
def test_the_hearing_lists_area_filter_names_each_area_as_the_municipality_does(
    host: LocalHostProcess, base_url: str, language: str, subject: str, city: str
) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        page = client.get("/", params={"lang": language}).text
    chooser = re.search(r'<select class="form-select" id="omraade".*?</select>', page, re.S)
    assert chooser is not None
    options = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', chooser.group(0)))
    assert options == {"byudvikling": "Byudvikling", "valby": "Valby"}  # the areas of the hearings a visitor sees
    assert f'<optgroup label="{subject}">' in chooser.group(0) and f'<optgroup label="{city}">' in chooser.group(0)
