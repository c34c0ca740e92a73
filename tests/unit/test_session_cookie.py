"""The web pages' session cookie: nobody who sees it can read or change what is in it."""

from __future__ import annotations

import base64
import time

import pytest

from functions.webui.session import SESSION_COOKIE, SESSION_SECONDS, SIGN_IN_COOKIE, Cookies, Session

BASE_URL = "https://hoeringsportal.example.dk"
# What a MitID token carries: the person's name and CPR number among its claims.
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJuZW1sb2dpbi5jcHIiOiIwMTAxOTAxMjM0IiwibmFtZSI6IkFubmEgSmVuc2VuIn0.c2ln"


def _value(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def _as_header(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0]


def _readable(value: str) -> str:
    """Everything the value could say to someone who decodes it as base64, layer by layer."""
    seen = value
    for _ in range(3):
        try:
            value = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("latin-1")
        except ValueError:
            break
        seen += value
    return seen


def test_the_session_cookie_gives_back_the_session_and_hides_the_token() -> None:
    cookies = Cookies("a-session-key", BASE_URL)
    session = Session(token=TOKEN, name="Anna Jensen")

    set_cookie = cookies.session_cookie(session)
    back = cookies.session(_as_header(set_cookie))

    assert back == session
    readable = _readable(_value(set_cookie))
    for secret in (TOKEN, "0101901234", "Anna", "nemlogin", session.csrf):
        assert secret not in readable
    assert "HttpOnly" in set_cookie and "Secure" in set_cookie and "SameSite=Lax" in set_cookie


def test_a_changed_forged_or_foreign_cookie_is_no_session() -> None:
    cookies = Cookies("a-session-key", BASE_URL)
    value = _value(cookies.session_cookie(Session(token=TOKEN)))
    changed = value[:-5] + ("A" if value[-5] != "A" else "B") + value[-4:]
    other_key = _value(Cookies("another-key", BASE_URL).session_cookie(Session(token=TOKEN)))
    sign_in = _value(cookies.sign_in_cookie({"state": "s", "verifier": "v"}))

    for forged in (changed, other_key, sign_in, "not-a-cookie", "é" * 20):
        assert cookies.session(f"{SESSION_COOKIE}={forged}") is None
    assert cookies.sign_in(f"{SIGN_IN_COOKIE}={sign_in}") == {"state": "s", "verifier": "v"}
    assert cookies.sign_in(f"{SIGN_IN_COOKIE}={value}") is None  # a session is never read as a sign-in


def test_a_session_cookie_older_than_the_session_lasts_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    cookies = Cookies("a-session-key", BASE_URL)
    made_at = time.time()
    header = _as_header(cookies.session_cookie(Session(token=TOKEN)))

    monkeypatch.setattr(time, "time", lambda: made_at + SESSION_SECONDS - 5)
    assert cookies.session(header) is not None
    monkeypatch.setattr(time, "time", lambda: made_at + SESSION_SECONDS + 5)
    assert cookies.session(header) is None
