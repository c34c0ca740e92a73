"""Staff directories: Entra ID's users through Microsoft Graph, and the development personas, answer alike."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from pydantic import ValidationError

from local_host.dev_identity.personas import PersonaDirectory
from shared.adapters.graph_mailer import HttpAnswer
from shared.adapters.staff_directory import GraphDirectory, NoDirectory, provide
from shared.ports.directory import Colleague, StaffDirectory
from shared.settings import Settings

ERIK = {
    "id": "0b7c5f2e-1111-4a4a-9999-5e5e5e5e5e5e",
    "displayName": "Erik Ansat",
    "mail": "Erik.Ansat@kommune.example",
    "userPrincipalName": "erik.ansat@kommune.example",
    "accountEnabled": True,
}
LEFT = {
    "id": "9d9d9d9d-2222-4b4b-8888-6f6f6f6f6f6f",
    "displayName": "Lone Fratrådt",
    "mail": "lone@kommune.example",
    "userPrincipalName": "lone@kommune.example",
    "accountEnabled": False,
}


class FakeGraph:
    """Answers the two questions the directory asks, from a list of users, and keeps the requests."""

    def __init__(self, users: list[dict[str, Any]], status: int = 200) -> None:
        self.users = users
        self.status = status
        self.requests: list[tuple[str, dict[str, str]]] = []

    def __call__(self, url: str, headers: dict[str, str]) -> HttpAnswer:
        self.requests.append((url, headers))
        if self.status != 200:
            return HttpAnswer(self.status, {}, b'{"error": {"code": "x"}}')
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qs(parts.query)
        if parts.path.endswith("/users"):
            wanted = query["$filter"][0].split("'")[1]
            found = [u for u in self.users if wanted in (u["mail"].lower(), u["userPrincipalName"].lower())]
            return HttpAnswer(200, {}, json.dumps({"value": found}).encode())
        object_id = urllib.parse.unquote(parts.path.rsplit("/", 1)[1])
        for user in self.users:
            if user["id"] == object_id:
                return HttpAnswer(200, {}, json.dumps(user).encode())
        return HttpAnswer(404, {}, b'{"error": {"code": "Request_ResourceNotFound"}}')


class Tokens:
    def token(self, scope: str = "https://graph.microsoft.com/.default") -> str:
        return "app-token"


def graph(users: list[dict[str, Any]] | None = None, status: int = 200) -> tuple[GraphDirectory, FakeGraph]:
    fake = FakeGraph(users if users is not None else [ERIK, LEFT], status)
    return GraphDirectory(Tokens(), http_get=fake), fake


# -- what every directory does ---------------------------------------------------------------------------

DIRECTORIES: dict[str, tuple[StaffDirectory, str, Colleague]] = {
    "graph": (
        graph()[0],
        "erik.ansat@kommune.example",
        Colleague(f"entra:{ERIK['id']}", "Erik Ansat", "erik.ansat@kommune.example"),
    ),
    "personas": (
        PersonaDirectory(),
        "erik.ansat@kommune.example",
        Colleague("dev:employee", "Erik Ansat", "erik.ansat@kommune.example"),
    ),
}


@pytest.mark.parametrize("name", list(DIRECTORIES))
def test_an_employee_is_found_by_address_in_any_case_and_by_user_id_alike(name: str) -> None:
    directory, address, colleague = DIRECTORIES[name]
    assert directory.find(address.upper()) == colleague
    assert directory.find(f"  {address} ") == colleague
    assert directory.find(colleague.subject) == colleague


@pytest.mark.parametrize("name", list(DIRECTORIES))
def test_nobody_is_made_up(name: str) -> None:
    directory, _, colleague = DIRECTORIES[name]
    for key in ("nogen@kommune.example", colleague.subject + "x", "Erik Ansat", "", "mitid:0101901234"):
        assert directory.find(key) is None


# -- Graph in particular ---------------------------------------------------------------------------------


def test_graph_is_asked_with_the_apps_token_for_the_fields_it_needs() -> None:
    directory, fake = graph()
    directory.find("erik.ansat@kommune.example")
    url, headers = fake.requests[0]
    assert url.startswith("https://graph.microsoft.com/v1.0/users?")
    assert headers["Authorization"] == "Bearer app-token"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["$select"] == ["id,displayName,mail,userPrincipalName,accountEnabled"]
    assert query["$filter"] == [
        "userPrincipalName eq 'erik.ansat@kommune.example' or mail eq 'erik.ansat@kommune.example'"
    ]


def test_a_quote_in_an_address_cannot_widen_graphs_filter() -> None:
    directory, fake = graph()
    assert directory.find("x' or startswith(mail,'e@kommune.example") is None
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(fake.requests[0][0]).query)
    assert query["$filter"][0].startswith("userPrincipalName eq 'x'' or startswith(mail,''e@kommune.example'")


def test_an_account_that_is_switched_off_or_an_address_two_people_share_finds_nobody() -> None:
    directory, _ = graph([ERIK, LEFT, {**ERIK, "id": "another", "userPrincipalName": "erik2@kommune.example"}])
    assert directory.find("lone@kommune.example") is None
    assert directory.find(f"entra:{LEFT['id']}") is None
    assert directory.find("erik.ansat@kommune.example") is None  # two accounts carry this mail address


@pytest.mark.parametrize("status", [401, 403, 429, 500, 503])
def test_graph_refusing_or_failing_finds_nobody_instead_of_failing_the_request(status: int) -> None:
    directory, _ = graph(status=status)
    assert directory.find("erik.ansat@kommune.example") is None
    assert directory.find(f"entra:{ERIK['id']}") is None


def test_without_a_directory_nobody_is_found() -> None:
    assert NoDirectory().find("erik.ansat@kommune.example") is None


# -- choosing one ----------------------------------------------------------------------------------------

GRAPH_APP = {
    "PORTAL_GRAPH_TENANT_ID": "tenant",
    "PORTAL_GRAPH_CLIENT_ID": "client",
    "PORTAL_GRAPH_CLIENT_SECRET": "secret",
}


def test_the_graph_directory_needs_the_app_registration_and_nothing_for_mail() -> None:
    with pytest.raises(ValidationError, match="PORTAL_STAFF_DIRECTORY=graph needs PORTAL_GRAPH_CLIENT_SECRET"):
        Settings.from_environment({**GRAPH_APP, "PORTAL_STAFF_DIRECTORY": "graph", "PORTAL_GRAPH_CLIENT_SECRET": ""})
    with pytest.raises(ValidationError, match="unresolved Key Vault reference"):
        Settings.from_environment(
            {**GRAPH_APP, "PORTAL_STAFF_DIRECTORY": "graph", "PORTAL_GRAPH_CLIENT_SECRET": "@Microsoft.KeyVault(x)"}
        )
    settings = Settings.from_environment({**GRAPH_APP, "PORTAL_STAFF_DIRECTORY": "graph"})
    assert isinstance(provide(settings), GraphDirectory)
    assert isinstance(provide(Settings.from_environment({})), NoDirectory)
