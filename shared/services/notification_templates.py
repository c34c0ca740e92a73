"""Notification texts: one template per message and language, each rendered from a typed context.

A template (``templates/notifications/<language>/<name>.j2``) holds three blocks: ``subject``,
``text`` and ``html``. The HTML block is rendered with autoescaping, so a hearing title such as
``<script>`` arrives as text; subject and text are plain text and are not escaped.

Times are Copenhagen wall-clock times to the minute with the date written out ("fredag den 12.
december 2026 kl. 12.00", "Friday 12 December 2026 at 12:00"). Babel supplies the month and day
names of both languages from CLDR, so no table of names is kept here.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from shared.domain.base import COPENHAGEN, Instant, PortalModel
from shared.domain.errors import NotFound
from shared.ports.mail import Language

if TYPE_CHECKING:
    from jinja2 import Environment

_FOLDER = Path(__file__).parent / "templates" / "notifications"
_WHEN = {"da": ("da_DK", "EEEE 'den' d. MMMM y 'kl'. HH.mm"), "en": ("en_GB", "EEEE d MMMM y 'at' HH:mm")}


def when(value: datetime, language: Language) -> str:
    """An instant as Copenhagen wall-clock time, written out in ``language``."""
    from babel.dates import format_datetime  # loaded when a message is rendered, not when a function starts

    locale, pattern = _WHEN[language]
    return format_datetime(value, pattern, tzinfo=COPENHAGEN, locale=locale)


@cache
def _environment(autoescape: bool) -> Environment:
    # jinja2 loads when the first message is rendered: most functions never render one.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
    from jinja2.runtime import Context

    @pass_context
    def _when(context: Context, value: datetime) -> str:
        return when(value, context["language"])

    environment = Environment(
        loader=FileSystemLoader(_FOLDER),
        autoescape=autoescape,  # noqa: S701 (the text environment renders plain-text parts only)
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["when"] = _when
    return environment


# --- contexts ------------------------------------------------------------------------------------


class HearingRef(PortalModel):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)


class MessageContext(PortalModel):
    template: ClassVar[str]
    hearing: HearingRef
    unsubscribe_url: str | None = None  # for followers; invitees and respondents get none


class NewHearing(MessageContext):
    template = "new_hearing"
    summary: str = ""
    deadline: Instant


class ChangedHearing(MessageContext):
    template = "changed_hearing"
    changes: list[str] = Field(min_length=1)  # what changed, already in the recipient's language


class DeadlineSoon(MessageContext):
    template = "deadline_soon"
    deadline: Instant
    days: int = Field(ge=0)


class Concluded(MessageContext):
    template = "concluded"
    conclusion: str


class Cancelled(MessageContext):
    template = "cancelled"
    reason: str | None = None


class ResponseReceipt(MessageContext):
    template = "receipt"
    received_at: Instant
    verification_code: str = Field(min_length=1)
    verify_url: str | None = None  # the signed receipt file, which anyone can check at /api/receipts/verify


class ResponseDeclined(MessageContext):
    template = "declined"
    reason: str = Field(min_length=1)


class ResponsePublished(MessageContext):
    template = "published"


class ResponseRedacted(MessageContext):
    template = "redacted"
    reason: str | None = None


class InviteeOpened(MessageContext):
    template = "invitee_opened"
    deadline: Instant


class ReviewerAdded(MessageContext):
    template = "reviewer_added"
    added_by: str | None = None


class ReviewWaiting(MessageContext):
    """To a hearing's owner and reviewers: responses have waited for review longer than the limit."""

    template = "review_waiting"
    waiting: int = Field(ge=1)  # responses past the limit now
    hours: int = Field(ge=1)  # the limit


class MeetingDetails(PortalModel):
    title: str
    starts_at: Instant
    ends_at: Instant
    place: str  # an address or an online URL


class MeetingInvitation(MessageContext):
    template = "meeting_invitation"
    meeting: MeetingDetails


class MeetingReminder(MessageContext):
    template = "meeting_reminder"
    meeting: MeetingDetails


class MeetingChanged(MessageContext):
    template = "meeting_changed"
    meeting: MeetingDetails
    changes: list[str] = Field(min_length=1)


class MeetingCancelled(MessageContext):
    template = "meeting_cancelled"
    meeting: MeetingDetails


class DigestItem(PortalModel):
    hearing: HearingRef
    happened_at: Instant
    summary: str


