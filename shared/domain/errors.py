"""Domain errors. Entry points turn them into application/problem+json answers (RFC 9457)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class PortalError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or ([FieldProblem(field, detail)] if field else [])


class InvalidInput(PortalError):
    status = 422
    slug = "invalid-input"
    title = "The request has invalid fields"


class NotAuthenticated(PortalError):
    status = 401
    slug = "not-authenticated"
    title = "Sign-in required"


class Forbidden(PortalError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(PortalError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(PortalError):
    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class HearingNotOpen(Conflict):
    slug = "hearing-not-open"
    title = "The hearing does not accept responses"


class StaleWrite(PortalError):
    status = 412
    slug = "stale-write"
    title = "Someone else changed this first"


class TooManyRequests(PortalError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
