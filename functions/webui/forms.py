"""Form errors: each names its field, is shown next to it and in the summary at the top (WCAG 3.3.1, 3.3.3).

The services' problems (``PortalError`` with ``field``, as the API answers them) and the request models'
validation errors become messages from the catalogue, keyed by the field and the kind of problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from functions.webui.pages import Visit
from shared.domain.errors import (
    Conflict,
    Forbidden,
    HearingNotOpen,
    NotAuthenticated,
    PortalError,
    StaleWrite,
    TooManyRequests,
)


def _(message: str) -> str:
    """Marks a text for the catalogue; it is translated when shown."""
    return message


# The field a form shows a service's problem at, when the problem names another (the hearing, the version).
FORM_FIELD = {"hearingId": "text", "If-Match": "text", "status": "decision"}
BY_ERROR: dict[type[PortalError], str] = {
    HearingNotOpen: _("The hearing does not take responses now."),
    Conflict: _("You have already responded to this hearing. Edit your response instead."),
    Forbidden: _("You cannot respond to this hearing."),
    NotAuthenticated: _("Sign in to do this."),
    TooManyRequests: _("You have sent many responses in a short time. Try again in a minute."),
    StaleWrite: _("Your response was changed elsewhere. Reload the page and try again."),
}
BY_VALIDATION = {
    ("text", "string_too_short"): _("Write your response."),
    ("text", "string_too_long"): _("Your response is too long: at most 50,000 characters."),
}
# What to do about a field, whatever the problem with it was.
BY_FIELD = {
    "acceptedTerms": _("Tick “I accept the terms for responses” to send your response."),
}
LABELS = {"text": _("Your response"), "decision": _("Decision")}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class FormErrors:
    items: list[FieldError] = field(default_factory=list)
    anchor: str | None = None

    def __bool__(self) -> bool:
        return bool(self.items)

    def of(self, name: str) -> list[str]:
        return [item.message for item in self.items if item.field == name]


def errors_from(error: ValidationError | PortalError, visit: Visit, anchor: str | None = None) -> FormErrors:
    found: list[FieldError] = []
    if isinstance(error, ValidationError):
        for issue in error.errors():
            name = str(issue["loc"][0]) if issue["loc"] else "text"
            default = BY_FIELD.get(_camel(name), _("Check this field."))
            text = BY_VALIDATION.get((name, issue["type"]), default)
            found.append(FieldError(_camel(name), visit._(text)))
    else:
        known = next((text for kind, text in BY_ERROR.items() if isinstance(error, kind)), None)
        names = [FORM_FIELD.get(p.field, p.field) for p in error.problems] or ["text"]
        conflict_on_moderation = isinstance(error, Conflict) and anchor is not None
        if conflict_on_moderation:
            known = _("This response cannot be decided now: clear its flags first, or the hearing is read-only.")
        found.extend(
            FieldError(name, visit._(known or BY_FIELD.get(name, _("Check this field."))))
            for name in dict.fromkeys(names)
        )
    return FormErrors(found, anchor)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
