"""What a caseworker may decide about a flag, and when a flagged text may be published."""

from __future__ import annotations

from collections.abc import Iterable

from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.screening.flags import Flag, FlagKind, FlagState


def decide(flags: Iterable[Flag], flag_id: str, state: FlagState) -> Flag:
    """Accept or redact one flag by its id."""
    if state is FlagState.OPEN:
        raise InvalidInput("a flag is decided by accepting or redacting it", field="state")
    for flag in flags:
        if flag.id == flag_id:
            if state is FlagState.ACCEPTED:
                accept(flag)
            else:
                flag.state = FlagState.REDACTED
            return flag
    raise NotFound(f"the response has no flag {flag_id}", field="flagId")


def accept(flag: Flag) -> None:
    if flag.kind is FlagKind.CPR:
        raise Conflict(
            f"flag {flag.id} is a CPR number, which is never published: it can only be redacted", field="flags"
        )
    flag.state = FlagState.ACCEPTED


def default_decision(flag: Flag, text: str, *, own_name: str | None, publish_name: bool) -> FlagState:
    """What clearing every flag at once decides: redact, except the respondent's own name when they chose to
    publish it. Blacklisted terms are redacted too: an admin listed them so that they are not published."""
    if flag.kind is FlagKind.NAME and publish_name and own_name and is_own_name(flag.covered_text(text), own_name):
        return FlagState.ACCEPTED
    return FlagState.REDACTED


def resolve_open(flags: Iterable[Flag], text: str, *, own_name: str | None, publish_name: bool) -> None:
    for flag in flags:
        if flag.is_open:
            flag.state = default_decision(flag, text, own_name=own_name, publish_name=publish_name)


def publishable(flags: Iterable[Flag]) -> bool:
    """Every flag decided, and no CPR number accepted (a stored one could predate the rule)."""
    return all(
        flag.state is FlagState.REDACTED or (flag.state is FlagState.ACCEPTED and flag.kind is not FlagKind.CPR)
        for flag in flags
    )


def is_own_name(found: str, own_name: str) -> bool:
    """ "Anna" and "Anna Jensen" are Anna Jensen's own name; "Anna Hansen" is not."""
    own_words = set(own_name.casefold().split())
    found_words = found.casefold().split()
    # A genitive ("Annas forslag") is still the name.
    return bool(found_words) and all(word in own_words or word.removesuffix("s") in own_words for word in found_words)
