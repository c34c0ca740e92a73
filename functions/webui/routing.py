"""Registering web pages on a blueprint: each area of the site (public, "mine", caseworkers, admins) has its own.

A page handler gets the request, the visit and who is signed in (or ``None``) and may raise domain errors:
an unknown or hidden hearing becomes the 404 page, a POST without the session's CSRF token the "form has
expired" page, anything else the error page (logged, never shown).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import azure.functions as func

from functions.webui.pages import render
from functions.webui.paths import on_this_site
from functions.webui.visits import UnreadableForm, form_of, visit_of
from shared.domain.errors import NotFound

log = logging.getLogger(__name__)
Page = Callable[[func.HttpRequest], func.HttpResponse]
Register = Callable[[Callable[..., func.HttpResponse]], Page]


def pages_on(bp: func.Blueprint) -> Callable[..., Register]:
    """``page = pages_on(bp)``; then ``@page("route")`` or ``@page("route", "POST")`` registers a page on ``bp``.

    A POST needs the session's CSRF token, except one for which ``needs_no_csrf(req)`` holds: a request
    that carries its own proof and comes from no browser session (RFC 8058's one-click unsubscribe)."""

    def page(
        route: str, method: str = "GET", *, needs_no_csrf: Callable[[func.HttpRequest], bool] | None = None
    ) -> Register:
        def register(handler: Callable[..., func.HttpResponse]) -> Page:
            def wrapped(req: func.HttpRequest) -> func.HttpResponse:
                # A path that would lead elsewhere as a link (//evil.example) is the front page's in the
                # language switch and the sign-in links; the page itself is still the 404 page.
                visit, who = visit_of(req, on_this_site(urlsplit(req.url).path))
                try:
                    exempt = needs_no_csrf is not None and needs_no_csrf(req)
                    if method == "POST" and not exempt and not visit.session.checks(form_of(req).get("csrf")):
                        return render(visit, "error.html", 403, title=visit._("The form has expired"))
                    return handler(req, visit, who)
                except NotFound:
                    return render(visit, "not_found.html", 404)
                except UnreadableForm:
                    return render(visit, "error.html", 400, title=visit._("The form could not be read"))
                except Exception:
                    log.exception("the page %s failed", route)
                    return render(visit, "error.html", 500, title=visit._("Something went wrong"))

            wrapped.__name__ = f"web_{handler.__name__}"
            wrapped.__qualname__ = wrapped.__name__
            return bp.route(route=route, methods=[method], auth_level=func.AuthLevel.ANONYMOUS)(wrapped)  # type: ignore[no-any-return]

        return register

    return page


def sign_in_link(return_to: str) -> str:
    """The sign-in page, coming back to ``return_to`` (a path on this site) afterwards."""
    return f"/log-ind?til={quote(return_to)}"
