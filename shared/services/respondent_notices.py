"""What a respondent is told about their own response: its receipt, a decline, publication, a redaction.

Each notice goes through ``send_notification`` with an ``about`` id that names the fact it reports
(the response version, the decision instant, the redaction), so a redelivered queue message or a
repeated request finds the delivery record it made and sends nothing twice. The notice goes only to
the respondent, by the channel and in the language of their stored preferences (Digital Post in
Danish when they have none).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TypedDict

from shared.domain.base import format_instant
from shared.domain.hearing import Hearing
from shared.domain.identity import IdentityKind
from shared.domain.notice import DeliveryRecord, Recipient
from shared.domain.receipts import ReceiptPayload, canonical_json
from shared.domain.redaction import Redaction
from shared.domain.response import Response
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.mail import Mailer
from shared.ports.vault import PersonalDataVault
from shared.services import notification_templates as templates
from shared.services.notifications import send_notification
from shared.services.preferences import stored_preferences
from shared.services.repositories import HearingRepository, ResponseRepository
from shared.services.response_receipts import current_payload
from shared.services.template_overrides import stored_overrides
from shared.services.web_links import receipt_page, web_base_url
from shared.settings import Settings


class NoticePorts(TypedDict):
    documents: DocumentStore
    mailer: Mailer
    vault: PersonalDataVault
    clock: Clock
    settings: Settings


@dataclass(frozen=True)
class Ports:
    """What sending a notice needs, for a caller that tells several things at once."""

    documents: DocumentStore
    mailer: Mailer
    vault: PersonalDataVault
    clock: Clock
    settings: Settings

    def kw(self) -> NoticePorts:
        return NoticePorts(
            documents=self.documents, mailer=self.mailer, vault=self.vault, clock=self.clock, settings=self.settings
        )


def respondent_of(documents: DocumentStore, response: Response) -> Recipient:
    """The respondent as a recipient: their preferences when stored, else Digital Post (CVR, sealed CPR)."""
    respondent = response.respondent
    preferences = stored_preferences(documents, respondent.subject)
    language = preferences.language if preferences else "da"
    if preferences is not None and preferences.address:
        channel, address = preferences.reach_channel, preferences.address
    elif respondent.kind is IdentityKind.COMPANY and respondent.cvr:
        channel, address = "digital-post", f"cvr:{respondent.cvr}"
    elif respondent.cpr_sealed:
        channel, address = "digital-post", f"cpr-sealed:{respondent.cpr_sealed}"  # unsealed when it is sent
    else:
        channel, address = "digital-post", f"subject:{respondent.subject}"  # an employee: looked up by the channel
    return Recipient(person=respondent.subject, channel=channel, address=address, language=language)


def verification_code(payload: ReceiptPayload) -> str:
    """A short code for the receipt: the start of the SHA-256 of the statement the receipt signs, so
    anyone holding the receipt file can recompute it."""
    digest = hashlib.sha256(canonical_json(payload)).hexdigest()[:16].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def tell_receipt(
    hearing: Hearing,
    response: Response,
    payload: ReceiptPayload,
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> DeliveryRecord:
    """The receipt of one version, with its verification code and the link to the receipt page."""
    verify = receipt_page(web_base_url(settings), hearing.id)
    context = templates.ResponseReceipt(
        hearing=_ref(hearing),
        received_at=payload.received_at,
        verification_code=verification_code(payload),
        verify_url=verify,
    )
    about = f"{response.id}:receipt:{payload.version}"
    return _tell(hearing, response, about, context, documents, mailer, vault, clock, settings)


def tell_declined(
    hearing: Hearing,
    response: Response,
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> DeliveryRecord:
    """A decline with its reason; the id names the decision, so declining again re-sends nothing."""
    context = templates.ResponseDeclined(hearing=_ref(hearing), reason=response.decline_reason or "-")
    about = f"{response.id}:declined:{_decided(response)}"
    return _tell(hearing, response, about, context, documents, mailer, vault, clock, settings)


def tell_published(
    hearing: Hearing,
    response: Response,
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> DeliveryRecord:
    context = templates.ResponsePublished(hearing=_ref(hearing))
    about = f"{response.id}:published:{_decided(response)}"
    return _tell(hearing, response, about, context, documents, mailer, vault, clock, settings)


def tell_redacted(
    hearing: Hearing,
    response: Response,
    redactions: list[Redaction],
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> DeliveryRecord | None:
    """One notice for the redactions one decision made (nothing when it made none)."""
    if not redactions:
        return None
    reasons = sorted({r.reason for r in redactions if r.flag_id is None})  # a caseworker's words, not a flag kind
    context = templates.ResponseRedacted(hearing=_ref(hearing), reason="; ".join(reasons) or None)
    spans = ",".join(f"{r.span.start}-{r.span.end}" for r in redactions)
    about = f"{response.id}:redacted:{format_instant(redactions[-1].at)}:{spans}"
    return _tell(hearing, response, about, context, documents, mailer, vault, clock, settings)


def after_screening(
    hearing_id: str,
    response_id: str,
    *,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> None:
    """Once the receipts are issued: the receipt of the current version, and the publication when the
    hearing approved it without a moderator (the id is the decision's, so a later look sends it once)."""
    hearing = HearingRepository(documents).get(hearing_id)
    loaded = ResponseRepository(documents).get(hearing_id, response_id)
    if hearing is None or loaded is None:
        return
    response, ports = loaded.model, Ports(documents, mailer, vault, clock, settings)
    tell_receipt(hearing.model, response, current_payload(response), **ports.kw())
    if response.published:
        tell_published(hearing.model, response, **ports.kw())


def _tell(
    hearing: Hearing,
    response: Response,
    about: str,
    context: templates.MessageContext,
    documents: DocumentStore,
    mailer: Mailer,
    vault: PersonalDataVault,
    clock: Clock,
    settings: Settings,
) -> DeliveryRecord:
    recipient = respondent_of(documents, response)
    message = templates.render(
        context,
        language=recipient.language,
        web_base_url=web_base_url(settings),
        overrides=stored_overrides(documents),
    )
    return send_notification(
        hearing.id,
        about,
        recipient,
        message,
        documents=documents,
        mailer=mailer,
        vault=vault,
        clock=clock,
        settings=settings,
    )


def _ref(hearing: Hearing) -> templates.HearingRef:
    return templates.HearingRef(id=hearing.id, title=hearing.title)


def _decided(response: Response) -> str:
    return format_instant(response.decided_at) if response.decided_at else "undecided"
