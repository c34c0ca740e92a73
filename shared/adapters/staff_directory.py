"""Staff directories: Entra ID through Microsoft Graph, or none (the portal knows who has signed in).

Graph is asked with the portal's own app identity (application permission ``User.Read.All``), the same
app registration that sends mail. Only enabled accounts count: a colleague who has left cannot be given
a hearing.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Callable

from shared.adapters.graph_mailer import GRAPH_ENDPOINT, AccessTokens, HttpAnswer, graph_request
from shared.ports.directory import Colleague, StaffDirectory
from shared.settings import Settings

log = logging.getLogger(__name__)

HttpGet = Callable[[str, dict[str, str]], HttpAnswer]
# The issuer name entra_issuer() gives Entra ID: a signed-in employee's user id is "entra:<object id>".
ENTRA_PREFIX = "entra:"
_FIELDS = "id,displayName,mail,userPrincipalName,accountEnabled"


class NoDirectory:
    """No directory: nobody is known beyond those who have signed in."""

    def find(self, key: str) -> Colleague | None:
        return None


class GraphDirectory:
    def __init__(
        self, credentials: AccessTokens, *, http_get: HttpGet | None = None, endpoint: str = GRAPH_ENDPOINT
    ) -> None:
        if not endpoint.startswith("https://"):
            raise ValueError("the Graph endpoint must be https")
        self._credentials = credentials
        self._get = http_get or urllib_get
        self._endpoint = endpoint.rstrip("/")

    def find(self, key: str) -> Colleague | None:
        key = key.strip()
        if "@" in key:
            # OData string literal: a quote is written twice, so an address cannot widen the filter.
            literal = "'" + key.lower().replace("'", "''") + "'"
            query = urllib.parse.urlencode(
                {"$filter": f"userPrincipalName eq {literal} or mail eq {literal}", "$select": _FIELDS}
            )
            answer = self._ask(f"{self._endpoint}/users?{query}")
            users = answer.get("value") if answer is not None else None
            return _colleague(users[0]) if isinstance(users, list) and len(users) == 1 else None
        if key.startswith(ENTRA_PREFIX) and len(key) > len(ENTRA_PREFIX):
            object_id = urllib.parse.quote(key[len(ENTRA_PREFIX) :], safe="")
            return _colleague(self._ask(f"{self._endpoint}/users/{object_id}?$select={_FIELDS}"))
        return None  # not an id Entra ID gives out

    def _ask(self, url: str) -> dict[str, object] | None:
        try:
            headers = {"Authorization": f"Bearer {self._credentials.token()}", "Accept": "application/json"}
            answer = self._get(url, headers)
        except Exception as error:
            log.warning("the staff directory could not be asked: %s", type(error).__name__)
            return None
        if answer.status == 404:
            return None
        if answer.status != 200:
            log.warning("the staff directory answered %d", answer.status)
            return None
        try:
            found = json.loads(answer.body)
        except ValueError:
            log.warning("the staff directory answered something that is not JSON")
            return None
        return found if isinstance(found, dict) else None


def _colleague(user: object) -> Colleague | None:
    if not isinstance(user, dict) or user.get("accountEnabled") is False:
        return None
    object_id, name = user.get("id"), user.get("displayName")
    if not isinstance(object_id, str) or not object_id or not isinstance(name, str):
        return None
    address = user.get("mail") or user.get("userPrincipalName")
    email = address.lower() if isinstance(address, str) and "@" in address else None
    return Colleague(subject=ENTRA_PREFIX + object_id, name=name, email=email)


def urllib_get(url: str, headers: dict[str, str]) -> HttpAnswer:
    return graph_request("GET", url, headers)


def provide(settings: Settings) -> StaffDirectory:
    if settings.staff_directory != "graph":
        return NoDirectory()
    from shared.adapters.msal_credentials import ClientCredentials

    secret = settings.graph_client_secret.get_secret_value() if settings.graph_client_secret else None
    return GraphDirectory(ClientCredentials(settings.graph_tenant_id or "", settings.graph_client_id or "", secret))
