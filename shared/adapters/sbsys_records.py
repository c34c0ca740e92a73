"""SBSYS through its REST integration API (SBSIP), as a RecordsSystem.

The calls are the ones SBSIP integrations use to journalise hearings: a token by OAuth2 client
credentials from the municipality's identity server; ``POST sag/template`` to open a case from the
template chosen by the hearing's KLE number; ``POST dokument/journaliser`` (multipart: a ``json``
part and the ``file``) to file a document; ``GET delforloeb/sag/{id}`` and
``POST delforloeb/{id}/dokument`` to link it to its step (Høringstekst, Høringssvar, Konklusion);
``GET sag/sagStatusList`` and ``PUT sag/{guid}/status`` to close the case.

Filing never happens twice. Each document's description carries a marker naming the hearing and
the document's key, and each attempt first lists the case's documents (``GET sag/{id}/dokumenter``)
and files only when the marker is not there; a case's title carries the hearing's marker and
``POST sag/search`` finds it the same way. So an answer lost after SBSYS accepted a document (a
timeout, a dropped connection, a 500 after the write) is retried safely. Attempts are retried with
exponential backoff and jitter on 5xx, 429, timeouts and connection errors, honouring
``Retry-After``; other answers are errors that a retry would not change.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
import tenacity

from shared.ports.records import CaseRequest, FiledDocument, RecordDocument, RecordStep

T = TypeVar("T")
MANIFEST_KEY = "manifest"
DEFAULT_STEP_TITLES: Mapping[RecordStep, str] = {
    RecordStep.HEARING_TEXT: "Høringstekst",
    RecordStep.RESPONSE: "Høringssvar",
    RecordStep.CONCLUSION: "Konklusion",
}


class SbsysError(RuntimeError):
    """SBSYS refused a call, or is set up in a way the portal cannot file into (no template, no step)."""


class _Retryable(Exception):
    """An answer worth asking again: 5xx or 429, with the server's Retry-After if it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class SbsysConfig:
    base_url: str  # the SBSIP API root, e.g. https://sbsip.example.dk/api/
    token_url: str
    client_id: str
    client_secret: str
    templates: Mapping[str, int]  # KLE number or prefix ("01", "01.02") -> case template id
    default_template: int | None = None  # for hearings without a KLE number or with an unmapped one
    step_titles: Mapping[RecordStep, str] = field(default_factory=lambda: dict(DEFAULT_STEP_TITLES))
    closed_status: str = "Afsluttet"
    timeout_seconds: float = 30.0
    attempts: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0


@dataclass(frozen=True)
class _Case:
    id: int
    identity: str
    number: str


def hearing_marker(hearing_id: str) -> str:
    return f"[høringsportal:{hearing_id}]"


def document_marker(hearing_id: str, key: str) -> str:
    return f"[høringsportal:{hearing_id}/{key}]"


