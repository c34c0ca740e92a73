"""E-mail through Microsoft Graph with the portal's own client credentials, each notification once."""

from __future__ import annotations

import functools
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.adapters.graph_mailer import (
    BlobSentLog,
    GraphMailer,
    HttpAnswer,
    MailerByChannel,
    MailError,
    retry_after_seconds,
)
from shared.adapters.local_outbox import LocalOutbox
from shared.adapters.msal_credentials import GRAPH_SCOPE, ClientCredentials, CredentialsError, msal_app
from shared.ports.mail import Notification, RetryLater, Undeliverable
from shared.settings import Settings
from tests.fakes import FakeMailer, FixedClock, InMemoryFiles

TENANT = "0d1f6a4e-5b7c-4e55-9a35-2b1f0c9e7a11"
CLIENT_ID = "6e8d2c1a-3b4f-4c5d-8e9f-0a1b2c3d4e5f"
SECRET = "client-secret-value"
SENDER = "hoeringer@kommune.example"
NOW = datetime(2026, 12, 12, 11, 0, tzinfo=UTC)


def notification(notification_id: str = "hearing-1:opened:anna", channel: str = "email") -> Notification:
    return Notification(
        notification_id=notification_id,
        channel=channel,  # type: ignore[arg-type]
        recipient="anna@borger.example",
        subject="Høringen er åbnet:\n Lokalplan",
        text="Høringen er åbnet.",
        html="<p>Høringen er åbnet.</p>",
    )


# --- client credentials through MSAL ------------------------------------------------------------


class FakeApp:
    def __init__(self, answers: list[dict[str, Any] | Exception]) -> None:
        self.answers = answers
        self.scopes: list[list[str]] = []

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any] | None:
        self.scopes.append(scopes)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def credentials_with(app: FakeApp, made: list[tuple[str, str, Any]] | None = None) -> ClientCredentials:
    def factory(authority: str, client_id: str, credential: Any) -> FakeApp:
        if made is not None:
            made.append((authority, client_id, credential))
        return app

    return ClientCredentials(TENANT, CLIENT_ID, SECRET, app_factory=factory)


def test_a_token_comes_from_the_tenants_authority_for_graph() -> None:
    made: list[tuple[str, str, Any]] = []
    app = FakeApp([{"access_token": "graph-token", "expires_in": 3599}])
    credentials = credentials_with(app, made)

    assert credentials.token() == "graph-token"
    assert credentials.token() == "graph-token"
    assert made == [(f"https://login.microsoftonline.com/{TENANT}", CLIENT_ID, SECRET)]  # one app per process
    assert app.scopes == [[GRAPH_SCOPE], [GRAPH_SCOPE]]


def test_a_refusal_names_entras_error_code_but_not_its_description() -> None:
    app = FakeApp([{"error": "invalid_client", "error_description": f"AADSTS7000215: Invalid secret {SECRET}"}])

    with pytest.raises(CredentialsError) as caught:
        credentials_with(app).token()

    assert "invalid_client" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_an_unreachable_entra_is_a_credentials_error() -> None:
    with pytest.raises(CredentialsError, match="could not reach Entra ID"):
        credentials_with(FakeApp([ConnectionError("no route")])).token()


def test_many_threads_make_one_app() -> None:
    made: list[tuple[str, str, Any]] = []
    credentials = credentials_with(FakeApp([{"access_token": "t"}]), made)

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = list(pool.map(lambda _: credentials.token(), range(32)))

    assert tokens == ["t"] * 32
    assert len(made) == 1


def test_a_secret_or_a_certificate_and_never_shown() -> None:
    with pytest.raises(ValueError):
        ClientCredentials(TENANT, CLIENT_ID)
    with pytest.raises(ValueError):
        ClientCredentials(TENANT, CLIENT_ID, SECRET, certificate={"private_key": "pem", "thumbprint": "ab"})

    assert SECRET not in repr(ClientCredentials(TENANT, CLIENT_ID, SECRET))


