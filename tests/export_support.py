"""A hearing with responses in every state, written straight to a document store, for the export tests
and the export benchmark (so they do not depend on how intake and moderation get there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.adapters.aes_vault import AesGcmVault
from shared.domain.hearing import Hearing, HearingStatus
from shared.domain.identity import Identity, IdentityKind
from shared.domain.response import Respondent, Response, ResponseStatus, content_digest, response_id_for
from shared.domain.screening import Flag
from shared.ports.documents import DocumentStore
from shared.services.repositories import HearingRepository, ResponseRepository

CPR = "0101901234"  # fictitious
CPR_WRITTEN = "010190-1234"
EMAIL = "anna@example.dk"
TITLE = "Lokalplan for Ørestad Syd – grønne områder og cykelstier på Amagerbrogade"
CASE_NUMBER = "2026-0042"
OPENED = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Copenhagen (summer time)
VAULT = AesGcmVault(bytes(range(32)))


@dataclass(frozen=True)
class Seeded:
    hearing_id: str
    response_ids: list[str]
    sealed_cpr: str


def add_hearing(store: DocumentStore, owner: Identity, hearing_id: str = "h-export") -> str:
    hearing = Hearing(
        id=hearing_id,
        template_id="standard",
        title=TITLE,
        case_number=CASE_NUMBER,
        owner=owner.subject,
        owner_name=owner.name,
        status=HearingStatus.AWAITING_CONCLUSION,
        start=OPENED,
        deadline=DEADLINE,
        created_at=OPENED - timedelta(days=1),
        updated_at=OPENED,
    )
    HearingRepository(store).add(hearing)
    return hearing_id


def add_response(
    store: DocumentStore,
    hearing_id: str,
    subject: str,
    text: str,
    received_at: datetime,
    *,
    kind: IdentityKind = IdentityKind.CITIZEN,
    name: str = "Anna Jensen",
    company_name: str | None = None,
    publish_name: bool = False,
    status: ResponseStatus = ResponseStatus.APPROVED,
    flags: list[Flag] | None = None,
    cpr_sealed: str | None = None,
) -> str:
    response_id = response_id_for(hearing_id, subject)
    response = Response(
        id=response_id,
        hearing_id=hearing_id,
        respondent=Respondent(
            subject=subject,
            kind=kind,
            name=name,
            company_name=company_name,
            publish_name=publish_name,
            cpr_sealed=cpr_sealed,
        ),
        text=text,
        status=status,
        received_at=received_at,
        updated_at=received_at,
        digest=content_digest(hearing_id, response_id, text, received_at),
        flags=flags or [],
        published=status is ResponseStatus.APPROVED,
    )
    ResponseRepository(store).add(response)
    return response_id


def seed_mixed(store: DocumentStore, owner: Identity) -> Seeded:
    """Four responses: one hiding a CPR number and an e-mail address behind cleared flags, a company's,
    one whose author chose to be named, one withdrawn."""
    hearing_id = add_hearing(store, owner)
    sealed = VAULT.seal(CPR)
    leaky = Flag.model_validate({"kind": "cpr", "excerpt": "010190-XXXX", "cleared": True})
    ids = [
        add_response(
            store,
            hearing_id,
            "mitid:anna",
            f"Mit CPR er {CPR_WRITTEN} og min mail er {EMAIL}. Bevar træerne på Ørestads fælled!",
            OPENED + timedelta(hours=2),
            flags=[leaky, Flag.model_validate({"kind": "email", "excerpt": "a***@example.dk", "cleared": True})],
            cpr_sealed=sealed,
        ),
        add_response(
            store,
            hearing_id,
            "mitid-erhverv:karin",
            "Vi ønsker flere cykelparkeringer ved butikkerne.",
            OPENED + timedelta(hours=3),
            kind=IdentityKind.COMPANY,
            name="Karin Holm",
            company_name="Holm & Co ApS",
            status=ResponseStatus.AWAITING_REVIEW,
        ),
        add_response(
            store,
            hearing_id,
            "mitid:bo",
            '=HYPERLINK("http://example.invalid") Jeg går ind for forslaget, især søerne.',
            OPENED + timedelta(days=1),
            name="Bo Nielsen",
            publish_name=True,
            status=ResponseStatus.DECLINED,
        ),
        add_response(
            store,
            hearing_id,
            "mitid:carl",
            "Trukket tilbage.",
            OPENED + timedelta(days=2),
            name="Carl Berg",
            status=ResponseStatus.WITHDRAWN,
        ),
    ]
    return Seeded(hearing_id, ids, sealed)
