"""The local host's last lines before the server's own say where to open the portal."""

from __future__ import annotations

from typing import Any

from local_host.catalog import FunctionSpec, TriggerKind
from local_host.host import where_to_start

BASE = "http://localhost:7071"


def http(name: str, route: str) -> FunctionSpec:
    def function(req: Any) -> None:
        return None

    return FunctionSpec(name, TriggerKind.HTTP, "req", function, route=route)


def timer(name: str) -> FunctionSpec:
    return FunctionSpec(name, TriggerKind.TIMER, "timer", lambda timer: None, schedule="0 */5 * * * *")


def test_the_whole_portal_says_where_the_pages_and_the_api_are() -> None:
    specs = [http("front_page", ""), http("list_hearings", "api/hearings"), timer("advance")]

    lines = where_to_start(specs, BASE, dev_sign_in=True).splitlines()

    assert lines == [
        'Open http://localhost:7071/ in a browser, and sign in with "Log ind" as one of the personas above.',
        "The API is described at http://localhost:7071/api/openapi.json.",
    ]


def test_an_app_without_pages_names_the_api_only_and_one_without_http_nothing() -> None:
    api_only = [http("submit_response", "api/hearings/{hearing_id}/responses"), http("token", "api/dev/token")]

    assert where_to_start(api_only, BASE, dev_sign_in=True).splitlines() == [
        "The API is described at http://localhost:7071/api/openapi.json."
    ]
    assert where_to_start([timer("advance")], BASE, dev_sign_in=False) == ""


def test_without_the_development_sign_in_no_persona_is_offered() -> None:
    lines = where_to_start([http("front_page", "")], BASE, dev_sign_in=False).splitlines()

    assert lines[0] == "Open http://localhost:7071/ in a browser."
