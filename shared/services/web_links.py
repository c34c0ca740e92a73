"""The addresses of the portal's web pages that messages link to: e-mail, Digital Post and the previews.

The pages are served at the root of the portal (``functions/web*.py``; the API is under ``/api``), so
every link a citizen follows from a message is a page there, at ``PORTAL_WEB_BASE_URL`` when a front
end of its own serves them, else at ``PORTAL_PUBLIC_BASE_URL``.
"""

from __future__ import annotations

from urllib.parse import quote

from shared.settings import Settings

# The pages' routes, as functions/web.py registers them.
HEARING_PAGE = "/hoeringer/{hearing_id}"
RECEIPT_PAGE = "/hoeringer/{hearing_id}/kvittering"
UNSUBSCRIBE_PAGE = "/afmeld"


def web_base_url(settings: Settings) -> str:
    """Where the web pages are: the web front end, or the portal itself (never its API)."""
    return (settings.web_base_url or settings.public_base_url).rstrip("/")


def hearing_page(web: str, hearing_id: str) -> str:
    return web.rstrip("/") + HEARING_PAGE.format(hearing_id=quote(hearing_id, safe=""))


def receipt_page(web: str, hearing_id: str) -> str:
    """The respondent's receipt (after signing in), with the signed receipt and its file to download."""
    return web.rstrip("/") + RECEIPT_PAGE.format(hearing_id=quote(hearing_id, safe=""))


def unsubscribe_page(web: str, token: str) -> str:
    """A GET shows what the link stops with a button; a POST (the button, or RFC 8058 one-click) stops it."""
    return f"{web.rstrip('/')}{UNSUBSCRIBE_PAGE}?token={quote(token, safe='')}"