class FakeEntra:
    """Answers MSAL's requests as Entra ID would: tenant metadata, then client credential tokens."""

    class Answer:
        def __init__(self, body: dict[str, Any]) -> None:
            self.status_code = 200
            self.text = json.dumps(body)
            self.headers: dict[str, str] = {"content-type": "application/json"}

        def raise_for_status(self) -> None:
            pass

    def __init__(self) -> None:
        self.token_requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def get(self, url: str, **kwargs: Any) -> FakeEntra.Answer:
        base = f"https://login.microsoftonline.com/{TENANT}"
        return self.Answer(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "tenant_region_scope": "EU",
            }
        )

    def post(self, url: str, data: Any = None, **kwargs: Any) -> FakeEntra.Answer:
        with self._lock:
            self.token_requests.append(dict(data or {}))
        return self.Answer({"token_type": "Bearer", "expires_in": 3599, "access_token": "from-entra"})

    def close(self) -> None:
        pass


def test_msal_serves_the_second_token_from_its_cache() -> None:
    entra = FakeEntra()
    credentials = ClientCredentials(
        TENANT, CLIENT_ID, SECRET, app_factory=functools.partial(msal_app, http_client=entra)
    )

    assert credentials.token() == credentials.token() == "from-entra"
    assert len(entra.token_requests) == 1
    assert entra.token_requests[0]["grant_type"] == "client_credentials"
    assert entra.token_requests[0]["scope"].split() == [GRAPH_SCOPE]


# --- sending through Graph -------------------------------------------------------------------------


class FakeGraph:
    """Answers with ``status`` and ``body``; ``answers`` first, one per request, when given."""

    def __init__(self, status: int = 202, body: bytes = b"", answers: list[HttpAnswer] | None = None) -> None:
        self.answer = HttpAnswer(status, {}, body)
        self.answers = list(answers or [])
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> HttpAnswer:
        self.requests.append((url, json.loads(body), headers))
        return self.answers.pop(0) if self.answers else self.answer


class FixedToken:
    def token(self, scope: str = GRAPH_SCOPE) -> str:
        return "graph-token"


def mailer(graph: FakeGraph, files: InMemoryFiles | None = None, waits: list[float] | None = None) -> GraphMailer:
    sent = BlobSentLog(files or InMemoryFiles(), "records")
    return GraphMailer(
        FixedToken(),
        SENDER,
        already_sent=sent.already_sent,
        mark_sent=sent.mark_sent,
        http_post=graph.post,
        sleep=(waits if waits is not None else []).append,
        clock=FixedClock(NOW),
    )


def test_an_email_is_posted_to_the_senders_sendmail() -> None:
    graph = FakeGraph()

    assert mailer(graph).send(notification()) is True

    ((url, body, headers),) = graph.requests
    assert url == f"https://graph.microsoft.com/v1.0/users/{SENDER}/sendMail"
    assert headers["Authorization"] == "Bearer graph-token"
    assert headers["Content-Type"].startswith("application/json")
    message = body["message"]
    assert message["subject"] == "Høringen er åbnet: Lokalplan"
    assert message["body"] == {"contentType": "HTML", "content": "<p>Høringen er åbnet.</p>"}
    assert message["toRecipients"] == [{"emailAddress": {"address": "anna@borger.example"}}]
    assert {"name": "X-Portal-Notification-Id", "value": "hearing-1:opened:anna"} in message["internetMessageHeaders"]
    assert body["saveToSentItems"] is False


def test_a_notification_is_sent_once_even_when_redelivered() -> None:
    graph, files = FakeGraph(), InMemoryFiles()

    first = mailer(graph, files).send(notification())
    again = mailer(graph, files).send(notification())  # another invocation, the same store
    other = mailer(graph, files).send(notification("hearing-1:opened:bo"))

    assert (first, again, other) == (True, False, True)
    assert len(graph.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 500, 502])
def test_a_refused_send_raises_and_is_tried_again_next_time(status: int) -> None:
    failing, files = (
        FakeGraph(status, b'{"error": {"code": "ErrorInvalidRecipients", "message": "anna@borger.example"}}'),
        InMemoryFiles(),
    )

    with pytest.raises(MailError) as caught:
        mailer(failing, files).send(notification())
    retried = mailer(FakeGraph(), files).send(notification())

    assert str(status) in str(caught.value) and "ErrorInvalidRecipients" in str(caught.value)
    assert "anna@borger.example" not in str(caught.value)
    assert retried is True


