"""The authorisation matrix: every HTTP function x every persona x every kind of hearing.

Expected answers are written from the access rules of the product brief (section 3), not taken
from the code that enforces them:

- A hearing the caller may not see answers 404, never 403, so its existence does not leak.
- Functions that need a sign-in check it first: anonymous callers get 401 whether or not they could
  see the hearing (the services refuse an anonymous caller before loading anything).
- Seen but not allowed: 403. A change the hearing's state does not allow: 409.
- Drafts are seen by the owner, reviewers and admins only; published (scheduled or later) external
  hearings by everyone; internal ones by employees; closed ones by their invitees (and staff).
- Responses only while a hearing is active: citizens and companies to external hearings, invitees to
  closed ones, employees to internal ones. Only the author edits or withdraws a response (anyone
  else: 404). A concluded hearing is read-only: no edits, no moderation.
- Owner and admins manage (edit, schedule, invite, moderate, conclude, read the audit trail);
  reviewers see every state but may not manage.
- Public meetings follow their hearing: whoever sees the hearing sees its meetings and may sign up
  once it is published and until it is concluded; the attendee lists are the managers' alone.

A few read functions also say what a 200 showed ("listed" / "unlisted", "staff" / "public" view).
The test fails when a registered HTTP function is missing from the matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.matrix_support import (
    ADMIN,
    ANNA,
    ANONYMOUS,
    ASKS,
    BO,
    CLOSED,
    COMPANY,
    CONCLUDED,
    DRAFT,
    EMPLOYEE,
    EXTERNAL,
    INTERNAL,
    INVITEE,
    KINDS,
    OWNER,
    PERSONAS,
    RESPONSE_AUTHOR,
    REVIEWER,
    SCHEDULED,
    World,
    registered_http_functions,
    run_function,
)

Rule = Callable[[str, str], str]  # (persona, kind) -> expected outcome

# -- who sees which hearing -----------------------------------------------------------------------------

X, _ = True, False
# fmt: off
SEES = {
    #             anonymous anna bo company employee owner reviewer invitee admin
    DRAFT:      (_,        _,   _,  _,      _,       X,    X,       _,      X),
    SCHEDULED:  (X,        X,   X,  X,      X,       X,    X,       X,      X),
    EXTERNAL:   (X,        X,   X,  X,      X,       X,    X,       X,      X),
    INTERNAL:   (_,        _,   _,  _,      X,       X,    X,       _,      X),
    CLOSED:     (_,        _,   _,  _,      _,       X,    X,       X,      X),
    CONCLUDED:  (X,        X,   X,  X,      X,       X,    X,       X,      X),
}
# fmt: on

MANAGERS = {OWNER, ADMIN}
STAFF = {OWNER, REVIEWER, ADMIN}  # see the hearing in every state, with the caseworkers' fields
EMPLOYEES = {EMPLOYEE, OWNER, REVIEWER, ADMIN}
CREATORS = {OWNER, ADMIN}  # HearingCreator or Admin role
# Who may respond to an active hearing of each kind. The invitee is a citizen too, so an external
# hearing takes their response like anyone's signed in with MitID.
RESPONDERS = {EXTERNAL: {ANNA, BO, COMPANY, INVITEE}, INTERNAL: EMPLOYEES, CLOSED: {INVITEE}}


def sees(persona: str, kind: str) -> bool:
    return SEES[kind][PERSONAS.index(persona)]


# -- rule builders ----------------------------------------------------------------------------------------


def everyone(outcome: str) -> Rule:
    return lambda persona, kind: outcome


def signed_in(outcome: str) -> Rule:
    return lambda persona, kind: "401" if persona == ANONYMOUS else outcome


def creators(outcome: str) -> Rule:
    def rule(persona: str, kind: str) -> str:
        if persona == ANONYMOUS:
            return "401"
        return outcome if persona in CREATORS else "403"

    return rule


def visible(then: Rule) -> Rule:
    """404 for a hearing the caller may not see (anonymous included), else ``then``."""
    return lambda persona, kind: then(persona, kind) if sees(persona, kind) else "404"


def signed_in_and_visible(then: Rule) -> Rule:
    return lambda persona, kind: "401" if persona == ANONYMOUS else visible(then)(persona, kind)


def admins(outcome: str) -> Rule:
    """Reference data: admins only, whatever the hearing."""

    def rule(persona: str, kind: str) -> str:
        if persona == ANONYMOUS:
            return "401"
        return outcome if persona == ADMIN else "403"

    return rule


def managed(outcome_by_kind: dict[str, str]) -> Rule:
    """Owner and admins only: 401, then 404 when hidden, 403 when seen but not managed."""

    def rule(persona: str, kind: str) -> str:
        return outcome_by_kind[kind] if persona in MANAGERS else "403"

    return signed_in_and_visible(rule)


_KIND_ARGUMENTS = {"draft": DRAFT, "scheduled": SCHEDULED, "external": EXTERNAL, "internal": INTERNAL}
_KIND_ARGUMENTS |= {"closed": CLOSED, "concluded": CONCLUDED}


def by_kind(default: str, **exceptions: str) -> dict[str, str]:
    """``by_kind("200", concluded="409")``: one outcome for every kind but the ones named."""
    return {kind: default for kind in KINDS} | {_KIND_ARGUMENTS[name]: value for name, value in exceptions.items()}


def is_author(persona: str, kind: str) -> bool:
    return RESPONSE_AUTHOR.get(kind) == persona


def submitting(persona: str, kind: str) -> str:
    if kind not in RESPONDERS:
        return "409"  # not open: a draft, a scheduled or a concluded hearing
    return "201" if persona in RESPONDERS[kind] else "403"


def own_response_while_active(persona: str, kind: str) -> str:
    if not is_author(persona, kind):
        return "404"  # someone else's response, or none at all
    return "409" if kind == CONCLUDED else "200"


def attaching(persona: str, kind: str) -> str:
    if not is_author(persona, kind):
        return "404"  # someone else's response, or none at all
    return "409" if kind == CONCLUDED else "201"


def reads_response(persona: str, kind: str) -> bool:
    # The seeded responses are not published yet: only their author and the managers read them.
    # Drafts and scheduled hearings hold none.
    return kind in RESPONSE_AUTHOR and (is_author(persona, kind) or persona in MANAGERS)


def reading_response(persona: str, kind: str) -> str:
    return "200" if reads_response(persona, kind) else "404"


def listing_responses(persona: str, kind: str) -> str:
    return "200 listed" if reads_response(persona, kind) else "200 unlisted"


def hearing_view(persona: str, kind: str) -> str:
    return "200 staff" if persona in STAFF else "200 public"


def listing_hearings(persona: str, kind: str) -> str:
    return "200 listed" if sees(persona, kind) else "200 unlisted"


# Drafts and scheduled hearings hold no response (404). A concluded hearing is read-only (brief,
# section 4): approving or declining then would change what is published after it went to the records.
MODERATION = by_kind("200", draft="404", scheduled="404", concluded="409")
# Reading what moderators see works in every state; drafts and scheduled hearings hold no response.
MODERATION_READ = by_kind("200", draft="404", scheduled="404")

# Sign-ups open when the hearing is published; the concluded hearing's meeting is long over.
SIGN_UP = by_kind("200", draft="409", concluded="409")

# -- the matrix ---------------------------------------------------------------------------------------

MATRIX: dict[str, Rule] = {
    # Platform and the development issuer (enabled here): no hearing, no sign-in.
    "health": everyone("200"),
    "health_live": everyone("200"),
    "openapi": everyone("200"),
    "dev_discovery": everyone("200"),
    "dev_jwks": everyone("200"),
    "dev_personas": everyone("200"),
    "dev_authorize_page": everyone("200"),
    "dev_authorize_choice": everyone("302 code"),  # redirected back to the client with a code
    "dev_token": everyone("200"),
    # Hearings.
    "list_hearings": listing_hearings,
    "create_hearing": creators("201"),
    "get_hearing": visible(hearing_view),
    "edit_hearing": managed(by_kind("200", concluded="409")),
    "schedule_hearing": managed(by_kind("200", concluded="409")),
    "conclude_hearing": managed(by_kind("409")),  # only a hearing past its deadline is concluded
    "cancel_hearing": managed(by_kind("409", draft="200", scheduled="200")),
    "request_document_upload": managed(by_kind("201", concluded="409")),
    "set_invitees": managed(by_kind("200", concluded="409")),
    "audit_trail": managed(by_kind("200")),
    # Records: only a concluded hearing is journalised; asking queues a run (202).
    "journalise_now": managed(by_kind("409", concluded="202")),
    # Responses.
    "submit_response": signed_in_and_visible(submitting),
    "list_responses": visible(listing_responses),
    "get_response": visible(reading_response),
    "revise_response": signed_in_and_visible(own_response_while_active),
    "withdraw_response": signed_in_and_visible(own_response_while_active),
    "approve_response": managed(MODERATION),
    "decline_response": managed(MODERATION),
    # Moderation: owner and admins; reviewers see the hearing but do not moderate (brief, section 3).
    "moderation_list": managed(by_kind("200 listed", draft="200 unlisted", scheduled="200 unlisted")),
    "bulk_decide": managed(by_kind("200", concluded="409")),  # each item's outcome is in the body
    "list_flags": managed(MODERATION_READ),
    "decide_flag": managed(MODERATION),
    "redact_spans": managed(MODERATION),
    "read_original": managed(MODERATION_READ),
    "set_notes": managed(MODERATION),
    # Terms and blacklist: the current terms are public; managing them is for admins.
    "current_terms": everyone("200"),
    "list_terms": admins("200"),
    "publish_terms": admins("200"),
    "get_blacklist": admins("200"),
    "put_blacklist": admins("200"),
    # Templates: admins manage them; whoever creates hearings reads them to choose one.
    "list_templates": creators("200"),
    "get_template": creators("200"),
    "put_template": admins("200"),
    # Areas and KLE numbers: admins only; each removal cell removes one unused entry of its own.
    "list_areas": admins("200"),
    "put_area": admins("200"),
    "remove_area": admins("204"),
    "list_kle": admins("200"),
    "import_kle": admins("200"),
    "put_kle": admins("200"),
    "remove_kle": admins("204"),
    # Owners: admins find an employee's hearings and move any hearing, whatever its state, but archived.
    "hearings_of_owner": admins("200"),
    "move_hearing": admins("200"),
    # Subscriptions: following needs sight of the hearing; stopping never does.
    "follow": signed_in_and_visible(everyone("201")),
    "my_subscriptions": signed_in("200"),
    "unfollow": signed_in("204"),
    # A person's own data: anyone signed in, about themselves only.
    "my_data": signed_in("200"),
    "delete_my_data": signed_in("200"),
    # Attachments and downloads: a document follows its hearing; an unpublished response's attachment
    # is read by whoever reads the response.
    "request_attachment_upload": signed_in_and_visible(attaching),
    "download_document": visible(everyone("302")),
    "download_attachment": visible(lambda persona, kind: "302" if reads_response(persona, kind) else "404"),
    # Public meetings.
    "list_meetings": visible(everyone("200")),
    "get_meeting": visible(everyone("200")),
    "meeting_calendar": visible(everyone("200")),
    "plan_meeting": managed(by_kind("201", concluded="409")),
    "change_meeting": managed(by_kind("200", concluded="409")),
    "cancel_meeting": managed(by_kind("200", concluded="409")),
    "sign_up_for_meeting": signed_in_and_visible(lambda persona, kind: SIGN_UP[kind]),
    "withdraw_from_meeting": signed_in_and_visible(lambda persona, kind: "409" if kind == CONCLUDED else "204"),
    "meeting_attendees": managed(by_kind("200")),
    "export_meeting_attendees_xlsx": managed(by_kind("200")),
    "export_meeting_attendees_csv": managed(by_kind("200")),
    # Receipts: keys and verification are public; a receipt file and the versions are the respondent's
    # and the managers'; tree heads of a hearing anyone may see (drafts and scheduled ones have no log yet).
    "receipt_keys": everyone("200"),
    "verify_receipt": everyone("200"),
    "response_receipt": signed_in_and_visible(reading_response),
    "response_versions": signed_in_and_visible(reading_response),
    "tree_heads": visible(everyone("200")),
    "tree_head_consistency": visible(lambda persona, kind: "422" if kind in (DRAFT, SCHEDULED) else "200"),
    "my_responses": signed_in("200"),
    # Notifications: preferences are one's own; an unsubscribe link works without sign-in (its token
    # says whom); delivery status is for those who run the hearing.
    "my_preferences": signed_in("200"),
    "set_preferences": signed_in("200"),
    "unsubscribe_preview": everyone("200"),
    "unsubscribe": everyone("200"),
    "hearing_deliveries": managed(by_kind("200")),
    # Campaigns: the grouping for those who run the hearing, published campaigns for whoever sees it;
    # the seeded response is its group's template, which is never taken out (409).
    "hearing_campaigns": managed(by_kind("200")),
    "public_campaigns": visible(everyone("200")),
    "split_campaign_member": managed(by_kind("409", draft="404", scheduled="404")),
    # Exports of the responses: owner and admins, in every state.
    "create_export": managed(by_kind("201")),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    folder: Path = tmp_path_factory.mktemp("matrix")
    return World(folder)


def test_every_registered_http_function_is_in_the_matrix() -> None:
    registered = set(registered_http_functions())
    assert registered - MATRIX.keys() == set(), "HTTP functions missing from the authorisation matrix"
    assert MATRIX.keys() - registered == set(), "the matrix names functions the app does not register"
    assert registered - ASKS.keys() == set(), "HTTP functions without a request to send in the matrix"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(world: World, name: str) -> None:
    function = registered_http_functions().get(name)
    assert function is not None, f"{name} is not a registered HTTP function"
    got = run_function(world, function)
    rule = MATRIX[name]
    wrong = [
        (persona, kind, rule(persona, kind), got[(persona, kind)])
        for persona in PERSONAS
        for kind in KINDS
        if got[(persona, kind)] != rule(persona, kind)
    ]
    assert not wrong, _table(name, wrong)


def _table(name: str, rows: list[tuple[str, str, str, str]]) -> str:
    header = ("function", "persona", "kind", "expected", "got")
    lines = [(name, *row) for row in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in [header, *lines]]
    return f"{len(rows)} of {len(PERSONAS) * len(KINDS)} cells differ:\n" + "\n".join(text)
