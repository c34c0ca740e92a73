"""My pages ("mine"): what was filed in my name, what I follow, and how I am told.

Every page here is for a signed-in person about themselves; a signed-out visitor is sent to sign in.
The one exception is where a message's unsubscribe link leads (``/afmeld``): its signed token says whom.
The pages call the services behind ``GET /api/me/responses``, the response versions, the subscriptions
and the notification preferences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import azure.functions as func
from pydantic import ValidationError

from functions.webui.file_texts import file_size, file_type
from functions.webui.forms import FieldError, FormErrors
from functions.webui.pages import Visit, redirect, render
from functions.webui.paths import on_this_site
from functions.webui.routing import pages_on, sign_in_link
from functions.webui.visits import form_of
from shared.bootstrap import call
from shared.domain.errors import InvalidInput, NotFound, PortalError
from shared.domain.identity import Identity
from shared.domain.notice import EVERYTHING
from shared.domain.preferences import PreferencesRequest
from shared.domain.response import response_id_for
from shared.domain.subscription import TargetKind
from shared.services import hearings, preferences, response_receipts, responses, subscriptions, web_links
from shared.services.hearing_api import HearingView
from shared.services.response_receipts import MyResponse, VersionsView
from shared.services.responses import ResponseView

bp = func.Blueprint()
page = pages_on(bp)
PAGE_SIZE = 20
SUBSCRIPTIONS = "/mine/abonnementer"
SETTINGS = "/mine/indstillinger"


def N_(message: str) -> str:
    return message


# What a change on the subscriptions page says afterwards (``?besked=...``).
NOTICES = {"fulgt": N_("You now follow it."), "ophoert": N_("You no longer follow it.")}


@dataclass(frozen=True)
class Filed:
    """One response filed in my name, with its hearing (None when I may no longer see it) and its history."""

    summary: MyResponse
    hearing: HearingView | None
    response: ResponseView | None
    versions: VersionsView | None
    current: bool  # the hearing's receipt pages show this response (one response per person and hearing)


@page("mine")
def mine(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    found = call(response_receipts.my_responses, who, PAGE_SIZE, req.params.get("fra") or None)
    filed = [_filed(who, item) for item in found.items]
    return render(
        visit, "mine.html", filed=filed, continuation=found.continuation, file_type=file_type, file_size=_size(visit)
    )


def _filed(who: Identity, item: MyResponse) -> Filed:
    try:
        hearing: HearingView | None = call(hearings.get_hearing, who, item.hearing_id)
        response = call(responses.get_response, who, item.hearing_id, item.id)
        versions: VersionsView | None = call(response_receipts.response_versions, who, item.hearing_id, item.id)
    except NotFound:  # a hearing I may no longer see: what was filed is still listed, by its receipt
        hearing, response, versions = None, None, None
    own = response if isinstance(response, ResponseView) else None
    return Filed(item, hearing, own, versions, item.id == response_id_for(item.hearing_id, who.subject))


# -- what I follow ------------------------------------------------------------------------------------


@page("mine/abonnementer")
def my_subscriptions(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    return _subscriptions(visit, who, FormErrors(), {})


def _subscriptions(
    visit: Visit, who: Identity, errors: FormErrors, draft: dict[str, str], status: int = 200
) -> func.HttpResponse:
    areas = call(subscriptions.followable_areas)
    names = {(TargetKind.SUBJECT_AREA, a.id): a.name for a in areas.subject_areas} | {
        (TargetKind.CITY_AREA, a.id): a.name for a in areas.city_areas
    }
    follows = []
    for follow in call(subscriptions.my_subscriptions, who):
        name = names.get((follow.kind, follow.target_id), follow.target_id)
        if follow.kind is TargetKind.HEARING:
            try:
                name = call(hearings.get_hearing, who, follow.target_id).title
            except NotFound:
                name = visit._("A hearing you can no longer see")
        follows.append((follow, name))
    notice = NOTICES.get(visit.query.get("besked", ""))
    return render(
        visit,
        "mine_subscriptions.html",
        status,
        follows=follows,
        areas=areas,
        errors=errors,
        draft=draft,
        notice=visit._(notice) if notice else None,
    )


@page("mine/abonnementer", "POST")
def follow(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    form = form_of(req)
    back = _back(form.get("tilbage"))
    if who is None:
        return redirect(sign_in_link(back.split("?")[0]), visit)
    field, kind, target = _target(form)
    try:
        if not target:
            raise InvalidInput("nothing chosen to follow", field="targetId")
        call(subscriptions.follow, who, subscriptions.FollowRequest(kind=kind, target_id=target))
    except (ValidationError, PortalError) as error:
        if isinstance(error, NotFound) and kind is TargetKind.HEARING:
            raise
        message = (
            visit._("Write a KLE number such as 02.00 or 02.00.05.")
            if field == "kle"
            else visit._("Choose a subject area or city area to follow.")
        )
        return _subscriptions(visit, who, FormErrors([FieldError(field, message)]), form, status=422)
    return redirect(_with_notice(back, "fulgt"), visit)


@page("mine/abonnementer/ophoer", "POST", shown_on="mine/abonnementer")
def unfollow(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    form = form_of(req)
    back = _back(form.get("tilbage"))
    if who is None:
        return redirect(sign_in_link(back.split("?")[0]), visit)
    try:
        kind = TargetKind(form.get("kind", ""))
        call(subscriptions.unfollow, who, kind, form.get("targetId", ""))
    except (ValueError, NotFound):
        pass  # not followed (any more): the page shows what is followed now
    return redirect(_with_notice(back, "ophoert"), visit)


def _target(form: dict[str, str]) -> tuple[str, TargetKind, str]:
    """(the form field to name on an error, what kind of thing, its id) from one of the follow forms."""
    if "area" in form:
        kind, _, area = form["area"].partition(":")
        chosen = kind in (TargetKind.SUBJECT_AREA.value, TargetKind.CITY_AREA.value)
        return "area", TargetKind(kind) if chosen else TargetKind.SUBJECT_AREA, area if chosen else ""
    if "kle" in form:
        return "kle", TargetKind.KLE, form["kle"].strip()
    kind = form.get("kind", "")
    known = kind in {k.value for k in TargetKind}
    return "targetId", TargetKind(kind) if known else TargetKind.HEARING, form.get("targetId", "") if known else ""


def _back(wanted: str | None) -> str:
    return on_this_site(wanted, SUBSCRIPTIONS)  # never an open redirect


def _with_notice(back: str, notice: str) -> str:
    if not back.startswith(SUBSCRIPTIONS):
        return back
    return f"{SUBSCRIPTIONS}?besked={quote(notice)}"


# -- how I am told --------------------------------------------------------------------------------------


@page("mine/indstillinger")
def my_settings(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    current = call(preferences.my_preferences, who)
    saved = visit.query.get("gemt") == "1"
    return _settings(visit, who, current.model_dump(), FormErrors(), saved)


@page("mine/indstillinger", "POST")
def save_settings(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    if who is None:
        return redirect(sign_in_link(SETTINGS), visit)
    form = form_of(req)
    chosen = {"frequency": form.get("frequency", ""), "language": form.get("language", "")}
    chosen["channel"] = form.get("channel", "")
    try:
        request = PreferencesRequest.model_validate(chosen)
        call(preferences.set_preferences, who, request)
    except ValidationError as error:
        names = [str(issue["loc"][0]) for issue in error.errors() if issue["loc"]] or ["frequency"]
        messages = [FieldError(name, visit._(_CHOOSE[name])) for name in dict.fromkeys(names) if name in _CHOOSE]
        return _settings(visit, who, chosen, FormErrors(messages), False, status=422)
    except InvalidInput as error:
        field = next((p.field for p in error.problems if p.field), None) or "channel"
        message = visit._(_CHANNEL_UNAVAILABLE.get(chosen["channel"], _CHOOSE["channel"]))
        return _settings(visit, who, chosen, FormErrors([FieldError(field, message)]), False, status=422)
    return redirect(f"{SETTINGS}?gemt=1", visit)


_CHOOSE = {
    "frequency": N_("Choose how often you want to be told."),
    "language": N_("Choose the language of the messages."),
    "channel": N_("Choose how the messages reach you."),
}
_CHANNEL_UNAVAILABLE = {
    "email": N_("Your sign-in carries no e-mail address. Choose Digital Post."),
    "digital-post": N_("Digital Post needs a sign-in with a CPR or CVR number. Choose e-mail."),
}


def _settings(
    visit: Visit, who: Identity, chosen: dict[str, str], errors: FormErrors, saved: bool, status: int = 200
) -> func.HttpResponse:
    return render(
        visit,
        "mine_settings.html",
        status,
        chosen=chosen,
        errors=errors,
        saved=saved,
        has_email=bool(who.email),
        has_digital_post=bool(who.cpr or who.cvr),
    )


def _size(visit: Visit) -> Callable[[int | None], str]:
    return lambda size: file_size(size, visit.language)


# -- the unsubscribe link of a message ---------------------------------------------------------------

UNSUBSCRIBE = web_links.UNSUBSCRIBE_PAGE.lstrip("/")


def _one_click(req: func.HttpRequest) -> bool:
    """A mail client's one-click unsubscribe (RFC 8058 §3.1): a POST of exactly this field, without a session.
    The link's signed token is what allows it, as for the button, so no CSRF token is needed."""
    return form_of(req).get("List-Unsubscribe") == "One-Click"


