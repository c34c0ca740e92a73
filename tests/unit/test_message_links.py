"""Every link a citizen follows from a message is a web page of the portal, never its API: e-mail and
Digital Post, Danish and English, to followers, respondents and digest readers, and the admins' previews."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.domain.preferences import Frequency, PreferencesRequest
from shared.ports.mail import Notification
from shared.services import digests, preferences
from shared.services.hearing_api import HearingChanges
from shared.services.hearings import edit_hearing
from shared.services.notification_templates import TEMPLATES, preview
from shared.services.responses import Decision, ResponseSubmission, decide_response, screen_response, submit_response
from tests.fakes import Portal, caseworker, citizen, company_user, employee
from tests.unit.test_notifications import Pump, opened_hearing_followed_by

BASE = "https://hoeringer.kommune.example"
ANNA = citizen("mitid:anna", "Anna Jensen")
ERIK = employee("entra:erik")
LINK = re.compile(r"https?://[^\s\"<>]+")
# The pages a message may lead to (functions/web.py and functions/web_mine.py), at the portal's root.
PAGES = (
    re.compile(r"/hoeringer/[^/?]+"),
    re.compile(r"/hoeringer/[^/?]+/kvittering"),
    re.compile(r"/hoeringer/[^/?]+/svar/[^/?]+"),
    re.compile(r"/afmeld\?token=[A-Za-z0-9_.-]+"),
)


def links(notice: Notification) -> set[str]:
    found = set(LINK.findall(notice.text)) | {u.replace("&amp;", "&") for u in LINK.findall(notice.html)}
    if notice.unsubscribe is not None and notice.unsubscribe.url:
        found.add(notice.unsubscribe.url)
    return found


def assert_web_pages(found: set[str]) -> None:
    assert found
    for url in found:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == BASE, url
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        assert any(page.fullmatch(path) for page in PAGES), f"not a web page of the portal: {url}"


@pytest.fixture
def portal() -> Portal:
    return Portal.start()  # no PORTAL_WEB_BASE_URL: the portal serves its own pages


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_followers_message_links_to_the_hearing_page_and_the_unsubscribe_page(portal: Portal, language: str) -> None:
    pump = Pump(portal)
    portal.call(preferences.set_preferences, ERIK, PreferencesRequest(language=language))  # type: ignore[arg-type]
    hearing_id = opened_hearing_followed_by(portal, ERIK, ANNA, title="Ny cykelsti")
    pump()

    by_channel = {notice.channel: notice for notice in portal.mailer.sent}
    assert set(by_channel) == {"email", "digital-post"}  # Erik by e-mail, Anna by Digital Post
    for notice in by_channel.values():
        found = links(notice)
        assert_web_pages(found)
        assert f"{BASE}/hoeringer/{hearing_id}" in found
        assert notice.unsubscribe is not None and notice.unsubscribe.url
        assert notice.unsubscribe.url.startswith(f"{BASE}/afmeld?token=")
        assert notice.unsubscribe.url in notice.text  # the header and the link in the text are one page
        assert notice.unsubscribe.headers()["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert by_channel["email"].language == language


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_respondents_receipt_and_decision_link_to_the_receipt_and_hearing_pages(
    portal: Portal, language: str
) -> None:
    karin = company_user()
    portal.call(preferences.set_preferences, karin, PreferencesRequest(language=language))  # type: ignore[arg-type]
    hearing_id = portal.active()
    receipt, _ = portal.call(submit_response, karin, hearing_id, ResponseSubmission(text="Vi er for."))
    portal.call(screen_response, hearing_id, receipt.response_id)
    decline = Decision(reason="Uden for sagen.")
    portal.call(decide_response, caseworker(), hearing_id, receipt.response_id, False, decline)

    receipt_notice, declined_notice = portal.mailer.sent
    assert f"{BASE}/hoeringer/{hearing_id}/kvittering" in links(receipt_notice)
    for notice in (receipt_notice, declined_notice):
        assert_web_pages(links(notice))
        assert notice.unsubscribe is None  # nothing to stop: it is their own response


def test_a_digest_links_to_the_hearing_pages(portal: Portal) -> None:
    pump = Pump(portal)
    portal.call(preferences.set_preferences, ERIK, PreferencesRequest(frequency=Frequency.DAILY))
    hearing_id = opened_hearing_followed_by(portal, ERIK, title="Ny skole")
    pump()
    portal.call(edit_hearing, caseworker(), hearing_id, HearingChanges(summary="Nyt"))
    pump()
    portal.clock.set(datetime(2026, 5, 5, 5, 5, tzinfo=UTC))  # 07:05 in Copenhagen
    portal.call(digests.send_digests)

    [digest] = portal.mailer.sent
    found = links(digest)
    assert_web_pages(found)
    assert f"{BASE}/hoeringer/{hearing_id}" in found


def test_a_separate_web_front_end_gets_the_links_when_it_is_set(portal: Portal) -> None:
    portal.web_base_url = "https://www.kommune.example/hoering"
    pump = Pump(portal)
    hearing_id = opened_hearing_followed_by(portal, ERIK, title="Ny cykelsti")
    pump()

    [notice] = portal.mailer.sent
    assert f"https://www.kommune.example/hoering/hoeringer/{hearing_id}" in links(notice)
    assert notice.unsubscribe is not None and notice.unsubscribe.url
    assert notice.unsubscribe.url.startswith("https://www.kommune.example/hoering/afmeld?token=")
    assert parse_qs(urlsplit(notice.unsubscribe.url).query)["token"]


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_the_admins_preview_shows_the_links_messages_carry(template: str, language: str) -> None:
    rendered = preview(template, language=language, web_base_url=BASE)  # type: ignore[arg-type]

    found = set(LINK.findall(rendered.text))
    assert "/api/" not in rendered.text + rendered.html
    assert_web_pages(found)