def test_an_invalid_recipient_is_undeliverable_while_other_refusals_may_pass() -> None:
    with pytest.raises(Undeliverable):
        mailer(FakeGraph(400, b'{"error": {"code": "ErrorInvalidRecipients"}}')).send(notification())
    with pytest.raises(MailError) as caught:
        mailer(FakeGraph(500)).send(notification())

    assert not isinstance(caught.value, Undeliverable | RetryLater)


@pytest.mark.parametrize("status", [429, 503])
def test_a_short_retry_after_is_waited_out_and_the_mail_goes_once(status: int) -> None:
    answers = [HttpAnswer(status, {"retry-after": "2"}, b""), HttpAnswer(status, {"retry-after": "3"}, b"")]
    graph, files, waits = FakeGraph(answers=answers), InMemoryFiles(), list[float]()

    assert mailer(graph, files, waits).send(notification()) is True

    assert waits == [2.0, 3.0]
    assert len(graph.requests) == 3
    assert mailer(graph, files).send(notification()) is False


@pytest.mark.parametrize("status", [429, 503])
def test_a_long_retry_after_becomes_retry_later_without_marking_it_sent(status: int) -> None:
    graph, files = FakeGraph(answers=[HttpAnswer(status, {"retry-after": "120"}, b"")]), InMemoryFiles()
    waits: list[float] = []

    with pytest.raises(RetryLater) as caught:
        mailer(graph, files, waits).send(notification())
    retried = mailer(FakeGraph(), files).send(notification())

    assert caught.value.after == 120.0
    assert isinstance(caught.value, MailError)  # whoever caught MailError before still catches it
    assert waits == []
    assert retried is True


def test_waits_add_up_to_the_budget_and_no_further() -> None:
    throttled = HttpAnswer(429, {"retry-after": "4"}, b"")
    graph, waits = FakeGraph(answers=[throttled, throttled, throttled, throttled]), list[float]()

    with pytest.raises(RetryLater):
        mailer(graph, waits=waits).send(notification())

    assert waits == [4.0, 4.0]  # a third wait would pass the 10 s budget
    assert len(graph.requests) == 3


def test_retry_after_is_seconds_or_an_http_date() -> None:
    assert retry_after_seconds("7", NOW) == 7.0
    assert retry_after_seconds("Sat, 12 Dec 2026 11:01:30 GMT", NOW) == 90.0
    assert retry_after_seconds("Sat, 12 Dec 2026 10:00:00 GMT", NOW) == 0.0
    assert retry_after_seconds(None, NOW) == retry_after_seconds("soon", NOW) > 0


def test_graph_mailer_sends_email_only() -> None:
    with pytest.raises(ValueError, match="e-mail only"):
        mailer(FakeGraph()).send(notification(channel="digital-post"))


def test_each_channel_goes_to_its_own_mailer() -> None:
    email, digital_post = FakeMailer(), FakeMailer()
    by_channel = MailerByChannel({"email": email, "digital-post": digital_post})

    by_channel.send(notification("a"))
    by_channel.send(notification("b", channel="digital-post"))

    assert [n.notification_id for n in email.sent] == ["a"]
    assert [n.notification_id for n in digital_post.sent] == ["b"]


def test_bootstrap_sends_email_through_graph_and_digital_post_to_the_outbox(tmp_path: Path) -> None:
    settings = Settings(
        mailer="graph",
        graph_tenant_id=TENANT,
        graph_client_id=CLIENT_ID,
        graph_client_secret=SECRET,  # type: ignore[arg-type]  # pydantic makes it a SecretStr
        mail_sender=SENDER,
    )

    chosen = bootstrap._mailer(settings, tmp_path, InMemoryFiles())
    local = bootstrap._mailer(Settings(), tmp_path, InMemoryFiles())
    chosen.send(notification("dp-1", channel="digital-post"))

    assert isinstance(chosen, MailerByChannel)
    assert isinstance(local, LocalOutbox)
    assert [path.name for path in (tmp_path / "outbox").glob("*.eml")] == ["dp-1.eml"]
