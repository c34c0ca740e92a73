"""Colleagues by the e-mail address they sign in with: reviewers added at the desk, owners given by an admin."""

from __future__ import annotations

import html
import re

from tests.e2e.test_web_attacks import HIDDEN_FIELD, signed_in
from tests.local_host_fixture import LocalHostProcess

DESK = "/sagsbehandler/hoeringer/demo-draft"
ERIK = "erik.ansat@kommune.example"  # the development persona "employee"


def reviewer_form(page: str) -> dict[str, str]:
    form = re.search(r'<form method="post" action="[^"]*/bedoemmere" novalidate>.*?</form>', page, re.S)
    assert form is not None
    return {name: html.unescape(value) for name, value in HIDDEN_FIELD.findall(form.group(0))}


def test_a_reviewer_added_by_address_is_listed_by_name_and_an_unknown_address_is_refused_at_the_field(
    portal: LocalHostProcess,
) -> None:
    base_url = f"http://localhost:{portal.port}"
    with signed_in(base_url, "employee") as (erik, _):
        assert erik.get("/").status_code == 200  # Erik signs in once, so the portal knows his address
    with signed_in(base_url, "hearing-creator") as (caseworker, _):
        fields = reviewer_form(caseworker.get(DESK).text)

        unknown = caseworker.post(DESK + "/bedoemmere", data={**fields, "reviewer": "nogen@kommune.example"})
        assert unknown.status_code == 422
        assert "Ask them to sign in once" in unknown.text or "Bed dem om at logge ind" in unknown.text
        assert 'href="#reviewer"' in unknown.text  # the error summary leads to the field

        added = caseworker.post(DESK + "/bedoemmere", data={**reviewer_form(unknown.text), "reviewer": ERIK.upper()})
        assert added.status_code == 303
        desk = caseworker.get(DESK).text
        reviewers = re.search(r'id="reviewers".*?</section>', desk, re.S)
        assert reviewers is not None
        assert f"Erik Ansat &lt;{ERIK}&gt;" in reviewers.group(0)


def test_an_admin_gives_a_hearing_to_a_colleague_who_has_never_signed_in(portal: LocalHostProcess) -> None:
    # Locally the development personas stand in for Entra ID's users: Erik is in the directory, not yet in the portal.
    token = portal.request("POST", "/api/dev/token", json={"persona": "admin"}).json()["accessToken"]
    admin = {"authorization": f"Bearer {token}"}

    moved = portal.request("PUT", "/api/management/hearings/demo-draft/owner", headers=admin, json={"owner": ERIK})
    unknown = portal.request(
        "PUT", "/api/management/hearings/demo-draft/owner", headers=admin, json={"owner": "nogen@kommune.example"}
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["owner"] == "Erik Ansat"
    assert unknown.status_code == 422
    assert [error["field"] for error in unknown.json()["errors"]] == ["owner"]
    owned = portal.request("GET", "/api/management/hearings", headers=admin, params={"owner": ERIK}).json()
    assert [hearing["id"] for hearing in owned["items"]] == ["demo-draft"]
