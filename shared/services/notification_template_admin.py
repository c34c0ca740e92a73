"""Admins manage the default notification templates per kind and language: read, replace, return to
the built-in one, and preview a stored or proposed template against sample data.

A template is jinja2 rendered in a sandbox with autoescaping in its HTML part; one that does not
parse, names an unknown value or reaches past the sandbox is refused naming its part. Every change
has its entry in the reference data's audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.domain.audit import AuditEvent
from shared.domain.base import InputModel, Instant, PortalModel
from shared.domain.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound, raises
from shared.domain.identity import Identity
from shared.domain.reference import REFERENCE_TRAIL, NotificationTemplate, NotificationTemplateText
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.mail import Language
from shared.services import notification_templates as templates
from shared.services.repositories import AuditRepository, ReferenceRepository
from shared.services.template_overrides import forget
from shared.services.terms import ensure_admin
from shared.services.web_links import web_base_url
from shared.settings import Settings


class NotificationTemplatePreview(InputModel):
    """A proposed template's parts; a part left out is the one in use (an empty body: the stored template)."""

    subject: str | None = Field(default=None, min_length=1, max_length=1000)
    html: str | None = Field(default=None, min_length=1, max_length=100_000)
    text: str | None = Field(default=None, min_length=1, max_length=100_000)


class NotificationTemplateView(PortalModel):
    kind: str
    language: Literal["da", "en"]
    subject: str
    html: str
    text: str
    custom: bool  # False: the built-in template
    updated_at: Instant | None = None
    updated_by: str | None = None


class NotificationTemplateSummary(PortalModel):
    kind: str
    language: Literal["da", "en"]
    custom: bool  # False: the built-in template
    updated_at: Instant | None = None
    updated_by: str | None = None


class NotificationTemplateList(PortalModel):
    items: list[NotificationTemplateSummary]  # every kind in both languages, in the kinds' order


LANGUAGES: tuple[Language, ...] = ("da", "en")


def _checked_name(kind: str, language: str) -> Language:
    if kind not in templates.TEMPLATES:
        raise NotFound(f"no notification template named {kind}", field="kind")
    if language not in LANGUAGES:
        raise NotFound("templates are in da or en", field="language")
    return language


def _view(documents: DocumentStore, kind: str, language: Language) -> NotificationTemplateView:
    own = ReferenceRepository(documents).notification_template(kind, language)
    if own is not None:
        return NotificationTemplateView(
            kind=kind,
            language=language,
            subject=own.subject,
            html=own.html,
            text=own.text,
            custom=True,
            updated_at=own.updated_at,
            updated_by=own.updated_by,
        )
    subject, html, text = templates.built_in_source(kind, language)
    return NotificationTemplateView(kind=kind, language=language, subject=subject, html=html, text=text, custom=False)


def _checked(kind: str, language: Language, text: NotificationTemplateText, settings: Settings) -> templates.Rendered:
    try:
        return templates.check_custom(kind, language, (text.subject, text.html, text.text), web_base_url(settings))
    except templates.TemplateRefused as refused:
        if refused.unknown is not None:
            available = [variable.name for variable in templates.variables(kind)]
            raise UnknownPlaceholder(refused.part, refused.unknown, available) from None
        raise InvalidInput(str(refused), field=refused.part) from None


class UnknownPlaceholder(InvalidInput):
    """A template names a value its kind of message does not have; ``available`` are the ones it has."""

    def __init__(self, part: str, placeholder: str, available: list[str]) -> None:
        super().__init__(f"unknown value {placeholder}; this message has: {', '.join(available)}", field=part)
        self.placeholder = placeholder
        self.available = available


@raises(NotAuthenticated, Forbidden)
def list_notification_templates(who: Identity | None, *, documents: DocumentStore) -> NotificationTemplateList:
    """Every kind and language, each saying whether the admins' own template or the built-in one is used."""
    ensure_admin(who)
    own = {(t.kind, t.language): t for t in ReferenceRepository(documents).notification_templates()}
    items = []
    for kind in templates.TEMPLATES:
        for language in LANGUAGES:
            stored = own.get((kind, language))
            items.append(
                NotificationTemplateSummary(
                    kind=kind,
                    language=language,
                    custom=stored is not None,
                    updated_at=stored.updated_at if stored else None,
                    updated_by=stored.updated_by if stored else None,
                )
            )
    return NotificationTemplateList(items=items)


@raises(NotAuthenticated, Forbidden, NotFound)
def get_notification_template(
    who: Identity | None, kind: str, language: str, *, documents: DocumentStore
) -> NotificationTemplateView:
    ensure_admin(who)
    return _view(documents, kind, _checked_name(kind, language))


@raises(NotAuthenticated, Forbidden, NotFound, InvalidInput)
def put_notification_template(
    who: Identity | None,
    kind: str,
    language: str,
    request: NotificationTemplateText,
    *,
    documents: DocumentStore,
    clock: Clock,
    settings: Settings,
) -> NotificationTemplateView:
    admin = ensure_admin(who)
    chosen = _checked_name(kind, language)
    _checked(kind, chosen, request, settings)  # refused before anything is written
    now = clock.now()
    own = NotificationTemplate(
        id=NotificationTemplate.id_of(kind, chosen),
        kind=kind,
        language=chosen,
        subject=request.subject,
        html=request.html,
        text=request.text,
        updated_at=now,
        updated_by=admin.subject,
    )
    # The entry first: a change that then failed leaves an entry too many, never a change unaudited.
    _audit(documents, admin, "notification-template.changed", own.id, now)
    ReferenceRepository(documents).put(own)
    forget(documents)
    return _view(documents, kind, chosen)


@raises(NotAuthenticated, Forbidden, NotFound)
def delete_notification_template(
    who: Identity | None, kind: str, language: str, *, documents: DocumentStore, clock: Clock
) -> NotificationTemplateView:
    """Back to the built-in template."""
    admin = ensure_admin(who)
    chosen = _checked_name(kind, language)
    repository = ReferenceRepository(documents)
    if repository.notification_template(kind, chosen) is not None:
        _audit(documents, admin, "notification-template.reset", NotificationTemplate.id_of(kind, chosen), clock.now())
        repository.remove_notification_template(kind, chosen)
        forget(documents)
    return _view(documents, kind, chosen)


@raises(NotAuthenticated, Forbidden, NotFound, InvalidInput)
def preview_notification_template(
    who: Identity | None,
    kind: str,
    language: str,
    request: NotificationTemplatePreview,
    *,
    documents: DocumentStore,
    settings: Settings,
) -> templates.Rendered:
    """The proposed template, its parts left out taken from the one in use, rendered against sample data."""
    ensure_admin(who)
    chosen = _checked_name(kind, language)
    current = _view(documents, kind, chosen)
    proposed = NotificationTemplateText(
        subject=request.subject or current.subject, html=request.html or current.html, text=request.text or current.text
    )
    return _checked(kind, chosen, proposed, settings)


def _audit(documents: DocumentStore, admin: Identity, action: str, target: str, now: datetime) -> None:
    AuditRepository(documents).append(AuditEvent.record(admin, REFERENCE_TRAIL, action, now, target=target))
