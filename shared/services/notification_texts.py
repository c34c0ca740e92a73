"""The owner's subject and introduction for a hearing's notices, and a preview of them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.domain.base import InputModel, PortalModel
from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound, raises
from shared.domain.identity import Identity
from shared.domain.notification_text import NoticeText, NotificationTexts
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.messages import MessageBus
from shared.ports.vault import PersonalDataVault
from shared.services import notification_templates as templates
from shared.services.guards import managed_hearing
from shared.services.unit_of_work import UnitOfWork
from shared.services.viewers import viewer_of
from shared.services.web_links import web_base_url
from shared.settings import Settings

NoticeKind = Literal["new_hearing", "changed_hearing", "deadline_soon", "concluded", "cancelled", "invitee_opened"]


class NotificationTextView(PortalModel):
    hearing_id: str
    da: NoticeText | None = None
    en: NoticeText | None = None


class NotificationTextPreview(InputModel):
    template: NoticeKind = Field(default="new_hearing", description="Which of the hearing's notices to show")
    language: Literal["da", "en"] = "da"
    text: NotificationTexts | None = Field(default=None, description="Proposed texts; left out: the stored ones")


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput)
def set_notification_text(
    who: Identity | None,
    hearing_id: str,
    request: NotificationTexts,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> NotificationTextView:
    """Owner (or admin): the subject and introduction of the hearing's notices, per language."""
    loaded = managed_hearing(documents, viewer_of(who, vault), hearing_id)
    now = clock.now()
    loaded.model.set_notification_text(request, now)
    loaded.model.record_audit(who, "hearing.notification-text-changed", now)
    with UnitOfWork(documents, bus) as uow:
        uow.save(loaded)
        uow.commit()
    texts = loaded.model.notification_text or NotificationTexts()
    return NotificationTextView(hearing_id=hearing_id, da=texts.da, en=texts.en)


@raises(NotAuthenticated, Forbidden, NotFound, InvalidInput)
def preview_notification_text(
    who: Identity | None,
    hearing_id: str,
    request: NotificationTextPreview,
    *,
    documents: DocumentStore,
    vault: PersonalDataVault,
    settings: Settings,
) -> templates.Rendered:
    """One of the hearing's notices with the proposed (or stored) texts and sample details."""
    hearing = managed_hearing(documents, viewer_of(who, vault), hearing_id).model
    texts = request.text if request.text is not None else hearing.notification_text
    own = texts.in_language(request.language) if texts is not None else None
    return templates.preview(
        request.template,
        language=request.language,
        web_base_url=web_base_url(settings),
        hearing=templates.HearingRef(id=hearing.id, title=hearing.title),
        own_words={"subject_name": own.subject, "introduction": own.introduction} if own else None,
    )
