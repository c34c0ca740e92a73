"""The portal's own identity towards Microsoft APIs (Graph): OAuth 2.0 client credentials through MSAL.

Only for calls the portal makes itself. Incoming tokens are validated by ``jwt_validator``, never
here. MSAL keeps the token in its cache and asks Entra ID again only shortly before it expires.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
AUTHORITY = "https://login.microsoftonline.com"
TIMEOUT_SECONDS = 10.0


class CredentialsError(Exception):
    """No token could be acquired; the message names Entra's error code, never a secret."""


class ConfidentialApp(Protocol):
    """The part of ``msal.ConfidentialClientApplication`` used here."""

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any] | None: ...


AppFactory = Callable[[str, str, str | dict[str, str]], ConfidentialApp]


def msal_app(
    authority: str, client_id: str, credential: str | dict[str, str], http_client: Any = None
) -> ConfidentialApp:
    """MSAL's confidential client with its own in-memory token cache; ``http_client`` is for tests."""
    import msal

    options: dict[str, Any] = {"http_client": http_client} if http_client is not None else {"timeout": TIMEOUT_SECONDS}
    app: ConfidentialApp = msal.ConfidentialClientApplication(
        client_id, client_credential=credential, authority=authority, token_cache=msal.TokenCache(), **options
    )
    return app


class ClientCredentials:
    """Access tokens for the portal's app registration.

    Give ``client_secret`` or ``certificate`` (MSAL's certificate mapping, e.g. ``{"private_key": pem,
    "thumbprint": hex}``). The MSAL application is made on first use: making it asks Entra ID for
    the tenant's metadata, which a cold start that never sends mail should not pay for.
    """

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: str | None = None,
        certificate: Mapping[str, str] | None = None,
        *,
        app_factory: AppFactory = msal_app,
    ) -> None:
        if (client_secret is None) == (certificate is None):
            raise ValueError("give exactly one of client_secret and certificate")
        if not tenant_id or not client_id:
            raise ValueError("tenant_id and client_id are required")
        self.tenant_id = tenant_id
        self.client_id = client_id
        self._credential: str | dict[str, str] = client_secret if client_secret is not None else dict(certificate or {})
        self._factory = app_factory
        self._app: ConfidentialApp | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the secret
        return f"ClientCredentials(tenant_id={self.tenant_id!r}, client_id={self.client_id!r})"

    def token(self, scope: str = GRAPH_SCOPE) -> str:
        """A bearer token for ``scope``, from MSAL's cache while it is valid."""
        # One caller at a time: MSAL's cache is thread-safe, but two threads missing it together
        # would both ask Entra ID for a token.
        with self._lock:
            if self._app is None:
                self._app = self._factory(f"{AUTHORITY}/{self.tenant_id}", self.client_id, self._credential)
            try:
                result = self._app.acquire_token_for_client(scopes=[scope])
            except Exception as error:
                raise CredentialsError(f"could not reach Entra ID for a token: {type(error).__name__}") from error
        if not result or not isinstance(result.get("access_token"), str):
            code = (result or {}).get("error") or "no_token"
            raise CredentialsError(f"Entra ID refused the portal's client credentials ({code})")
        return str(result["access_token"])
