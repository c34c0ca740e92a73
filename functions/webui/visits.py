"""From a request to a ``Visit``: the language, the session and who is signed in; the sign-in settings."""

from __future__ import annotations

import functools
import secrets
from urllib.parse import parse_qsl

import azure.functions as func

from functions.webui import i18n, multipart
from functions.webui.pages import Visit
from functions.webui.session import LANGUAGE_COOKIE, Cookies, Session, read_cookie
from shared.bootstrap import call, dependencies
from shared.domain.identity import Identity
from shared.ports.identity import InvalidToken
from shared.services import owners
from shared.settings import Settings

MAX_FORM_BYTES = 200_000
# Employees this process has noted as known to the portal (whom an admin may make a hearing's owner):
# one read per employee per process, a write only when their name or address changed.
_NOTED_EMPLOYEES: set[str] = set()


@functools.cache
def _cookies_for(key: str, base_url: str) -> Cookies:
    return Cookies(key, base_url)


@functools.cache
def _process_key() -> str:
    # Without PORTAL_WEB_SESSION_KEY: a key of this process, so a restart signs everyone out.
    return secrets.token_urlsafe(32)


def cookies() -> Cookies:
    settings = dependencies().settings
    key = settings.web_session_key.get_secret_value() if settings.web_session_key else _process_key()
    return _cookies_for(key, settings.public_base_url)


def sign_in_issuer(settings: Settings) -> str | None:
    if settings.web_sign_in_issuer:
        return settings.web_sign_in_issuer
    if settings.dev_issuer:
        return f"{settings.public_base_url.rstrip('/')}/api/dev"
    return settings.broker_issuer


def visit_of(req: func.HttpRequest, path: str) -> tuple[Visit, Identity | None]:
    jar = cookies()
    header = req.headers.get("cookie")
    wanted = req.params.get("lang")
    language = i18n.language_of(wanted or read_cookie(header, LANGUAGE_COOKIE))
    session = jar.session(header)
    fresh = session is None
    session = session or Session()
    who = _identity(session)
    if who is not None and who.is_employee and who.subject not in _NOTED_EMPLOYEES:
        call(owners.remember_employee, who)
        _NOTED_EMPLOYEES.add(who.subject)
    query = {name: value for name, value in req.params.items() if name != "lang"}
    visit = Visit(language, path, query, session, who.name if who else None, areas=areas_of(who))
    if wanted in i18n.LANGUAGES:
        visit.set_cookies.append(jar.language_cookie(language))
    if fresh or who is not None or (session.token and who is None):
        if session.token and who is None:
            session.token, session.name = None, None  # expired or refused: signed out
        visit.set_cookies.append(jar.session_cookie(session))  # renewed on use
    return visit, who


def areas_of(who: Identity | None) -> list[tuple[str, str]]:
    """The header's links to the signed-in areas: "mine" for everyone, hearings to run, administration."""
    if who is None:
        return []
    areas = [("/mine", N_("My pages"))]
    if who.is_employee:  # owners and reviewers are employees; creating a hearing needs a role
        areas.append(("/sagsbehandler", N_("My hearings")))
    if who.is_admin:
        areas.append(("/administration", N_("Administration")))
    return areas


def N_(message: str) -> str:
    return message


def _identity(session: Session) -> Identity | None:
    if not session.token:
        return None
    try:
        return dependencies().tokens.validate(session.token)
    except InvalidToken:
        return None


class UnreadableForm(Exception):
    """A posted form whose fields are not UTF-8 text: refused rather than stored with replacement characters."""


def form_of(req: func.HttpRequest) -> dict[str, str]:
    """The fields of a posted form; a multipart form's files arrive as their text (receipt files are JSON)."""
    content_type = req.headers.get("content-type") or ""
    if content_type.lower().startswith("multipart/form-data"):
        posted = multipart.parse(content_type, req.get_body())
        if posted.undecodable:
            raise UnreadableForm
        texts = {f.field: f.data[:MAX_FORM_BYTES].decode("utf-8", errors="replace") for f in posted.files}
        return {**texts, **posted.fields}
    try:
        body = req.get_body()[:MAX_FORM_BYTES].decode("utf-8")
        pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=50, errors="strict")
    except UnicodeDecodeError:
        raise UnreadableForm from None
    except ValueError:
        return {}
    return dict(pairs)


def files_of(req: func.HttpRequest, name: str) -> list[multipart.UploadedFile]:
    """The files posted in the field ``name`` of a multipart form (none for any other form)."""
    content_type = req.headers.get("content-type") or ""
    if not content_type.lower().startswith("multipart/form-data"):
        return []
    return [f for f in multipart.parse(content_type, req.get_body()).files if f.field == name]
