"""A portal for the authorisation matrix: real handlers, real tokens, hearings of every kind.

The world is built once through the services into a template SQLite file: two sets of hearings,
one of each kind (draft, scheduled, active external, active internal, active closed, concluded).
The "lived-in" set has a screened response in every hearing that can hold one and every signed-in
persona following every hearing; the "pristine" set has neither, for submitting and following.
A request that may change something runs against its own copy of the template, so every cell of
the matrix starts from the same state; read-only requests share one copy.

Tokens are real: the development issuer signs them and the real JwtValidator checks them. The
reviewer and the invitee are people the issuer's persona list does not have, so their tokens are
signed with the issuer's key directly, with the claims the login brokers send.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import azure.functions as func
import jwt
from azure.functions.decorators.http import HttpTrigger
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import function_app
from functions.http import API_PREFIX
from local_host import dev_identity
from local_host.dev_identity import functions as dev_functions
from local_host.dev_identity.issuer import DevIssuer
from shared import bootstrap, injection
from shared.adapters.aes_vault import AesGcmVault
from shared.adapters.jwt_validator import JwtValidator
from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.bootstrap import Dependencies
from shared.domain.campaigns import group_id_for, text_digest
from shared.domain.hearing import Visibility
from shared.domain.identity import Identity
from shared.domain.notice import EVERYTHING, UnsubscribeClaim, unsubscribe_token
from shared.domain.reference import AreaName, BlacklistTerms, HearingTemplate, KleTitle, TermsText
from shared.domain.response import response_id_for
from shared.domain.subscription import Subscription, TargetKind
from shared.services import (
    blacklist,
    hearing_files,
    hearings,
    meetings,
    owners,
    reference_data,
    response_attachments,
    responses,
    terms,
)
from shared.services.containers import RESPONSE_UPLOADS_CONTAINER, UPLOADS_CONTAINER
from shared.services.hearing_api import Conclusion, HearingChanges, HearingDraft, InviteeList, ScheduleRequest
from shared.services.meetings import MeetingRequest
from shared.services.notifications import unsubscribe_key
from shared.services.repositories import ReferenceRepository, SubscriptionRepository
from shared.services.response_attachments import AttachmentUploadRequest
from shared.services.responses import Decision, ResponseSubmission
from shared.services.viewers import viewer_of
from shared.settings import Settings
from tests.attachment_files import pdf_with_text
from tests.fakes import FakeBus, FakeLimiter, FakeMailer, FixedClock, InMemoryFiles, InMemoryRecords

R = TypeVar("R")

# -- who and what -------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
ANNA = "citizen-anna"
BO = "citizen-bo"
COMPANY = "company-user"
EMPLOYEE = "employee"
OWNER = "owner"
REVIEWER = "reviewer"
INVITEE = "invitee"
ADMIN = "admin"
PERSONAS = (ANONYMOUS, ANNA, BO, COMPANY, EMPLOYEE, OWNER, REVIEWER, INVITEE, ADMIN)

DRAFT = "draft"
SCHEDULED = "scheduled"
EXTERNAL = "active-external"
INTERNAL = "active-internal"
CLOSED = "active-closed"
CONCLUDED = "concluded"
KINDS = (DRAFT, SCHEDULED, EXTERNAL, INTERNAL, CLOSED, CONCLUDED)
ACTIVE_KINDS = (EXTERNAL, INTERNAL, CLOSED)

# Who wrote the one response seeded in each hearing that can hold one: someone entitled to respond
# to that kind of hearing. Drafts and scheduled hearings hold none.
RESPONSE_AUTHOR = {EXTERNAL: BO, INTERNAL: EMPLOYEE, CLOSED: INVITEE, CONCLUDED: BO}

# Personas the development issuer knows, by the matrix's name for them.
_ISSUER_PERSONAS = {
    ANNA: "citizen-anna",
    BO: "citizen-bo",
    COMPANY: "company-user",
    EMPLOYEE: "employee",
    OWNER: "hearing-creator",
    ADMIN: "admin",
}
# People the issuer does not list: an employee named as reviewer, and a citizen invited by CPR number.
_REVIEWER_SUBJECT = "reviewer-rita"
_INVITEE_SUBJECT = "citizen-ida"
INVITEE_CPR = "2304921234"  # fictitious
_EXTRA_CLAIMS: dict[str, tuple[str, str, dict[str, Any]]] = {
    REVIEWER: (
        _REVIEWER_SUBJECT,
        "Rita Reviewer",
        {"idp": "entra", "email": "rita.reviewer@kommune.example", "roles": []},
    ),
    INVITEE: (_INVITEE_SUBJECT, "Ida Inviteret", {"idp": "mitid", "nemlogin.cpr": INVITEE_CPR}),
}

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)  # the portal's clock while the matrix runs
TEMPLATE_ID = "standard"
SEEDED_TEXT = "jeg støtter forslaget, men ønsker flere træer langs cykelstien."
# Blacklisted before the responses arrive, so each seeded response has one flag to decide.
BLACKLISTED = "cykelstien"
SEEDED_FLAG = f"blacklisted-{SEEDED_TEXT.index(BLACKLISTED)}-{SEEDED_TEXT.index(BLACKLISTED) + len(BLACKLISTED)}"
REMOVABLE_AREAS = {kind: f"matrix-{kind}" for kind in KINDS}
REMOVABLE_KLE = {kind: f"9{index}" for index, kind in enumerate(KINDS)}
NEW_OWNER_EMAIL = "erik.ansat@kommune.example"  # the employee persona's address
TERMS_VERSION = 1  # published after the seeded responses, so new submissions must accept it
# Every hearing holds one document, and every seeded response one accepted attachment.
SEEDED_DOCUMENT_ID = "matrix-document"
_SEEDED_PDF = pdf_with_text("Bilag til høringen.")
SEEDED_ATTACHMENTS: dict[str, str] = {}  # response id -> attachment id
_VISIBILITY = {EXTERNAL: Visibility.EXTERNAL, INTERNAL: Visibility.INTERNAL, CLOSED: Visibility.CLOSED}

RECEIPT_SIGNER = LocalReceiptSigner.generate()


# -- the hearings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HearingSet:
    """One hearing of each kind; ``response_ids`` name the seeded response (or where one would be)."""

    hearing_ids: dict[str, str]
    response_ids: dict[str, str]
    starts: dict[str, datetime]
    meeting_ids: dict[str, str] = field(default_factory=dict)  # one public meeting per hearing


@dataclass(frozen=True)
class Target:
    """What one cell of the matrix acts on."""

    kind: str
    hearing_id: str
    response_id: str
    start: datetime | None
    meeting_id: str = ""


class World:
    """Keys, tokens and the template database; hands out portals built on copies of it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.settings = Settings(dev_issuer=True, data_dir=folder)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file = folder / "dev-issuer-key.pem"
        key_file.write_bytes(
            self._key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        self.issuer = DevIssuer(key_file, f"{self.settings.public_base_url}/api/dev", self.settings.token_audience)
        self.validator = JwtValidator([self.issuer.trusted_issuer()])
        self.vault = AesGcmVault(bytes(range(32)))
        self.clock = FixedClock(NOW)
        self.tokens = self._tokens(datetime.now(UTC))
        self.identities = {name: self.validator.validate(token) for name, token in self.tokens.items()}
        self.template = folder / "template.sqlite"
        self._copies = 0
        store = SqliteDocumentStore(self.template)
        try:
            self.lived_in, self.pristine = _Builder(self, store).build()
        finally:
            store.close()

    def subject(self, persona: str) -> str:
        return self.identities[persona].subject

    @contextmanager
    def portal(self) -> Iterator[Dependencies]:
        """Dependencies over a fresh copy of the template, installed for the handlers."""
        self._copies += 1
        path = self.folder / f"copy-{self._copies}.sqlite"
        with closing(sqlite3.connect(self.template)) as source, closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
        store = SqliteDocumentStore(path)
        deps = Dependencies(
            settings=self.settings,
            documents=store,
            bus=FakeBus(),
            files=InMemoryFiles(),
            tokens=self.validator,
            mailer=FakeMailer(),
            records=InMemoryRecords(),
            clock=self.clock,
            vault=self.vault,
            limiter=FakeLimiter(),
            signer=RECEIPT_SIGNER,
        )
        bootstrap.override(deps)
        dev_functions.use(self.issuer)
        try:
            yield deps
        finally:
            dev_functions.use(None)
            bootstrap.override(None)
            store.close()
            path.unlink(missing_ok=True)

    def _tokens(self, now: datetime) -> dict[str, str]:
        tokens = {name: self.issuer.issue(persona_id, now) for name, persona_id in _ISSUER_PERSONAS.items()}
        for name, (subject, display_name, claims) in _EXTRA_CLAIMS.items():
            issued = int(now.timestamp())
            payload = {
                **claims,
                "iss": self.issuer.issuer,
                "aud": self.issuer.audience,
                "sub": subject,
                "iat": issued,
                "nbf": issued,
                "exp": issued + int(self.issuer.token_lifetime.total_seconds()),
                "name": display_name,
            }
            tokens[name] = jwt.encode(payload, self._key, algorithm="RS256", headers={"kid": self.issuer.kid})
        return tokens


class _Builder:
    """Makes the hearings through the services, the way caseworkers and respondents would."""

    def __init__(self, world: World, store: SqliteDocumentStore) -> None:
        self.world = world
        self.store = store
        self.clock = world.clock
        self.deps = Dependencies(
            settings=world.settings,
            documents=store,
            bus=FakeBus(),
            files=InMemoryFiles(),
            tokens=world.validator,
            mailer=FakeMailer(),
            records=InMemoryRecords(),
            clock=world.clock,
            vault=world.vault,
            limiter=FakeLimiter(),
            signer=RECEIPT_SIGNER,
        )
        self.owner = world.identities[OWNER]
        self.meetings: dict[str, str] = {}  # hearing id -> its meeting

    def _call(self, service: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
        return injection.call(self.deps, service, *args, **kwargs)

    def build(self) -> tuple[HearingSet, HearingSet]:
        ReferenceRepository(self.store).put(HearingTemplate(id=TEMPLATE_ID, name="Standardhøring"))
        admin = self.world.identities[ADMIN]
        self._call(blacklist.put_blacklist, admin, BlacklistTerms(terms=[BLACKLISTED]))
        # One unused area and one KLE number per kind of hearing, so each cell removes its own.
        for kind in KINDS:
            self._call(reference_data.put_area, admin, "city-area", REMOVABLE_AREAS[kind], AreaName(name=kind))
            self._call(reference_data.put_kle, admin, REMOVABLE_KLE[kind], KleTitle(title=kind))
        # The employee the admin moves hearings to has signed in before.
        self._call(owners.remember_employee, self.world.identities[EMPLOYEE])
        lived_in = self._set(lived_in=True)
        pristine = self._set(lived_in=False)
        self._call(terms.publish_terms, admin, TermsText(version=TERMS_VERSION, text="Vilkår for høringssvar."))
        return lived_in, pristine

    def _set(self, *, lived_in: bool) -> HearingSet:
        ids: dict[str, str] = {}
        starts: dict[str, datetime] = {}
        # Concluded: ran a month ago.
        self.clock.set(NOW - timedelta(days=30))
        ids[CONCLUDED] = self._draft(Visibility.EXTERNAL)
        starts[CONCLUDED] = self.clock.now() + timedelta(hours=1)
        self._schedule(ids[CONCLUDED], starts[CONCLUDED], NOW - timedelta(days=20))
        self.clock.set(starts[CONCLUDED] + timedelta(hours=1))
        self._call(hearings.advance_due_hearings)
        if lived_in:
            response_id = self._respond(ids[CONCLUDED], BO)
            # Every response is decided before a hearing is concluded; declined keeps it unpublished.
            self._call(
                responses.decide_response,
                self.owner,
                ids[CONCLUDED],
                response_id,
                approve=False,
                decision=Decision(reason="Uden for høringens emne."),
            )
        self.clock.set(NOW - timedelta(days=20))
        self._call(hearings.advance_due_hearings)
        self._call(hearings.conclude_hearing, self.owner, ids[CONCLUDED], Conclusion(conclusion="Cykelstien anlægges."))
        # The others: made yesterday; the active ones opened an hour later.
        self.clock.set(NOW - timedelta(days=1))
        ids[DRAFT] = self._draft(Visibility.EXTERNAL)
        ids[SCHEDULED] = self._draft(Visibility.EXTERNAL)
        starts[SCHEDULED] = NOW + timedelta(days=1)
        self._schedule(ids[SCHEDULED], starts[SCHEDULED], NOW + timedelta(days=15))
        for kind in ACTIVE_KINDS:
            ids[kind] = self._draft(_VISIBILITY[kind])
            if kind == CLOSED:
                # By CPR number, so the invitee is matched by the keyed hash of the number in their token.
                self._call(hearings.set_invitees, self.owner, ids[kind], InviteeList(invitees=[INVITEE_CPR]))
            starts[kind] = NOW - timedelta(days=1) + timedelta(hours=1)
            self._schedule(ids[kind], starts[kind], NOW + timedelta(days=14))
        self.clock.set(NOW)
        self._call(hearings.advance_due_hearings)
        if lived_in:
            for kind in ACTIVE_KINDS:
                self._respond(ids[kind], RESPONSE_AUTHOR[kind])
            self._follow_everything(ids)
        response_ids = {
            kind: response_id_for(ids[kind], self.world.subject(RESPONSE_AUTHOR.get(kind, BO))) for kind in KINDS
        }
        meeting_ids = {kind: self.meetings[ids[kind]] for kind in KINDS}
        return HearingSet(hearing_ids=ids, response_ids=response_ids, starts=starts, meeting_ids=meeting_ids)

    def _draft(self, visibility: Visibility) -> str:
        draft = HearingDraft(
            template_id=TEMPLATE_ID, title="Cykelsti på Amagerbrogade", case_number="2026-0042", visibility=visibility
        )
        hearing_id = self._call(hearings.create_hearing, self.owner, draft).id
        changes = HearingChanges(reviewers=[self.world.subject(REVIEWER)])
        self._call(hearings.edit_hearing, self.owner, hearing_id, changes)
        document = f"{hearing_id}/{SEEDED_DOCUMENT_ID}/bilag.pdf"
        self.deps.files.write(UPLOADS_CONTAINER, document, _SEEDED_PDF)
        self._call(hearing_files.process_upload, document, _SEEDED_PDF)
        # A meeting five days after the draft was made: held long ago for the concluded hearing.
        starts = self.clock.now() + timedelta(days=5)
        meeting = MeetingRequest(
            title="Borgermøde", starts_at=starts, ends_at=starts + timedelta(hours=2), location="Rådhuset", capacity=20
        )
        self.meetings[hearing_id] = self._call(meetings.plan_meeting, self.owner, hearing_id, meeting).id
        return hearing_id

    def _schedule(self, hearing_id: str, start: datetime, deadline: datetime) -> None:
        request = ScheduleRequest(start=start, deadline=deadline)
        self._call(hearings.schedule_hearing, self.owner, hearing_id, request)

    def _respond(self, hearing_id: str, persona: str) -> str:
        who = self.world.identities[persona]
        receipt, _ = self._call(responses.submit_response, who, hearing_id, ResponseSubmission(text=SEEDED_TEXT))
        self._call(responses.screen_response, hearing_id, receipt.response_id)  # the queue consumer's part
        ticket = self._call(
            response_attachments.request_attachment_upload,
            who,
            hearing_id,
            receipt.response_id,
            AttachmentUploadRequest(filename="bilag.pdf"),
        )
        blob = f"{hearing_id}/{receipt.response_id}/{ticket.attachment_id}/bilag.pdf"
        self.deps.files.write(RESPONSE_UPLOADS_CONTAINER, blob, _SEEDED_PDF)
        self._call(response_attachments.process_attachment_blob, blob, len(_SEEDED_PDF), lambda: _SEEDED_PDF)
        SEEDED_ATTACHMENTS[receipt.response_id] = ticket.attachment_id
        return receipt.response_id

    def _follow_everything(self, ids: dict[str, str]) -> None:
        # As if each person followed while the hearing was visible to them: a hearing can become
        # hidden later (an external one made closed), and stopping to follow must still work.
        repository = SubscriptionRepository(self.store)
        for persona in PERSONAS:
            if persona == ANONYMOUS:
                continue
            who: Identity = self.world.identities[persona]
            keys = viewer_of(who, self.world.vault).keys
            for hearing_id in ids.values():
                repository.upsert(Subscription.follow(who, TargetKind.HEARING, hearing_id, self.clock.now(), keys))


# -- the HTTP functions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpFunction:
    name: str
    method: str
    route: str
    handler: Callable[[func.HttpRequest], func.HttpResponse]

    @property
    def changes_state(self) -> bool:
        return self.method != "GET"


@functools.cache
def registered_http_functions() -> dict[str, HttpFunction]:
    found: dict[str, HttpFunction] = {}
    for function in _listed_functions():
        trigger = function.get_trigger()
        if not isinstance(trigger, HttpTrigger):
            continue
        if not str(trigger.route).startswith(API_PREFIX):
            continue  # the web pages call the same services with a session cookie; tests/e2e/test_web_* cover them
        name = str(function.get_function_name())
        methods = [str(getattr(method, "value", method)).upper() for method in trigger.methods or []]
        # Every function answers one method, so a function name names one row of the matrix.
        assert len(methods) == 1, f"{name} answers {methods}; the matrix expects one method per function"
        found[name] = HttpFunction(
            name=name,
            method=methods[0],
            route=str(trigger.route),
            handler=function.get_user_function(),
        )
    return found


def _listed_functions() -> list[Any]:
    # The portal as the local host runs it: the deployed app plus the development sign-in. A name
    # registered twice is still refused within this listing.
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    for blueprint in function_app.BLUEPRINTS:
        app.register_functions(blueprint)
    dev_identity.register(app)
    return list(app.get_functions())


@dataclass(frozen=True)
class Ask:
    """What a cell sends besides the route: a valid body, so the answer shows the access decision."""

    body: Any = None  # JSON-encoded unless bytes
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    route: dict[str, str] = field(default_factory=dict)  # extra route parameters


def _iso(instant: datetime) -> str:
    return instant.isoformat()


def _schedule_body(target: Target) -> Ask:
    if target.kind in ACTIVE_KINDS and target.start is not None:
        # Once open only the deadline moves: the same start, a later deadline.
        return Ask({"start": _iso(target.start), "deadline": _iso(NOW + timedelta(days=21))})
    return Ask({"start": _iso(NOW + timedelta(days=2)), "deadline": _iso(NOW + timedelta(days=20))})


_VERIFIER = "matrix-verifier-" + "x" * 40
_CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(_VERIFIER.encode()).digest()).rstrip(b"=").decode()
_AUTHORIZATION_REQUEST = {
    "response_type": "code",
    "client_id": "matrix-client",
    "redirect_uri": "http://localhost:5173/callback",
    "code_challenge": _CHALLENGE,
    "code_challenge_method": "S256",
    "scope": "openid",
    "state": "matrix-state",
}
_FORM = {"content-type": "application/x-www-form-urlencoded"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# A well-formed receipt whose signature is not the portal's: verifying it is a 200 with a "no" in it.
_UNSIGNED_RECEIPT = ".".join(
    [
        _b64(b'{"alg":"ES256","kid":"nobody"}'),
        _b64(
            json.dumps(
                {
                    "type": "hearing-portal/receipt/v1",
                    "hearingId": "h",
                    "responseId": "r",
                    "version": 1,
                    "receivedAt": "2026-05-04T08:00:00.000000Z",
                    "textSha256": "0" * 64,
                }
            ).encode()
        ),
        _b64(bytes(64)),
    ]
)

# A valid request per function; functions not about a hearing ignore the target.
ASKS: dict[str, Callable[[Target], Ask]] = {
    "health": lambda t: Ask(),
    "health_live": lambda t: Ask(),
    "openapi": lambda t: Ask(),
    "dev_discovery": lambda t: Ask(),
    "dev_jwks": lambda t: Ask(),
    "dev_personas": lambda t: Ask(),
    "dev_authorize_page": lambda t: Ask(params=dict(_AUTHORIZATION_REQUEST)),
    "dev_authorize_choice": lambda t: Ask(
        urlencode({**_AUTHORIZATION_REQUEST, "persona": "citizen-anna"}).encode(), headers=_FORM
    ),
    "dev_token": lambda t: Ask({"persona": "citizen-anna"}),
    "list_hearings": lambda t: Ask(params={"limit": "100"}),
    "create_hearing": lambda t: Ask({"templateId": TEMPLATE_ID, "title": "Ny legeplads", "caseNumber": "2026-0100"}),
    "get_hearing": lambda t: Ask(),
    "edit_hearing": lambda t: Ask({"summary": "Opdateret resumé"}, headers={"If-Match": "*"}),
    "schedule_hearing": _schedule_body,
    "conclude_hearing": lambda t: Ask({"conclusion": "Forslaget gennemføres."}),
    "cancel_hearing": lambda t: Ask({"reason": "Planen er trukket tilbage."}),
    "request_document_upload": lambda t: Ask({"filename": "bilag.pdf"}),
    "set_invitees": lambda t: Ask({"invitees": ["0707801234"]}),
    "audit_trail": lambda t: Ask(),
    "journalise_now": lambda t: Ask(),
    "submit_response": lambda t: Ask(
        {"text": "jeg er imod forslaget.", "publishName": False, "acceptedTerms": TERMS_VERSION}
    ),
    "list_responses": lambda t: Ask(),
    "get_response": lambda t: Ask(),
    "revise_response": lambda t: Ask(
        {"text": "jeg har ombestemt mig.", "publishName": False, "acceptedTerms": TERMS_VERSION}
    ),
    "withdraw_response": lambda t: Ask(),
    "approve_response": lambda t: Ask({"publish": True, "clearFlags": True}),
    "decline_response": lambda t: Ask({"reason": "Svaret handler ikke om høringens emne."}),
    "moderation_list": lambda t: Ask(params={"limit": "100"}),
    "bulk_decide": lambda t: Ask({"ids": [t.response_id], "decision": "approve", "clearFlags": True}),
    "list_flags": lambda t: Ask(),
    "decide_flag": lambda t: Ask({"decision": "redact"}, route={"flag_id": SEEDED_FLAG}),
    "redact_spans": lambda t: Ask({"spans": [{"start": 0, "end": 3}], "reason": "Navn på en tredjeperson"}),
    "read_original": lambda t: Ask(),
    "set_notes": lambda t: Ask({"summary": "Ønsker flere træer.", "assessment": "Indgår i den videre planlægning."}),
    "current_terms": lambda t: Ask(),
    "list_terms": lambda t: Ask(),
    "publish_terms": lambda t: Ask({"version": TERMS_VERSION + 1, "text": "Nye vilkår for høringssvar."}),
    "get_blacklist": lambda t: Ask(),
    "put_blacklist": lambda t: Ask({"terms": [BLACKLISTED, "Vejnavnet"]}),
    "list_templates": lambda t: Ask(),
    "get_template": lambda t: Ask(route={"template_id": TEMPLATE_ID}),
    "put_template": lambda t: Ask({"name": "Lokalplan", "retentionDays": 365}, route={"template_id": "lokalplan"}),
    "list_areas": lambda t: Ask(route={"kind": "city-area"}),
    "put_area": lambda t: Ask({"name": "Amager"}, route={"kind": "city-area", "area_id": "amager"}),
    "remove_area": lambda t: Ask(route={"kind": "city-area", "area_id": REMOVABLE_AREAS[t.kind]}),
    "list_kle": lambda t: Ask(),
    "import_kle": lambda t: Ask(b"01.02;Naturbeskyttelse\n", headers={"content-type": "text/csv"}),
    "put_kle": lambda t: Ask({"title": "Byggeri"}, route={"number": "02.00"}),
    "remove_kle": lambda t: Ask(route={"number": REMOVABLE_KLE[t.kind]}),
    "hearings_of_owner": lambda t: Ask(params={"owner": NEW_OWNER_EMAIL}),
    "move_hearing": lambda t: Ask({"owner": NEW_OWNER_EMAIL}),
    "get_notification_template": lambda t: Ask(route={"kind": "new_hearing", "language": "da"}),
    "put_notification_template": lambda t: Ask(
        {"subject": "Ny: {{ c.hearing.title }}", "html": "<p>{{ c.summary }}</p>", "text": "{{ hearing_url }}"},
        route={"kind": "new_hearing", "language": "da"},
    ),
    "delete_notification_template": lambda t: Ask(route={"kind": "new_hearing", "language": "en"}),
    "preview_notification_template": lambda t: Ask(
        {"subject": "Ny: {{ c.hearing.title }}"}, route={"kind": "deadline_soon", "language": "en"}
    ),
    "follow": lambda t: Ask({"kind": "hearing", "targetId": t.hearing_id}),
    "my_subscriptions": lambda t: Ask(),
    "unfollow": lambda t: Ask(route={"kind": "hearing", "target_id": t.hearing_id}),
    "my_data": lambda t: Ask(),
    "delete_my_data": lambda t: Ask(),
    "request_attachment_upload": lambda t: Ask({"filename": "bilag.pdf"}),
    "download_document": lambda t: Ask(route={"document_id": SEEDED_DOCUMENT_ID}),
    "download_attachment": lambda t: Ask(route={"attachment_id": SEEDED_ATTACHMENTS.get(t.response_id, "none")}),
    "list_meetings": lambda t: Ask(),
    "plan_meeting": lambda t: Ask(
        {
            "title": "Ekstra borgermøde",
            "startsAt": _iso(NOW + timedelta(days=3)),
            "endsAt": _iso(NOW + timedelta(days=3, hours=2)),
            "onlineUrl": "https://moede.kommune.example/ekstra",
            "capacity": 50,
        }
    ),
    "get_meeting": lambda t: Ask(),
    "change_meeting": lambda t: Ask({"title": "Borgermøde om cykelstien"}, headers={"If-Match": "*"}),
    "cancel_meeting": lambda t: Ask(),
    "sign_up_for_meeting": lambda t: Ask(),
    "withdraw_from_meeting": lambda t: Ask(),
    "meeting_attendees": lambda t: Ask(),
    "export_meeting_attendees_xlsx": lambda t: Ask(),
    "export_meeting_attendees_csv": lambda t: Ask(),
    "meeting_calendar": lambda t: Ask(),
    "receipt_keys": lambda t: Ask(),
    "verify_receipt": lambda t: Ask({"receipt": _UNSIGNED_RECEIPT}),
    "response_receipt": lambda t: Ask(),
    "response_versions": lambda t: Ask(),
    "tree_heads": lambda t: Ask(),
    "tree_head_consistency": lambda t: Ask(params={"first": "1", "second": "1"}),
    "my_responses": lambda t: Ask(),
    "my_preferences": lambda t: Ask(),
    "set_preferences": lambda t: Ask({"language": "en"}),
    "unsubscribe_preview": lambda t: Ask(params={"token": _unsubscribe_token()}),
    "unsubscribe": lambda t: Ask(params={"token": _unsubscribe_token()}),
    "hearing_deliveries": lambda t: Ask(),
    "set_notification_text": lambda t: Ask({"da": {"subject": "Cykelstien", "introduction": "Kære nabo."}}),
    "preview_notification_text": lambda t: Ask({"template": "deadline_soon", "language": "en"}),
    "hearing_campaigns": lambda t: Ask(),
    "public_campaigns": lambda t: Ask(),
    # The seeded response founded its own group, so taking it out is refused: it is the template.
    "split_campaign_member": lambda t: Ask(
        route={"group_id": group_id_for(t.hearing_id, t.response_id, text_digest(SEEDED_TEXT))}
    ),
    "create_export": lambda t: Ask({"format": "xlsx"}),
}


def _unsubscribe_token() -> str:
    # A link as a message carries it: signed with the key the world's settings derive.
    claim = UnsubscribeClaim(subscriber="mitid:someone", target=EVERYTHING)
    return unsubscribe_token(unsubscribe_key(Settings()), claim)


# Functions that act on the hearing set without responses and follows.
USES_PRISTINE_SET = frozenset({"submit_response", "follow"})


def _json(response: func.HttpResponse) -> Any:
    return json.loads(response.get_body() or b"null")


def _listed_hearing(response: func.HttpResponse, target: Target) -> str:
    ids = {item["id"] for item in _json(response)["items"]}
    return "listed" if target.hearing_id in ids else "unlisted"


def _hearing_view(response: func.HttpResponse, target: Target) -> str:
    # The case number, owner and invitees are shown only to those who run the hearing.
    return "staff" if _json(response).get("caseNumber") is not None else "public"


def _listed_response(response: func.HttpResponse, target: Target) -> str:
    ids = {item["id"] for item in _json(response)["items"]}
    return "listed" if target.response_id in ids else "unlisted"


def _redirected_with(response: func.HttpResponse, target: Target) -> str:
    # The development sign-in redirects both ways: with a code, or with an OAuth error.
    return "code" if "code=" in str(response.headers.get("location", "")) else "error"


# Answers whose body says more about access than the status alone: what a 200 showed.
OBSERVERS: dict[str, Callable[[func.HttpResponse, Target], str]] = {
    "list_hearings": _listed_hearing,
    "get_hearing": _hearing_view,
    "list_responses": _listed_response,
    "moderation_list": _listed_response,
    "dev_authorize_choice": _redirected_with,
}


def call(world: World, function: HttpFunction, persona: str, target: Target) -> str:
    """Run one cell against the installed portal; the outcome is the status, plus what a 200 showed."""
    ask = ASKS[function.name](target)
    route_params = {
        "hearing_id": target.hearing_id,
        "response_id": target.response_id,
        "meeting_id": target.meeting_id,
        **ask.route,
    }
    path = function.route
    for name, value in route_params.items():
        path = path.replace("{" + name + "}", value)
    headers = {"content-type": "application/json", **ask.headers}
    if persona != ANONYMOUS:
        headers["authorization"] = f"Bearer {world.tokens[persona]}"
    if ask.body is None:
        body = b""
    elif isinstance(ask.body, bytes):
        body = ask.body
    else:
        body = json.dumps(ask.body).encode()
    request = func.HttpRequest(
        method=function.method,
        url=f"http://localhost:7071/api/{path}",
        headers=headers,
        params=ask.params,
        route_params={name: value for name, value in route_params.items() if "{" + name + "}" in function.route},
        body=body,
    )
    answer = function.handler(request)
    observe = OBSERVERS.get(function.name)
    if observe is not None and answer.status_code in (200, 302):
        return f"{answer.status_code} {observe(answer, target)}"
    return str(answer.status_code)


def run_function(
    world: World, function: HttpFunction, personas: tuple[str, ...] = PERSONAS
) -> dict[tuple[str, str], str]:
    """Every persona x kind for one function: (persona, kind) -> outcome."""
    hearing_set = world.pristine if function.name in USES_PRISTINE_SET else world.lived_in

    def target(kind: str) -> Target:
        return Target(
            kind=kind,
            hearing_id=hearing_set.hearing_ids[kind],
            response_id=hearing_set.response_ids[kind],
            start=hearing_set.starts.get(kind),
            meeting_id=hearing_set.meeting_ids.get(kind, ""),
        )

    outcomes: dict[tuple[str, str], str] = {}
    if function.changes_state:
        # A fresh portal per persona: each of the six hearings is acted on once, by this persona.
        for persona in personas:
            with world.portal():
                for kind in KINDS:
                    outcomes[(persona, kind)] = call(world, function, persona, target(kind))
    else:
        with world.portal():
            for persona in personas:
                for kind in KINDS:
                    outcomes[(persona, kind)] = call(world, function, persona, target(kind))
    return outcomes