@page(UNSUBSCRIBE)
def unsubscribe_page(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """What the link in a message stops, with a button: a GET changes nothing, as mail scanners follow links."""
    token = visit.query.get("token", "")
    try:
        view = call(preferences.unsubscribe_preview, token)
    except InvalidInput:
        return render(visit, "unsubscribe.html", 400, valid=False, token="", what="", done=False, following=False)
    return _unsubscribe(visit, token, view, done=False)


@page(UNSUBSCRIBE, "POST", needs_no_csrf=_one_click)
def unsubscribe(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """The button on the page, or a mail client's one-click POST to the List-Unsubscribe address."""
    token = form_of(req).get("token") or visit.query.get("token", "")
    try:
        view = call(preferences.unsubscribe, token)
    except InvalidInput:
        return render(visit, "unsubscribe.html", 400, valid=False, token="", what="", done=False, following=False)
    return _unsubscribe(visit, token, view, done=True)


def _unsubscribe(visit: Visit, token: str, view: preferences.UnsubscribeView, done: bool) -> func.HttpResponse:
    return render(
        visit,
        "unsubscribe.html",
        valid=True,
        token=token,
        what=_followed(visit, view.target),
        done=done,
        following=view.following,
    )


def _followed(visit: Visit, target: str) -> str:
    """What a link's target is, in words: a hearing's title, an area's name, a KLE number, or everything."""
    if target == EVERYTHING:
        return visit._("hearings and topics on the portal")
    kind, _, target_id = target.partition(":")
    if kind == TargetKind.HEARING.value:
        try:
            return call(hearings.get_hearing, None, target_id).title
        except NotFound:
            return visit._("a hearing")
    if kind == TargetKind.KLE.value:
        return f"KLE {target_id}"
    areas = call(subscriptions.followable_areas)
    names = {a.id: a.name for a in (*areas.subject_areas, *areas.city_areas)}
    return names.get(target_id, target_id)
