"""How each domain error is answered over HTTP: status, problem type and title (RFC 9457)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.errors import (
    Conflict,
    Forbidden,
    HearingNotOpen,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    PortalError,
    PreconditionRequired,
    StaleWrite,
    TooManyRequests,
    UnsupportedMediaType,
)


@dataclass(frozen=True)
class ProblemType:
    status: int
    slug: str
    title: str


# Most specific first: a subclass without a row of its own is answered as its base class.
PROBLEM_TYPES: dict[type[PortalError], ProblemType] = {
    HearingNotOpen: ProblemType(409, "hearing-not-open", "The hearing does not accept responses"),
    UnsupportedMediaType: ProblemType(
        415, "unsupported-media-type", "The body's Content-Type is not one this operation reads"
    ),
    PayloadTooLarge: ProblemType(413, "payload-too-large", "The request body is too large"),
    InvalidInput: ProblemType(422, "invalid-input", "The request has invalid fields"),
    NotAuthenticated: ProblemType(401, "not-authenticated", "Sign-in required"),
    Forbidden: ProblemType(403, "forbidden", "Not allowed"),
    NotFound: ProblemType(404, "not-found", "Not found"),
    Conflict: ProblemType(409, "conflict", "Conflict with the current state"),
    StaleWrite: ProblemType(412, "stale-write", "Someone else changed this first"),
    PreconditionRequired: ProblemType(428, "precondition-required", "Send the version you changed (If-Match)"),
    TooManyRequests: ProblemType(429, "too-many-requests", "Too many requests"),
    PortalError: ProblemType(400, "bad-request", "Bad request"),
}

# What each status means, for the OpenAPI document.
REASONS = {
    401: "Sign-in required or token refused",
    403: "Not allowed",
    404: "Not found (or not visible to the caller)",
    409: "Conflicts with the current state",
    412: "Changed by someone else (stale ETag)",
    413: "The body is larger than any this operation takes",
    415: "The body's Content-Type is not one this operation reads",
    422: "Invalid fields",
    428: "If-Match missing: send the ETag of the version the change is based on",
    429: "Too many requests from this identity; see Retry-After",
}


def problem_type(error: PortalError | type[PortalError]) -> ProblemType:
    kind = error if isinstance(error, type) else type(error)
    for cls in kind.__mro__:
        found = PROBLEM_TYPES.get(cls)  # type: ignore[call-overload]
        if found is not None:
            return found
    return PROBLEM_TYPES[PortalError]
