"""The owner's words in a hearing's notices, set and previewed over real HTTP."""

from __future__ import annotations

from tests.e2e.test_portal_slice import assert_problem, token
from tests.local_host_fixture import LocalHostProcess


def test_an_owner_sets_and_previews_the_notices_words_and_markup_arrives_as_text(portal: LocalHostProcess) -> None:
    creator, employee = token(portal, "hearing-creator"), token(portal, "employee")
    created = portal.request(
        "POST",
        "/api/hearings",
        headers=creator,
        json={"templateId": "lokalplan", "title": "Lokalplan for Ørestad Syd", "caseNumber": "2026-901"},
    )
    assert created.status_code == 201, created.text
    hearing_id = created.json()["id"]
    route = f"/api/hearings/{hearing_id}/notification-text"
    words = {"da": {"subject": "Ørestad Syd", "introduction": "Kære nabo <script>alert(1)</script>"}}

    assert_problem(
        portal.request("PUT", route, headers=creator, json={"da": {"subject": "to\nlinjer"}}), 422, "da.subject"
    )
    assert portal.request("PUT", route, headers=employee, json=words).status_code == 404  # not theirs to see
    stored = portal.request("PUT", route, headers=creator, json=words)
    assert stored.status_code == 200, stored.text
    assert stored.json()["da"]["subject"] == "Ørestad Syd" and stored.json()["en"] is None

    shown = portal.request("POST", f"{route}/preview", headers=creator, json={"template": "deadline_soon"})
    assert shown.status_code == 200, shown.text
    preview = shown.json()
    assert preview["subject"].endswith(": Ørestad Syd")
    assert preview["text"].startswith("Kære nabo <script>alert(1)</script>\n")
    assert "<script>" not in preview["html"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in preview["html"]
    english = portal.request("POST", f"{route}/preview", headers=creator, json={"language": "en"})
    assert english.json()["subject"] == "New hearing: Lokalplan for Ørestad Syd"  # no English words: the title
    assert_problem(
        portal.request("POST", f"{route}/preview", headers=creator, json={"template": "digest"}), 422, "template"
    )
