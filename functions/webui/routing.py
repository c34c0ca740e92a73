"""Registering web pages on a blueprint: each area of the site (public, "mine", caseworkers, admins) has its own.

A page handler gets the request, the visit and who is signed in (or ``None``) and may raise domain errors:
an unknown or hidden hearing becomes the 404 page, a POST without the session's CSRF token the "form has
expired" page, anything else the error page (logged, never shown).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import azure.functions as func

from functions.webui.pages import render
from functions.webui.paths import on_this_site
from functions.webui.visits import UnreadableForm, form_of, visit_of
from shared.domain.errors import NotFound

log = logging.getLogger(__name__)
Page = Callable[[func.HttpRequest], func.HttpResponse]
Register = Callable[[Callable[..., func.HttpResponse]], Page]


@dataclass(frozen=True)
class PageRoute:
    """A registered page: its route, its method and the route of the page its answer is shown as."""

    route: str
    method: str
    shown_on: str


# Every page registered, so a test can check that each form's answer names a page a browser can open.
REGISTERED: list[PageRoute] = []
_PARAMETER = re.compile(r"\{(\w+)\}")


def pages_on(bp: func.Blueprint) -> Callable[..., Register]:
    """``page = pages_on(bp)``; then ``@page("route")`` or ``@page("route", "POST")`` registers a page on ``bp``.

    A POST's answer (a form shown again with its errors, the "form has expired" page) is not a page a browser
    can open again by its address: its language switch and sign-in links lead to the page the form is on,
    ``shown_on`` (a GET route with the same parameters; the front page is ""). It is the POST's own route
    when a GET page has the same route.

    A POST needs the session's CSRF token, except one for which ``needs_no_csrf(req)`` holds: a request
    that carries its own proof and comes from no browser session (RFC 8058's one-click unsubscribe).
    """

    def page(
        route: str,
        method: str = "GET",
        shown_on: str | None = None,
        *,
        needs_no_csrf: Callable[[func.HttpRequest], bool] | None = None,
    ) -> Register:
        page_route = route if shown_on is None else shown_on
        REGISTERED.append(PageRoute(route, method, page_route))

        def register(handler: Callable[..., func.HttpResponse]) -> Page:
            def wrapped(req: func.HttpRequest) -> func.HttpResponse:
                # A path that would lead elsewhere as a link (//evil.example) is the front page's in the
                # language switch and the sign-in links; the page itself is still the 404 page.
                visit, who = visit_of(req, on_this_site(urlsplit(req.url).path))
                if page_route != route:
                    visit.path = on_this_site(path_of(page_route, req.route_params), visit.path)
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


def path_of(route: str, params: Mapping[str, str]) -> str:
    """The path of a route with its parameters filled in (each as one path segment)."""
    return "/" + _PARAMETER.sub(lambda found: quote(params.get(found.group(1), ""), safe=""), route)


def sign_in_link(return_to: str) -> str:
    """The sign-in page, coming back to ``return_to`` (a path on this site) afterwards."""
    return f"/log-ind?til={quote(return_to)}"
