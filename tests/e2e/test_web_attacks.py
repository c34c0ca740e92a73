"""The web pages as an attacker uses them, over real HTTP without a browser: what a crafted link or form can do.

Signed in through the development issuer's persona chooser as a browser would be (the sign-in cookie,
the chooser's form, the code back to the portal), so each request carries a real session and its CSRF
token.
"""

from __future__ import annotations

import html
import http.client
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.local_host_fixture import LocalHostProcess

# Each of these leads a browser off the portal when it is a Location or a link: a browser reads a
# backslash as a slash and drops tabs and line breaks from a URL before it follows it.
ELSEWHERE = [
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
]
HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def signed_in(base_url: str, persona_id: str, return_to: str = "/") -> Iterator[tuple[httpx.Client, httpx.Response]]:
    """A client with the persona's session, and the portal's last answer of the sign-in (its redirect back)."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        start = client.get("/log-ind", params={"til": return_to})
        assert start.status_code == 303, start.text
        chooser = client.get(start.headers["location"])
        fields = {name: html.unescape(value) for name, value in HIDDEN_FIELD.findall(chooser.text)}
        choice = client.post(str(chooser.url).rsplit("/", 1)[0] + "/authorize", data={**fields, "persona": persona_id})
        assert choice.status_code in (302, 303), choice.text
        back = client.get(choice.headers["location"])
        yield client, back


def csrf_of(client: httpx.Client) -> str:
    found = CSRF_FIELD.search(client.get("/mine").text)
    assert found is not None
    return found.group(1)


def leads_elsewhere(location: str) -> bool:
    """What a browser makes of the address: anything but a path on this site or a place on the page."""
    if location.startswith("#"):
        return False
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return not cleaned.startswith("/") or cleaned.startswith("//")


@pytest.mark.parametrize("wanted", ELSEWHERE)
def test_signing_in_returns_only_to_a_page_of_the_portal(host: LocalHostProcess, base_url: str, wanted: str) -> None:
    with signed_in(base_url, "citizen-anna", wanted) as (_, back):
        assert back.status_code == 303
        assert back.headers["location"] == "/"


@pytest.mark.parametrize("wanted", ELSEWHERE)
def test_following_returns_only_to_a_page_of_the_portal(host: LocalHostProcess, base_url: str, wanted: str) -> None:
    with signed_in(base_url, "citizen-anna") as (client, _):
        form = {"csrf": csrf_of(client), "kind": "hearing", "targetId": "demo-active", "tilbage": wanted}
        answer = client.post("/mine/abonnementer", data=form)
        assert answer.status_code == 303
        assert not leads_elsewhere(answer.headers["location"]), answer.headers["location"]


@pytest.mark.parametrize("path", ["//evil.example", "//evil.example/hoeringer", "/\\evil.example"])
def test_the_language_switch_and_sign_in_links_of_any_page_stay_on_the_portal(
    host: LocalHostProcess, path: str
) -> None:
    # Sent as typed: a client would tidy the path first, an attacker's link does not.
    connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=30)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        status, page = answer.status, answer.read().decode("utf-8")
    finally:
        connection.close()
    assert status == 404
    links = re.findall(r'href="([^"]*)"', page)
    assert links and not [link for link in map(html.unescape, links) if leads_elsewhere(link)]
