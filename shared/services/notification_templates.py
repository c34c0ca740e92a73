"""Notification texts: one template per message and language, each rendered from a typed context.

A template (``templates/notifications/<language>/<name>.j2``) holds three blocks: ``subject``,
``text`` and ``html``. The HTML block is rendered with autoescaping, so a hearing title such as
``<script>`` arrives as text; subject and text are plain text and are not escaped.

Times are Copenhagen wall-clock times to the minute with the date written out ("fredag den 12.
december 2026 kl. 12.00", "Friday 12 December 2026 at 12:00"). Babel supplies the month and day
names of both languages from CLDR, so no table of names is kept here.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from shared.domain.base import COPENHAGEN, Instant, PortalModel
from shared.domain.errors import NotFound
from shared.ports.mail import Language
from shared.services.web_links import hearing_page, receipt_page, unsubscribe_page

if TYPE_CHECKING:
    from jinja2 import Environment, Template

log = logging.getLogger(__name__)
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
    from jinja2 import Environment

    return _configured(Environment, autoescape)


def _configured(kind: type[Environment], autoescape: bool) -> Environment:
    """The built-in and the admins' templates share one configuration: the folder, the filters, strictness."""
    from jinja2 import FileSystemLoader, StrictUndefined, pass_context
    from jinja2.runtime import Context

    @pass_context
    def _when(context: Context, value: datetime) -> str:
        return when(value, context["language"])

    environment = kind(
        loader=FileSystemLoader(_FOLDER),
        autoescape=autoescape,  # False only for the plain-text parts
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
    # The owner's own words (plain text): how the subject names the hearing, and a first paragraph.
    subject_name: str | None = None
    introduction: str | None = None


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
    verify_url: str | None = None  # the receipt page: the signed receipt, its file to keep, the check


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


def render(context: Context_, *, language: Language, web_base_url: str, overrides: Overrides | None = None) -> Rendered:
    """The message in ``language`` with links into the web front end at ``web_base_url``, from an
    admin's stored template when ``overrides`` holds one for it. A stored template that fails with
    this message's values gives way to the built-in one: the message still goes out."""
    own = (overrides or {}).get((context.template, language))
    if own is not None:
        try:
            return _rendered(context, language, web_base_url, own)
        except _template_failures() as error:  # evaluated only when one is raised: jinja2 is loaded then
            log.warning(
                "notification template %s/%s failed (%s); the built-in one is used",
                context.template,
                language,
                type(error).__name__,
            )
    return _rendered(context, language, web_base_url, None)


def _rendered(context: Context_, language: Language, web_base_url: str, own: Source | None) -> Rendered:
    """The message from ``own`` when given, else from the built-in template; errors are raised."""
    web = web_base_url.rstrip("/")
    values: dict[str, Any] = {
        "c": context,
        "language": language,
        "hearing_url": hearing_page(web, context.hearing.id) if isinstance(context, MessageContext) else None,
        "web": web,
    }
    name = f"{language}/{context.template}.j2"
    named = values
    if isinstance(context, MessageContext) and context.subject_name:
        renamed = context.hearing.model_copy(update={"title": context.subject_name})
        named = {**values, "c": context.model_copy(update={"hearing": renamed})}
    if own is not None:
        return _custom(own, context, values, named)
    subject = " ".join(_block(_environment(False), name, "subject", named).split())
    text = _block(_environment(False), name, "text", values).strip() + "\n"
    return Rendered(
        subject=subject,
        text=_introduced(context, text),
        html=_block(_environment(True), name, "html", {**values, "subject": subject}).strip() + "\n",
    )


def _introduced(context: Context_, text: str) -> str:
    if isinstance(context, MessageContext) and context.introduction:
        return f"{context.introduction.strip()}\n\n{text}"  # the HTML layout puts it first, escaped
    return text


def _custom(own: Source, context: Context_, values: dict[str, Any], named: dict[str, Any]) -> Rendered:
    subject_source, html_source, text_source = own
    language = values["language"]
    with_layout = {**values, "layout": _sandbox(True).get_template(f"{language}/_layout.j2").module}
    subject = " ".join(_sandboxed(subject_source, False).render({**named, "layout": with_layout["layout"]}).split())
    text = _sandboxed(text_source, False).render(with_layout).strip() + "\n"
    html = _sandboxed(html_source, True).render({**with_layout, "subject": subject}).strip() + "\n"
    return Rendered(subject=subject, text=_introduced(context, text), html=html)


# -- admins' templates: jinja2 in a sandbox --------------------------------------------------------

Source = tuple[str, str, str]  # subject, html, text
Overrides = dict[tuple[str, str], Source]  # by (template, language)


def _template_failures() -> tuple[type[Exception], ...]:
    from jinja2 import TemplateError

    return (TemplateError, TypeError, ValueError, AttributeError, ArithmeticError, LookupError)


@cache
def _sandbox(autoescape: bool) -> Environment:
    # An admin's template may not reach past its values: the sandbox refuses attributes such as
    # __class__, and StrictUndefined makes a misspelt name an error instead of an empty string.
    # Nor may it make more than any message needs (a gigabyte of spaces, a range of a million).
    from shared.services.bounded_sandbox import BoundedSandbox

    return _configured(BoundedSandbox, autoescape)


@functools.lru_cache(maxsize=256)  # compiled once per process and source, not once per message
def _sandboxed(source: str, autoescape: bool) -> Template:
    return _sandbox(autoescape).from_string(source)


class TemplateRefused(ValueError):
    """An admin's template that does not parse, names an unknown value, or reaches past the sandbox."""

    def __init__(self, part: str, reason: str, unknown: str | None = None) -> None:
        super().__init__(reason)
        self.part = part
        self.unknown = unknown  # the placeholder as written ("c.hearing.nonexistent") when one is unknown


def check_custom(template: str, language: Language, own: Source, web_base_url: str) -> Rendered:
    """``own`` rendered against sample data, or TemplateRefused naming the part at fault."""
    from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError
    from jinja2.exceptions import SecurityError, UndefinedError

    model = TEMPLATES[template]
    sample = model.model_validate(_sample(web_base_url))
    for part, source in zip(("subject", "html", "text"), own, strict=True):
        try:
            _sandboxed(source, part == "html")
        except TemplateSyntaxError as error:
            raise TemplateRefused(part, f"the template does not parse: {error.message} (line {error.lineno})") from None
    for index, part in enumerate(("subject", "html", "text")):
        # Each part alone beside plain placeholders, so the refusal names the part at fault.
        probe = (own[0] if index == 0 else "-", own[1] if index == 1 else "-", own[2] if index == 2 else "-")
        try:
            _rendered(sample, language, web_base_url, probe)
        except SecurityError as error:
            raise TemplateRefused(part, f"not allowed in a template: {error}") from None
        except TemplateNotFound:
            # jinja2's own message names the folder it looked in, which is nobody's business.
            raise TemplateRefused(part, "a template may not include or import other files") from None
        except UndefinedError as error:
            unknown = _unknown_placeholder(str(error), own[index])
            raise TemplateRefused(part, f"unknown value: {unknown}", unknown) from None
        except TemplateError as error:
            raise TemplateRefused(part, f"the template fails: {error}") from None
        except (TypeError, ValueError, AttributeError, ArithmeticError, LookupError) as error:
            raise TemplateRefused(part, f"the template fails: {type(error).__name__}") from None
    return _rendered(sample, language, web_base_url, own)


def _unknown_placeholder(reason: str, source: str) -> str:
    """The placeholder a template names that its values do not have, as the template writes it.

    jinja2 names only the last step and the type of the value before it ("'...HearingRef object' has no
    attribute 'nonexistent'", "'hearing' is undefined"); the source has the whole name, "c.hearing.nonexistent".
    """
    import re

    found = re.search(r"has no attribute '(\w+)'|^'(\w+)' is undefined", reason)
    if found is None:
        return reason
    name = found.group(1) or found.group(2)
    written = re.search(rf"(?<![\w.])(?:[A-Za-z_]\w*\.)*{re.escape(name)}(?![\w])", source)
    return written.group(0) if written else name


def built_in_source(template: str, language: Language) -> Source:
    """The built-in template's three parts as jinja2 source, for an admin to start from."""
    import re

    source = (_FOLDER / language / f"{template}.j2").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"{% block (\w+) %}(.*?){% endblock %}", source, flags=re.DOTALL))
    return blocks["subject"].strip(), blocks["html"].strip() + "\n", blocks["text"].strip() + "\n"


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


