"""Admins' notification templates over real HTTP: read, replace, refuse a sandbox escape, preview, undo."""

from __future__ import annotations

from tests.e2e.test_portal_slice import assert_problem, token
from tests.local_host_fixture import LocalHostProcess

ROUTE = "/api/management/notification-templates/new_hearing/en"


def test_an_admin_replaces_previews_and_resets_a_template_and_an_escape_is_refused(portal: LocalHostProcess) -> None:
    ada, creator = token(portal, "admin"), token(portal, "hearing-creator")
    built_in = portal.request("GET", ROUTE, headers=ada)
    assert built_in.status_code == 200, built_in.text
    assert built_in.json()["custom"] is False and "c.hearing.title" in built_in.json()["subject"]
    assert portal.request("GET", ROUTE, headers=creator).status_code == 403

    escape = {**built_in.json(), "html": "{{ ''.__class__.__mro__ }}"}
    own = {
        "subject": "Have your say: {{ c.hearing.title }}",
        "html": "<p>{{ c.summary }}</p>",
        "text": "{{ c.summary }}",
    }
    assert_problem(portal.request("PUT", ROUTE, headers=ada, json={k: escape[k] for k in own}), 422, "html")
    assert_problem(portal.request("PUT", ROUTE, headers=ada, json={**own, "text": "{{ c.sumary }}"}), 422, "text")
    stored = portal.request("PUT", ROUTE, headers=ada, json=own)
    assert stored.status_code == 200, stored.text
    assert stored.json()["custom"] is True

    shown = portal.request("POST", f"{ROUTE}/preview", headers=ada, json={"html": "<p>{{ c.hearing.title }}!</p>"})
    assert shown.status_code == 200, shown.text
    assert shown.json()["subject"] == "Have your say: Lokalplan for Ørestad Syd"
    assert shown.json()["html"] == "<p>Lokalplan for Ørestad Syd!</p>\n"
    assert_problem(
        portal.request("POST", f"{ROUTE}/preview", headers=ada, json={"subject": "{{ ''.__class__ }}"}), 422, "subject"
    )

    reset = portal.request("DELETE", ROUTE, headers=ada)
    assert reset.status_code == 200 and reset.json()["custom"] is False
    assert reset.json()["subject"] == built_in.json()["subject"]