class SbsysRecords:
    """RecordsSystem on SBSYS. Thread-safe; one instance per process shares its token."""

    def __init__(
        self,
        config: SbsysConfig,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._client = client or httpx.Client(timeout=config.timeout_seconds)
        self._sleep = sleep
        self._base = config.base_url.rstrip("/") + "/"
        self._token_lock = threading.Lock()
        self._token: tuple[str, float] | None = None  # value, monotonic expiry
        self._cases: dict[str, _Case] = {}

    # -- the port ----------------------------------------------------------------------------

    def ensure_case(self, request: CaseRequest) -> str:
        if request.case_number:
            return request.case_number
        return self._retrying(lambda: self._ensure_case_once(request))

    def file_document(self, case_number: str, hearing_id: str, document: RecordDocument) -> FiledDocument:
        return self._retrying(lambda: self._file_once(case_number, hearing_id, document))

    def write_manifest(self, case_number: str, hearing_id: str, manifest: dict[str, object]) -> str:
        body = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, default=str).encode()
        document = RecordDocument(
            key=MANIFEST_KEY,
            title="Journaliseringsoversigt",
            filename="journalisering.json",
            content_type="application/json",
            content=body,
            step=RecordStep.CONCLUSION,
        )
        return self.file_document(case_number, hearing_id, document).reference

    def read_manifest(self, case_number: str, hearing_id: str) -> dict[str, object] | None:
        def once() -> dict[str, object] | None:
            case = self._case(case_number)
            earlier = self._filed(case, document_marker(hearing_id, MANIFEST_KEY))
            if earlier is None:
                return None
            manifest = json.loads(self._call("GET", f"dokument/{earlier['Id']}/fil").content)
            if not isinstance(manifest, dict):
                raise SbsysError(f"the manifest of case {case_number} is not a JSON object")
            return manifest

        return self._retrying(once)

    def close_case(self, case_number: str, hearing_id: str) -> None:
        def once() -> None:
            case = self._case(case_number)
            statuses = self._json("GET", "sag/sagStatusList")
            closed = [status for status in statuses if status.get("Navn") == self._config.closed_status]
            if not closed:
                raise SbsysError(f"SBSYS has no case status named {self._config.closed_status!r}")
            comment = f"Høringen er journaliseret {hearing_marker(hearing_id)}"
            self._call(
                "PUT", f"sag/{case.identity}/status", json={"SagsStatusID": closed[0]["Id"], "Kommentar": comment}
            )

        self._retrying(once)

    # -- one attempt of each -----------------------------------------------------------------

    def _ensure_case_once(self, request: CaseRequest) -> str:
        marker = hearing_marker(request.hearing_id)
        for case in self._json("POST", "sag/search", json={"SagsTitel": marker}):
            if marker in str(case.get("SagsTitel", "")):
                return str(case["Nummer"])
        users = self._json("POST", "bruger/search", json={"LogonId": request.owner})
        matching = [user for user in users if str(user.get("LogonId", "")).casefold() == request.owner.casefold()]
        if not matching:
            raise SbsysError(f"SBSYS has no user with logon id {request.owner!r}")
        created = self._json(
            "POST",
            "sag/template",
            json={
                "SagsTitel": f"{request.title} {marker}",
                "SagsBehandlerID": matching[0]["Id"],
                "SkabelonId": self._template_for(request.kle),
            },
        )
        return str(created["Nummer"])

    def _file_once(self, case_number: str, hearing_id: str, document: RecordDocument) -> FiledDocument:
        case = self._case(case_number)
        marker = document_marker(hearing_id, document.key)
        filed = self._filed(case, marker)
        if filed is None:
            metadata = {
                "SagID": case.id,
                "DokumentNavn": document.filename,
                "Beskrivelse": f"{document.title} {marker}",
            }
            filed = self._json(
                "POST",
                "dokument/journaliser",
                files={
                    "json": (None, json.dumps(metadata, ensure_ascii=False), "application/json"),
                    "file": (document.filename, document.content, document.content_type),
                },
            )
        # Linking is asked every time: an attempt may have stopped between filing and linking.
        step = self._step_id(case, document.step)
        self._call("POST", f"delforloeb/{step}/dokument", json={"DokumentRegistreringId": filed["Id"]})
        return FiledDocument(
            key=document.key,
            title=document.title,
            filename=document.filename,
            content_type=document.content_type,
            sha256=hashlib.sha256(document.content).hexdigest(),
            size=len(document.content),
            reference=f"sbsys:{case.number}/dokument/{filed['Id']}",
        )

    def _filed(self, case: _Case, marker: str) -> dict[str, Any] | None:
        for earlier in self._json("GET", f"sag/{case.id}/dokumenter"):
            if marker in str(earlier.get("Beskrivelse", "")):
                return dict(earlier)
        return None

    def _case(self, case_number: str) -> _Case:
        known = self._cases.get(case_number)
        if known is None:
            found = [
                case
                for case in self._json("POST", "sag/search", json={"Nummer": case_number})
                if case.get("Nummer") == case_number
            ]
            if not found:
                raise SbsysError(f"SBSYS has no case {case_number!r}")
            known = self._cases[case_number] = _Case(int(found[0]["Id"]), str(found[0]["SagIdentity"]), case_number)
        return known

    def _step_id(self, case: _Case, step: RecordStep) -> int:
        title = self._config.step_titles[step]
        for part in self._json("GET", f"delforloeb/sag/{case.id}"):
            if part.get("Titel") == title:
                return int(part["ID"])
        raise SbsysError(f"case {case.number} has no step (delforløb) titled {title!r}")

    def _template_for(self, kle: str | None) -> int:
        if kle:
            levels = kle.split(".")
            for depth in range(len(levels), 0, -1):  # the most specific mapping wins
                template = self._config.templates.get(".".join(levels[:depth]))
                if template is not None:
                    return template
        if self._config.default_template is None:
            raise SbsysError(f"no SBSYS case template is configured for KLE number {kle!r}")
        return self._config.default_template

    # -- HTTP --------------------------------------------------------------------------------

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._call(method, path, **kwargs).json()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._client.request(method, self._base + path, headers=self._auth(), **kwargs)
        if response.status_code == 401:  # the token was revoked or expired early: one fresh token
            self._forget_token()
            response = self._client.request(method, self._base + path, headers=self._auth(), **kwargs)
        _raise_for(response, f"{method} {path}")
        return response

    def _auth(self) -> dict[str, str]:
        with self._token_lock:
            now = time.monotonic()
            if self._token is None or self._token[1] <= now:
                answer = self._client.post(
                    self._config.token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self._config.client_id,
                        "client_secret": self._config.client_secret,
                    },
                )
                _raise_for(answer, "token")
                body = answer.json()
                lifetime = float(body.get("expires_in", 300))
                # Renewed a minute early (or at half time for short tokens) so no call carries a stale one.
                self._token = (str(body["access_token"]), now + max(lifetime - 60, lifetime / 2))
            return {"Authorization": f"Bearer {self._token[0]}"}

    def _forget_token(self) -> None:
        with self._token_lock:
            self._token = None

    def _retrying(self, attempt: Callable[[], T]) -> T:
        config = self._config
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(config.attempts),
            wait=_BackoffOrRetryAfter(config.backoff_seconds, config.max_backoff_seconds),
            retry=tenacity.retry_if_exception_type((_Retryable, httpx.TransportError)),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(attempt)


class _BackoffOrRetryAfter:
    """Exponential backoff with jitter, or the server's Retry-After when it asks for longer."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._backoff = tenacity.wait_exponential_jitter(multiplier=initial, max=maximum, jitter=initial)
        self._maximum = maximum

    def __call__(self, state: tenacity.RetryCallState) -> float:
        wait = float(self._backoff(state))
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            wait = max(wait, min(error.retry_after, self._maximum))
        return wait


def _raise_for(response: httpx.Response, what: str) -> None:
    if response.status_code < 400:
        return
    if response.status_code >= 500 or response.status_code == 429:
        raise _Retryable(f"SBSYS answered {response.status_code} to {what}", _retry_after(response))
    raise SbsysError(f"SBSYS answered {response.status_code} to {what}: {response.text[:300]}")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