class DigestGroup(PortalModel):
    hearing: HearingRef
    items: list[DigestItem]


class Digest(PortalModel):
    """The owner's daily or weekly digest: grouped by hearing, newest first (groups and items)."""

    template: ClassVar[str] = "digest"
    period: Literal["daily", "weekly"]
    items: list[DigestItem]
    unsubscribe_url: str | None = None

    @property
    def groups(self) -> list[DigestGroup]:
        by_hearing: dict[str, list[DigestItem]] = {}
        for item in sorted(self.items, key=lambda i: i.happened_at, reverse=True):
            by_hearing.setdefault(item.hearing.id, []).append(item)
        return [DigestGroup(hearing=items[0].hearing, items=items) for items in by_hearing.values()]


Context_ = MessageContext | Digest


class Rendered(PortalModel):
    subject: str
    text: str
    html: str


# --- rendering -----------------------------------------------------------------------------------


def render(context: Context_, *, language: Language, web_base_url: str) -> Rendered:
    """The message in ``language`` with links into the web front end at ``web_base_url``."""
    web = web_base_url.rstrip("/")
    values: dict[str, Any] = {
        "c": context,
        "language": language,
        "hearing_url": (f"{web}/hoeringer/{context.hearing.id}" if isinstance(context, MessageContext) else None),
        "web": web,
    }
    name = f"{language}/{context.template}.j2"
    subject = " ".join(_block(_environment(False), name, "subject", values).split())
    return Rendered(
        subject=subject,
        text=_block(_environment(False), name, "text", values).strip() + "\n",
        html=_block(_environment(True), name, "html", {**values, "subject": subject}).strip() + "\n",
    )


def _block(environment: Environment, name: str, block: str, values: dict[str, Any]) -> str:
    template = environment.get_template(name)
    language = values["language"]
    values = {**values, "layout": environment.get_template(f"{language}/_layout.j2").module}
    return "".join(template.blocks[block](template.new_context(values)))


TEMPLATES: dict[str, type[MessageContext] | type[Digest]] = {
    model.template: model
    for model in (
        NewHearing,
        ChangedHearing,
        DeadlineSoon,
        Concluded,
        Cancelled,
        ResponseReceipt,
        ResponseDeclined,
        ResponsePublished,
        ResponseRedacted,
        InviteeOpened,
        ReviewerAdded,
        ReviewWaiting,
        MeetingInvitation,
        MeetingReminder,
        MeetingChanged,
        MeetingCancelled,
        Digest,
    )
}


def preview(template: str, *, language: Language, web_base_url: str) -> Rendered:
    """Any template rendered with sample data, for an administrator to look at."""
    model = TEMPLATES.get(template)
    if model is None:
        raise NotFound(f"no template named {template}", field="template")
    sample = {**_SAMPLE, "unsubscribe_url": f"{web_base_url.rstrip('/')}/abonnementer"}
    return render(model.model_validate(sample), language=language, web_base_url=web_base_url)


_SAMPLE_HEARING = {"id": "eksempel", "title": "Lokalplan for Ørestad Syd"}
_SAMPLE: dict[str, Any] = {
    "hearing": _SAMPLE_HEARING,
    "summary": "Planen giver mulighed for boliger og en ny skole.",
    "deadline": "2026-12-12T12:00",
    "days": 3,
    "changes": ["Høringsfristen er flyttet til 12. december."],
    "conclusion": "Planen vedtages med ændringer.",
    "reason": "Svaret indeholder personoplysninger om andre.",
    "received_at": "2026-12-01T09:41",
    "verification_code": "7F3K-Q9XD-2M4A-8B1C",
    "verify_url": "https://hoeringsportal.example.dk/api/hearings/eksempel/responses/svar/receipt?version=1",
    "added_by": "Mette Hansen",
    "waiting": 4,
    "hours": 48,
    "meeting": {
        "title": "Borgermøde om Ørestad Syd",
        "starts_at": "2026-12-03T19:00",
        "ends_at": "2026-12-03T21:00",
        "place": "Ørestad Bibliotek, Arne Jacobsens Allé 21",
    },
    "period": "daily",
    "items": [
        {"hearing": _SAMPLE_HEARING, "happened_at": "2026-12-01T10:00", "summary": "3 nye høringssvar"},
        {
            "hearing": {"id": "andet", "title": "Trafikplan for Amager"},
            "happened_at": "2026-12-01T08:00",
            "summary": "1 nyt høringssvar",
        },
    ],
}