class Variable(PortalModel):
    """A value an admin's template of one kind may name, as the template writes it."""

    name: str  # e.g. c.hearing.title
    time: bool = False  # an instant: ``{{ c.deadline | when }}`` writes it out in the message's language
    each: list[str] = Field(default_factory=list)  # a list of records: the names each one has


def variables(template: str) -> list[Variable]:
    """The values a template of this kind is rendered with, read from its context model (fields and
    properties, records spelt out), then the ones every message has."""
    model = TEMPLATES[template]
    found = _variables_of(model, "c")
    if issubclass(model, MessageContext):
        found.append(Variable(name="hearing_url"))
    found.extend([Variable(name="web"), Variable(name="language")])
    return found


def _variables_of(model: type[PortalModel], prefix: str) -> list[Variable]:
    import types
    import typing

    hints: dict[str, Any] = {name: info.annotation for name, info in model.model_fields.items()}
    for klass in model.__mro__:
        if not (isinstance(klass, type) and issubclass(klass, PortalModel)) or klass is PortalModel:
            continue
        for name, member in vars(klass).items():
            if isinstance(member, property) and member.fget is not None and not name.startswith("_"):
                hints.setdefault(name, typing.get_type_hints(member.fget).get("return"))
    found: list[Variable] = []
    for name, annotation in hints.items():
        kind = annotation
        if typing.get_origin(kind) in (typing.Union, types.UnionType):  # X | None: the X
            kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
        if typing.get_origin(kind) is list:
            item = typing.get_args(kind)[0]
            each = [v.name.removeprefix(".") for v in _variables_of(item, "")] if _is_model(item) else []
            found.append(Variable(name=f"{prefix}.{name}", each=each))
        elif _is_model(kind):
            found.extend(_variables_of(kind, f"{prefix}.{name}"))
        else:
            found.append(Variable(name=f"{prefix}.{name}", time=kind is datetime))
    return found


def _is_model(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, PortalModel)


def _sample(web_base_url: str) -> dict[str, Any]:
    """The sample values every preview and every check of an admin's template renders with."""
    return {
        **_SAMPLE,
        "unsubscribe_url": unsubscribe_page(web_base_url, "eksempel"),
        "verify_url": receipt_page(web_base_url, _SAMPLE_HEARING["id"]),
    }


def preview(
    template: str,
    *,
    language: Language,
    web_base_url: str,
    hearing: HearingRef | None = None,
    own_words: dict[str, str | None] | None = None,
) -> Rendered:
    """Any template rendered with sample data, for an administrator to look at; an owner sees their
    hearing's notices with its title and their own words (``subject_name``, ``introduction``)."""
    model = TEMPLATES.get(template)
    if model is None:
        raise NotFound(f"no template named {template}", field="template")
    sample = _sample(web_base_url)
    if hearing is not None:
        sample["hearing"] = hearing.model_dump()
    if own_words:
        sample |= own_words
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
