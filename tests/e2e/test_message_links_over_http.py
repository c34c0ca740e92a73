"""The links in messages the portal really sent, followed over HTTP as the person who got them would.

A follower, a second follower reading English, and a respondent get their messages in the local outbox
(e-mail and Digital Post alike); every link in them, and the List-Unsubscribe address, must be a page
that answers 200 at the portal's address. The unsubscribe link, followed and its button pressed, and the
header's RFC 8058 one-click POST, really stop the following; merely opening the link stops nothing.
"""

from __future__ import annotations

import html
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import httpx

from tests.citizens import response_body
from tests.e2e.test_web_attacks import signed_in
from tests.local_host_fixture import LocalHostProcess

LINK = re.compile(r"https?://[^\s\"<>]+")
FORM = re.compile(r'<form method="post" action="(/afmeld)">(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def token(portal: LocalHostProcess, persona: str) -> dict[str, str]:
    answer = portal.request("POST", "/api/dev/token", json={"persona": persona})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['accessToken']}"}


def outbox(portal: LocalHostProcess) -> list[EmailMessage]:
    paths = sorted((portal.data_dir / "outbox").glob("*.eml"))
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in paths]  # type: ignore[misc]


def the_one(messages: list[EmailMessage], recipient: str, subject: str) -> EmailMessage:
    found = [
        m
        for m in messages
        if str(m["X-Portal-Recipient"]).strip().startswith(recipient) and str(m["Subject"]).startswith(subject)
    ]
    assert len(found) == 1, [(str(m["X-Portal-Recipient"]), str(m["Subject"])) for m in messages]
    return found[0]


def links_in(message: EmailMessage) -> set[str]:
    """The addresses in the text and HTML parts, as a mail program shows them to be clicked."""
    found: set[str] = set()
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        assert part is not None, f"no {kind} part"
        content = part.get_content()
        found |= {html.unescape(url) if kind == "html" else url for url in LINK.findall(content)}
    return found


def header_link(message: EmailMessage) -> str:
    [url] = re.findall(r"<(https?://[^>]+)>", str(message["List-Unsubscribe"]))
    assert str(message["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    return str(url)


def follows(portal: LocalHostProcess, who: dict[str, str]) -> list[str]:
    answer = portal.request("GET", "/api/subscriptions", headers=who)
    assert answer.status_code == 200, answer.text
    return [str(item["targetId"]) for item in answer.json()]


def assert_page(answer: httpx.Response, url: str) -> None:
    assert answer.status_code == 200, f"{url}: {answer.status_code} {answer.text[:200]}"
    assert answer.headers["content-type"].startswith("text/html"), url


def test_every_link_in_a_sent_message_is_a_page_and_the_unsubscribe_link_stops_the_following(
    portal: LocalHostProcess,
) -> None:
    base = f"http://localhost:{portal.port}"  # the address the portal announces, as in its links
    hearing = "demo-active"
    erik, ada, anna, creator = (token(portal, p) for p in ("employee", "admin", "citizen-anna", "hearing-creator"))
    english = portal.request("PUT", "/api/me/preferences", headers=ada, json={"language": "en"})
    assert english.status_code == 200, english.text
    for who in (erik, ada):
        follow = {"kind": "hearing", "targetId": hearing}
        answer = portal.request("POST", "/api/subscriptions", headers=who, json=follow)
        assert answer.status_code == 201, answer.text
    submitted = portal.request(
        "POST", f"/api/hearings/{hearing}/responses", headers=anna, json=response_body("Jeg ønsker en cykelsti.")
    )
    assert submitted.status_code == 201, submitted.text
    current = portal.request("GET", f"/api/hearings/{hearing}", headers=creator)
    edited = portal.request(
        "PATCH",
        f"/api/hearings/{hearing}",
        headers={**creator, "If-Match": current.headers["ETag"]},
        json={"summary": "Nu med en cykelsti langs banen"},
    )
    assert edited.status_code == 200, edited.text
    portal.wait_idle()

    sent = outbox(portal)
    to_erik = the_one(sent, "erik.ansat@kommune.example", "Høringen er ændret")
    to_ada = the_one(sent, "ada.admin@kommune.example", "The hearing has changed")
    receipt = the_one(sent, "cpr-sealed:", "Kvittering")  # Anna's Digital Post

    # Every link of the three, and the header's, is a page at the portal's address, not under /api.
    every = links_in(to_erik) | links_in(to_ada) | links_in(receipt) | {header_link(to_erik), header_link(to_ada)}
    assert f"{base}/hoeringer/{hearing}" in every
    assert f"{base}/hoeringer/{hearing}/kvittering" in links_in(receipt)
    with httpx.Client(timeout=30) as visitor:
        for url in sorted(every):
            assert url.startswith(f"{base}/") and not urlsplit(url).path.startswith("/api/"), url
            if "/kvittering" in url:  # the respondent's own receipt: shown after signing in
                refused = visitor.get(url)
                assert refused.status_code == 303 and refused.headers["location"].startswith("/log-ind"), url
                continue
            assert_page(visitor.get(url), url)
    assert follows(portal, erik) == [hearing] and follows(portal, ada) == [hearing]  # opening them stopped nothing

    with signed_in(base, "citizen-anna") as (browser, _):
        [receipt_url] = [url for url in links_in(receipt) if "/kvittering" in url]
        page = browser.get(receipt_url)
        assert_page(page, receipt_url)
        assert "Vi har modtaget dit høringssvar" in page.text

    # Erik follows the link in the text and presses the button on the page.
    [erik_link] = [url for url in links_in(to_erik) if "/afmeld" in url]
    assert erik_link == header_link(to_erik)
    with httpx.Client(base_url=base, timeout=30) as person:
        page = person.get(erik_link)
        assert_page(page, erik_link)
        assert "Lokalplan for Valby Maskinfabrik" in page.text
        [(action, form)] = FORM.findall(page.text)
        fields = {name: html.unescape(value) for name, value in HIDDEN.findall(form)}
        assert set(fields) == {"csrf", "token"}
        done = person.post(action, data=fields)
        assert_page(done, action)
        assert "Du følger ikke længere Lokalplan for Valby Maskinfabrik" in done.text
    assert follows(portal, erik) == []

    # Ada's mail program unsubscribes her in one click (RFC 8058): a POST to the header's address, no session.
    one_click = httpx.post(header_link(to_ada), data={"List-Unsubscribe": "One-Click"}, timeout=30)
    assert_page(one_click, "one-click")
    assert follows(portal, ada) == []
    again = httpx.get(header_link(to_ada) + "&lang=en", timeout=30)
    assert_page(again, "the link once more")
    assert "You no longer follow Lokalplan for Valby Maskinfabrik" in again.text

    # A link whose token was tampered with is a page that says so, and stops nothing.
    forged = httpx.get(f"{base}/afmeld", params={"token": "forged.token"}, timeout=30)
    assert forged.status_code == 400 and "Linket er ikke gyldigt" in forged.text
