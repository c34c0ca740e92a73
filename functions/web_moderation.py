"""The moderation console: the hearing's queue of responses by state, each response's text with its flags
marked, redaction with a reason, approve and decline, and campaigns decided in one step.

Only those who run the hearing (its owner and admins, as the services decide) reach these pages; for
everyone else they are the 404 page, so they do not reveal that the hearing has responses to moderate.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import azure.functions as func
from pydantic import ValidationError

from functions.webui.forms import FieldError, FormErrors
from functions.webui.highlight import occurrences, pieces
from functions.webui.pages import Visit, redirect, render
from functions.webui.routing import pages_on, sign_in_link
from functions.webui.visits import form_of
from shared.bootstrap import call
from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound, PortalError, StaleWrite
from shared.domain.identity import Identity
from shared.domain.moderation import public_version
from shared.domain.redaction import Redaction, Span
from shared.domain.screening.flags import FlagKind, FlagState
from shared.services import campaign_views, hearings, moderation, responses
from shared.services.moderating import language_from
from shared.services.moderation import ModerationCounts
from shared.services.responses import ModeratedResponseView

bp = func.Blueprint()
page = pages_on(bp)
PAGE_SIZE = 20
QUEUE = "hoeringer/{hearing_id}/moderation"
RESPONSE = QUEUE + "/{response_id}"


def N_(message: str) -> str:
    """Marks a text for the catalogue; translated when shown."""
    return message


# The queue's filters: (query value, label); "flagged" is awaiting review with a flag nobody has decided.
STATES = (
    ("", N_("All")),
    ("awaiting_review", N_("Awaiting review")),
    ("flagged", N_("Flagged")),
    ("approved", N_("Approved")),
    ("declined", N_("Declined")),
)
STATE_NAMES = {
    "submitted": N_("Received, not yet screened"),
    "awaiting_review": N_("Awaiting review"),
    "approved": N_("Approved"),
    "declined": N_("Declined"),
    "withdrawn": N_("Withdrawn"),
}
FLAG_KINDS = {
    FlagKind.CPR: N_("CPR number"),
    FlagKind.EMAIL: N_("E-mail address"),
    FlagKind.PHONE: N_("Phone number"),
    FlagKind.NAME: N_("Name"),
    FlagKind.ADDRESS: N_("Address"),
    FlagKind.BLACKLISTED: N_("Blacklisted term"),
}
FLAG_STATES = {FlagState.OPEN: N_("Open"), FlagState.ACCEPTED: N_("Accepted"), FlagState.REDACTED: N_("Redacted")}
MESSAGES = {
    "reason": N_("Write why: the respondent is told."),
    "reason-personal": N_("The reason must not itself contain a CPR number, an e-mail address or a phone number."),
    "too-long": N_("Write at most 2,000 characters."),
    "passage": N_("Write the text to remove, exactly as it stands in the response."),
    "cpr": N_("A CPR number is never published: it can only be redacted."),
    "open-flags": N_("Decide every flag first, or tick “Anonymise every open flag”."),
    "status": N_("This response cannot be decided now: it was withdrawn, or the hearing is read-only."),
    "gone": N_("This was changed in the meantime. Reload the page and try again."),
    "other": N_("This could not be done. Reload the page and try again."),
}


def problems_of(error: PortalError | ValidationError, reason: str = "") -> list[tuple[str, str]]:
    """What went wrong, as (the form's place for it, the key of its message in ``MESSAGES``).

    The places are "reason", "passage", "flags" (the flag's own card) and "decision" (the form as a whole);
    ``reason`` is what the caseworker wrote, which tells a missing reason from one that is refused.
    """
    if isinstance(error, ValidationError):
        found = []
        for issue in error.errors():
            name = str(issue["loc"][0]) if issue["loc"] else ""
            if name == "reason":
                found.append(("reason", "too-long" if issue["type"] == "string_too_long" else "reason"))
            elif name == "spans":
                found.append(("passage", "passage"))
            else:
                found.append(("decision", "other"))
        return list(dict.fromkeys(found)) or [("decision", "other")]
    fields = [problem.field for problem in error.problems]
    if isinstance(error, InvalidInput) and "reason" in fields:
        return [("reason", "reason-personal" if reason.strip() else "reason")]
    if isinstance(error, InvalidInput) and "spans" in fields:
        return [("passage", "passage")]
    if isinstance(error, Conflict):
        if "flags" in fields:  # accepting a CPR number
            return [("flags", "cpr")]
        if any(name.startswith(("flags[", "attachments[")) for name in fields):  # approving with open flags
            return [("decision", "open-flags")]
        if "status" in fields:
            return [("decision", "status")]
    if isinstance(error, (StaleWrite, NotFound)):
        return [("decision", "gone")]
    return [("decision", "other")]


def errors_of(
    error: PortalError | ValidationError, visit: Visit, where: dict[str, str], reason: str = ""
) -> FormErrors:
    """Each problem at the element of the form it belongs to (``where`` maps a place to the element's id)."""
    return FormErrors(
        [
            FieldError(where.get(place, where["decision"]), visit._(MESSAGES[key]))
            for place, key in problems_of(error, reason)
        ]
    )


def counts_for(who: Identity, hearing_id: str) -> ModerationCounts:
    """The queue's counts, or the 404 page for anyone who does not run the hearing."""
    try:
        return call(moderation.moderation_counts, who, hearing_id)
    except (Forbidden, NotAuthenticated):
        raise NotFound("no such hearing") from None


def ensure_moderator(who: Identity, hearing_id: str) -> None:
    """The 404 page for anyone who does not run the hearing; unlike the counts, it reads no response."""
    try:
        call(moderation.ensure_moderator, who, hearing_id)
    except (Forbidden, NotAuthenticated):
        raise NotFound("no such hearing") from None


def _queue_path(hearing_id: str) -> str:
    return f"/hoeringer/{quote(hearing_id)}/moderation"


def _back_to_queue(hearing_id: str) -> str:
    return sign_in_link(_queue_path(hearing_id))


# -- the queue ---------------------------------------------------------------------------------------------


@page(QUEUE)
def queue(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    return _queue(req, visit, who, req.route_params["hearing_id"])


def _queue(
    req: func.HttpRequest,
    visit: Visit,
    who: Identity,
    hearing_id: str,
    errors: FormErrors | None = None,
    status: int = 200,
) -> func.HttpResponse:
    counts = counts_for(who, hearing_id)
    hearing = call(hearings.get_hearing, who, hearing_id)
    state = req.params.get("tilstand", "")
    state = state if state in {value for value, _ in STATES} else ""
    items, token = _page(who, hearing_id, state, req.params.get("fra") or None, visit.language)
    groups = call(campaign_views.hearing_campaigns, who, hearing_id).items
    more = f"?{urlencode({'tilstand': state, 'fra': token})}" if token else None
    return render(
        visit,
        "moderation.html",
        status,
        hearing=hearing,
        items=items,
        more=more,
        state=state,
        states=STATES,
        counts=counts,
        state_names=STATE_NAMES,
        groups=groups,
        # Every screened response has a group id, also one alone in it: only a campaign's members are labelled.
        campaign_of={member.response_id: group.id for group in groups for member in group.members},
        errors=errors,
        decided=req.params.get("afgjort"),
        failed=req.params.get("fejl"),
    )


def _page(
    who: Identity, hearing_id: str, state: str, continuation: str | None, language: str
) -> tuple[list[ModeratedResponseView], str | None]:
    """One page of the queue; "flagged" reads pages of those awaiting review until it has a page of flagged."""
    status = "awaiting_review" if state == "flagged" else (state or None)
    found: list[ModeratedResponseView] = []
    while True:
        listed = call(
            moderation.moderation_list, who, hearing_id, status, None, None, PAGE_SIZE, continuation, language
        )
        found += [r for r in listed.items if state != "flagged" or any(f.is_open for f in r.flags)]
        continuation = listed.continuation
        if len(found) >= PAGE_SIZE or continuation is None:
            return found, continuation


@page(RESPONSE, "POST")
def decide(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """Approve (publish) or decline with a reason, from the queue or from the response's own page."""
    hearing_id, response_id = req.route_params["hearing_id"], req.route_params["response_id"]
    if who is None:
        return redirect(_back_to_queue(hearing_id), visit)
    ensure_moderator(who, hearing_id)
    form = form_of(req)
    reason = form.get("reason", "").strip()
    from_detail = form.get("from") == "response"
    try:
        decision = responses.Decision(clear_flags=form.get("clearFlags") == "on", publish=True, reason=reason or None)
        call(responses.decide_response, who, hearing_id, response_id, form.get("decision") == "approve", decision)
    except (PortalError, ValidationError) as error:
        if isinstance(error, NotFound):
            raise
        if from_detail:
            errors = errors_of(error, visit, {"decision": "decision", "reason": "reason"}, reason)
            return _response(visit, who, hearing_id, response_id, errors, 422)
        where = {"decision": f"decision-{response_id}", "reason": f"reason-{response_id}"}
        visit.path = _queue_path(hearing_id)  # the form was on the queue: its language switch leads there
        return _queue(req, visit, who, hearing_id, errors_of(error, visit, where, reason), 422)
    if from_detail:
        return redirect(f"/hoeringer/{quote(hearing_id)}/moderation/{quote(response_id)}", visit)
    return redirect(f"/hoeringer/{quote(hearing_id)}/moderation", visit)


# -- one response --------------------------------------------------------------------------------------------


@page(RESPONSE)
def response(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    return _response(visit, who, req.route_params["hearing_id"], req.route_params["response_id"])


def _response(
    visit: Visit,
    who: Identity,
    hearing_id: str,
    response_id: str,
    errors: FormErrors | None = None,
    status: int = 200,
    preview: str | None = None,
    form: dict[str, str] | None = None,
    original: str | None = None,
    view: ModeratedResponseView | None = None,
) -> func.HttpResponse:
    """The response's page; a form handler passes the original and the view it has read already."""
    ensure_moderator(who, hearing_id)
    hearing = call(hearings.get_hearing, who, hearing_id)
    view = view or _moderated(who, hearing_id, response_id, visit.language)
    if original is None:
        # The original, to mark the flags in: the service writes the read to the trail before it hands it out.
        original = call(moderation.read_original, who, hearing_id, response_id).text
    return render(
        visit,
        "moderation_response.html",
        status,
        hearing=hearing,
        response=view,
        pieces=pieces(original, view.flags, view.redactions),
        flag_kinds=FLAG_KINDS,
        flag_states=FLAG_STATES,
        state_names=STATE_NAMES,
        errors=errors,
        preview=preview,
        form=form or {},
    )


def _moderated(who: Identity, hearing_id: str, response_id: str, language: str) -> ModeratedResponseView:
    view = call(responses.get_response, who, hearing_id, response_id, language)
    if not isinstance(view, ModeratedResponseView):
        raise NotFound("no such response")
    return view


@page(RESPONSE + "/markering", "POST", shown_on=RESPONSE)
def decide_flag(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """Accept or redact one flag, with a reason if the caseworker gives one; the respondent is told of a redaction."""
    hearing_id, response_id = req.route_params["hearing_id"], req.route_params["response_id"]
    if who is None:
        return redirect(_back_to_queue(hearing_id), visit)
    ensure_moderator(who, hearing_id)
    form = form_of(req)
    flag, reason = form.get("flag", ""), form.get("reason", "").strip()
    where = {"decision": f"flag-{flag}", "flags": f"flag-{flag}", "reason": f"flag-reason-{flag}"}
    try:
        request = moderation.FlagDecision(
            decision="accept" if form.get("decision") == "accept" else "redact", reason=reason or None
        )
        call(moderation.decide_flag, who, hearing_id, response_id, flag, request)
    except (PortalError, ValidationError) as error:
        if isinstance(error, NotFound) and any(p.field in ("hearingId", "responseId") for p in error.problems):
            raise
        errors = errors_of(error, visit, where, reason)
        return _response(visit, who, hearing_id, response_id, errors, 422, form={f"flag-reason-{flag}": reason})
    return redirect(f"/hoeringer/{quote(hearing_id)}/moderation/{quote(response_id)}", visit)


@page(RESPONSE + "/redigering", "POST", shown_on=RESPONSE)
def redact(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """Remove a passage, everywhere it stands, with a reason; "preview" shows the published text first."""
    hearing_id, response_id = req.route_params["hearing_id"], req.route_params["response_id"]
    if who is None:
        return redirect(_back_to_queue(hearing_id), visit)
    ensure_moderator(who, hearing_id)
    form = form_of(req)
    passage, reason = form.get("passage", ""), form.get("reason", "").strip()
    shown = {"passage": passage, "redaction-reason": reason}
    original = call(moderation.read_original, who, hearing_id, response_id).text
    spans = occurrences(original, passage.strip())
    problems = [FieldError("passage", visit._(MESSAGES["passage"]))] if not spans else []
    if not reason:
        problems.append(FieldError("redaction-reason", visit._(MESSAGES["reason"])))
    if problems:
        return _response(visit, who, hearing_id, response_id, FormErrors(problems), 422, form=shown, original=original)
    where = {"decision": "passage", "passage": "passage", "reason": "redaction-reason"}
    try:
        request = moderation.RedactionRequest(spans=[Span(start=s, end=e) for s, e in spans], reason=reason)
        if form.get("action") == "preview":
            view = _moderated(who, hearing_id, response_id, visit.language)
            made = [Redaction(span=span, reason=reason, by=who.subject, at=view.updated_at) for span in request.spans]
            preview = public_version(original, view.flags, [*view.redactions, *made], language_from(visit.language))
            return _response(
                visit, who, hearing_id, response_id, preview=preview, form=shown, original=original, view=view
            )
        call(moderation.redact_spans, who, hearing_id, response_id, request)
    except (PortalError, ValidationError) as error:
        if isinstance(error, NotFound):
            raise
        errors = errors_of(error, visit, where, reason)
        return _response(visit, who, hearing_id, response_id, errors, 422, form=shown, original=original)
    return redirect(f"/hoeringer/{quote(hearing_id)}/moderation/{quote(response_id)}", visit)


# -- campaigns -----------------------------------------------------------------------------------------------


@page("hoeringer/{hearing_id}/kampagner/{group_id}", "POST", shown_on=QUEUE)
def decide_campaign(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """Approve or decline every member of a campaign in one step; each member is decided on its own."""
    hearing_id, group_id = req.route_params["hearing_id"], req.route_params["group_id"]
    if who is None:
        return redirect(_back_to_queue(hearing_id), visit)
    ensure_moderator(who, hearing_id)
    group = next((g for g in call(campaign_views.hearing_campaigns, who, hearing_id).items if g.id == group_id), None)
    if group is None:
        raise NotFound("no such campaign")
    form = form_of(req)
    reason = form.get("reason", "").strip()
    where = {"decision": f"group-{group_id}", "reason": f"group-reason-{group_id}"}
    try:
        request = moderation.BulkDecision(
            ids=[member.response_id for member in group.members],
            decision="approve" if form.get("decision") == "approve" else "decline",
            reason=reason or None,
            clear_flags=form.get("clearFlags") == "on",
        )
        outcome = call(moderation.bulk_decide, who, hearing_id, request)
    except (PortalError, ValidationError) as error:
        if isinstance(error, NotFound):
            raise
        return _queue(req, visit, who, hearing_id, errors_of(error, visit, where, reason), 422)
    done = urlencode({"afgjort": outcome.succeeded, "fejl": outcome.failed})
    return redirect(f"/hoeringer/{quote(hearing_id)}/moderation?{done}#group-{quote(group_id)}", visit)


@page("hoeringer/{hearing_id}/kampagner/{group_id}/{response_id}/udtag", "POST", shown_on=QUEUE)
def detach(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """Take one response out of its campaign: from then on it is moderated on its own."""
    hearing_id, group_id = req.route_params["hearing_id"], req.route_params["group_id"]
    if who is None:
        return redirect(_back_to_queue(hearing_id), visit)
    ensure_moderator(who, hearing_id)
    try:
        call(campaign_views.split_campaign_member, who, hearing_id, group_id, req.route_params["response_id"])
    except (Conflict, InvalidInput, StaleWrite) as error:
        return _queue(req, visit, who, hearing_id, errors_of(error, visit, {"decision": f"group-{group_id}"}), 422)
    return redirect(f"/hoeringer/{quote(hearing_id)}/moderation", visit)
