"""Rendering a page: the Jinja environment (autoescaped, with the catalogues) and the headers every page gets."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import azure.functions as func

from functions.webui import i18n
from functions.webui.session import Session
from functions.webui.static_files import url_for

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"

# No inline script or style anywhere: the CSP allows only the portal's own files.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass
class Visit:
    """One request as the templates see it: language, path, who is signed in, the session's CSRF token."""

    language: str
    path: str
    query: Mapping[str, str]
    session: Session
    signed_in_as: str | None = None
    set_cookies: list[str] = field(default_factory=list)
    # The signed-in areas this person may use, as (path, untranslated label): shown in the header.
    areas: list[tuple[str, str]] = field(default_factory=list)

    def _(self, message: str) -> str:
        return i18n.translations(self.language).gettext(message)

    def url_in(self, language: str) -> str:
        """This page in another language."""
        return f"{self.path}?{urlencode({**self.query, 'lang': language})}"


@functools.cache
def environment(language: str) -> Environment:
    """One environment per language, each with its catalogue installed once: requests run in parallel threads."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape  # loaded by the first page, not at start-up

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = url_for
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(visit: Visit, template: str, status: int = 200, **context: Any) -> func.HttpResponse:
    page = environment(visit.language).get_template(template)
    body = page.render(
        visit=visit,
        lang=visit.language,
        written_out=lambda instant: i18n.written_out(instant, visit.language),
        date_written_out=lambda instant: i18n.date_written_out(instant, visit.language),
        machine_time=i18n.machine_time,
        **context,
    )
    return html(body, visit, status)


def html(body: str, visit: Visit, status: int = 200) -> func.HttpResponse:
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store" if visit.signed_in_as else "no-cache"}
    response = func.HttpResponse(body, status_code=status, mimetype="text/html", charset="utf-8", headers=headers)
    for cookie in visit.set_cookies:
        response.headers.add("Set-Cookie", cookie)  # type: ignore[attr-defined]
    return response


def redirect(location: str, visit: Visit | None = None, cookies: tuple[str, ...] = ()) -> func.HttpResponse:
    # A redirect is an answer a browser may show: it gets the same protection as a page.
    headers = {**SECURITY_HEADERS, "Location": location, "Cache-Control": "no-store"}
    response = func.HttpResponse(status_code=303, headers=headers)
    for cookie in [*(visit.set_cookies if visit else []), *cookies]:
        response.headers.add("Set-Cookie", cookie)  # type: ignore[attr-defined]
    return response
