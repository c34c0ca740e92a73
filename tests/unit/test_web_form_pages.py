"""A form's answer is shown as the page the form is on: its language switch and sign-in links lead to a page a
browser can open, never to the address the form was posted to (for most forms only a POST answers there)."""

from __future__ import annotations

import re

import function_app  # noqa: F401  (registers every page)
from functions.webui.routing import REGISTERED, path_of

PARAMETER = re.compile(r"\{(\w+)\}")


def test_every_form_is_shown_on_a_page_that_answers_a_get_with_the_parameters_the_form_has() -> None:
    pages = {page.route for page in REGISTERED if page.method == "GET"} | {""}  # "" is the front page
    forms = [page for page in REGISTERED if page.method == "POST"]
    assert len(forms) > 30
    missing = [f"{form.route} -> {form.shown_on}" for form in forms if form.shown_on not in pages]
    assert not missing, "\n".join(missing)
    unknown = [
        form.route for form in forms if not set(PARAMETER.findall(form.shown_on)) <= set(PARAMETER.findall(form.route))
    ]
    assert not unknown


def test_the_page_of_a_form_is_its_route_with_the_forms_parameters_each_as_one_segment() -> None:
    parameters = {"hearing_id": "demo-active", "meeting_id": "m"}
    assert path_of("hoeringer/{hearing_id}", parameters) == "/hoeringer/demo-active"
    assert path_of("hoeringer/{hearing_id}", {"hearing_id": "a/../b"}) == "/hoeringer/a%2F..%2Fb"
    assert path_of("", {}) == "/"
    [respond] = [page for page in REGISTERED if page.route == "hoeringer/{hearing_id}/svar"]
    assert respond.shown_on == "hoeringer/{hearing_id}"
    [export] = [page for page in REGISTERED if page.route.endswith("/eksport")]
    assert export.shown_on == "sagsbehandler/hoeringer/{hearing_id}"
