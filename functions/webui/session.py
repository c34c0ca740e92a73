"""The session cookie: who is signed in (the access token the services validate) and the CSRF token.

Encrypted and authenticated (Fernet, with keys derived from the settings' session key), so the browser can
neither read a forged session into the portal nor change its own, and nobody who sees the cookie (a shared
computer, a proxy's log) can read the token in it, which names the person and carries a MitID login's CPR
number. Short-lived, and renewed on every page a signed-in person opens. ``HttpOnly``, ``SameSite=Lax``
and ``Secure`` except on a development address (http://localhost).
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SESSION_COOKIE = "portal_session"
SIGN_IN_COOKIE = "portal_sign_in"
LANGUAGE_COOKIE = "portal_lang"
SESSION_SECONDS = 30 * 60
SIGN_IN_SECONDS = 10 * 60
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    token: str | None = None
    name: str | None = None

    def checks(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf, sent or "")


class Cookies:
    """Reads and writes the portal's cookies for one base URL and one signing key."""

    def __init__(self, key: str, base_url: str) -> None:
        self._sessions = _Sealer(key, b"portal-session")
        self._sign_ins = _Sealer(key, b"portal-sign-in")
        self.secure = not (urlsplit(base_url).scheme == "http" and urlsplit(base_url).hostname in LOCAL_HOSTS)

    def session(self, header: str | None) -> Session | None:
        data = self._load(self._sessions, read_cookie(header, SESSION_COOKIE), SESSION_SECONDS)
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        return Session(csrf=data["csrf"], token=data.get("token"), name=data.get("name"))

    def session_cookie(self, session: Session) -> str:
        value = self._sessions.dumps({"csrf": session.csrf, "token": session.token, "name": session.name})
        return self._cookie(SESSION_COOKIE, value, SESSION_SECONDS)

    def sign_in(self, header: str | None) -> dict[str, Any] | None:
        data = self._load(self._sign_ins, read_cookie(header, SIGN_IN_COOKIE), SIGN_IN_SECONDS)
        return data if isinstance(data, dict) else None

    def sign_in_cookie(self, pending: dict[str, Any]) -> str:
        return self._cookie(SIGN_IN_COOKIE, self._sign_ins.dumps(pending), SIGN_IN_SECONDS)

    def expired(self, name: str) -> str:
        return self._cookie(name, "", 0)

    def language_cookie(self, language: str) -> str:
        return self._cookie(LANGUAGE_COOKIE, language, 365 * 24 * 3600)

    def _cookie(self, name: str, value: str, max_age: int) -> str:
        parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

    @staticmethod
    def _load(sealer: _Sealer, value: str | None, max_age: int) -> Any:
        return sealer.loads(value, max_age) if value else None


class _Sealer:
    """JSON in and out of a Fernet token (AES-CBC with an HMAC, and the time it was made), under a key of
    its own for each purpose, so a sign-in cookie can never be read as a session."""

    def __init__(self, key: str, purpose: bytes) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def dumps(self, data: object) -> str:
        return self._fernet.encrypt(json.dumps(data, separators=(",", ":")).encode()).decode("ascii")

    def loads(self, value: str, max_age: int) -> Any:
        try:
            return json.loads(self._fernet.decrypt(value.encode("ascii", "replace"), ttl=max_age))
        except (InvalidToken, ValueError):  # forged, changed, expired, or not one of ours
            return None


def read_cookie(header: str | None, name: str) -> str | None:
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header from the browser means no cookie, not an error page
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None
