"""Domain errors: what went wrong, in the portal's words. How each is answered over HTTP (status,
problem type, title) is decided at the edge, in ``functions/problems.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class PortalError(Exception):
    def __init__(self, detail: str, *, field: str | None = None, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or ([FieldProblem(field, detail)] if field else [])


class InvalidInput(PortalError):
    """Input that breaks a rule; ``field`` names it."""


class UnsupportedMediaType(InvalidInput):
    """The body is sent in a form (Content-Type) the operation does not read."""


class NotAuthenticated(PortalError):
    """Nobody (or nobody we trust) is signed in."""


class Forbidden(PortalError):
    """The caller sees the thing but may not do this."""


class NotFound(PortalError):
    """It does not exist, or the caller may not know that it does."""


class Conflict(PortalError):
    """The current state does not allow this."""


class HearingNotOpen(Conflict):
    """The hearing does not take responses now."""


class StaleWrite(PortalError):
    """Someone else changed the thing since the caller read it."""


class PayloadTooLarge(PortalError):
    """The request's body is larger than any the operation takes; it was not read."""


class PreconditionRequired(PortalError):
    """A change that could overwrite someone else's was sent without the version it was based on."""


class TooManyRequests(PortalError):
    """The caller asked too often; ``retry_after`` seconds until the next try may succeed."""

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def raises(*errors: type[PortalError]) -> Callable[[F], F]:
    """Declares the domain errors a service may raise; the HTTP edge documents their answers from it."""

    def declare(service: F) -> F:
        service.raises = errors  # type: ignore[attr-defined]
        return service

    return declare


def declared_errors(service: Callable[..., object]) -> tuple[type[PortalError], ...]:
    found: tuple[type[PortalError], ...] = getattr(service, "raises", ())
    return found
