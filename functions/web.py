"""The web pages: citizens, companies and caseworkers in a browser, in Danish and English.

Server-rendered on DKFDS and usable without JavaScript. Each page calls the same services as the API
(``call(service, ...)``) with the identity from the session cookie; a domain error becomes a message
next to the field it names, or the 404 page for a hearing the visitor may not see.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any
from urllib.parse import quote

import azure.functions as func
from pydantic import ValidationError

from functions.http import API_PREFIX, problem
from functions.webui import i18n, oidc
from functions.webui.file_texts import attachment_refusal, file_size, file_type
from functions.webui.forms import FieldError, FormErrors, errors_from
from functions.webui.pages import SECURITY_HEADERS, Visit, redirect, render
from functions.webui.paths import on_this_site
from functions.webui.routing import pages_on, sign_in_link
from functions.webui.session import SIGN_IN_COOKIE
from functions.webui.static_files import IMMUTABLE, SHORT, static_file
from functions.webui.visits import cookies, files_of, form_of, sign_in_issuer
from shared.bootstrap import call, dependencies
from shared.domain.attachments import AttachmentState
from shared.domain.errors import InvalidInput, NotFound, PortalError
from shared.domain.hearing import HearingStatus
from shared.domain.identity import Identity
from shared.domain.receipts import receipt_payload_of
from shared.domain.response import response_id_for
from shared.domain.subscription import TargetKind
from shared.domain.text import whole_number
from shared.services import (
    campaign_views,
    downloads,
    hearings,
    meetings,
    response_attachments,
    response_receipts,
    responses,
    subscriptions,
)
from shared.services.hearing_api import HearingView
from shared.services.responses import ResponseSubmission, ResponseView
from shared.services.terms import current_or_none

log = logging.getLogger(__name__)
bp = func.Blueprint()
PAGE_SIZE = 20
GROUPS = (
    (HearingStatus.ACTIVE,),
    (HearingStatus.SCHEDULED,),
    (HearingStatus.AWAITING_CONCLUSION, HearingStatus.CONCLUDED),
)
page = pages_on(bp)


# -- everyone ----------------------------------------------------------------------------------------------


# Functions routes cannot be empty (that means "the function's name"): the front page is the catch-all,
# which the host tries after every literal route; any other path it receives is the 404 page.
@page("{*path}")
def hearing_list(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    rest = req.route_params.get("path") or ""
    if rest.startswith(API_PREFIX) or rest == API_PREFIX.rstrip("/"):
        return problem(404, "Not Found", "no such API path")
    if rest.strip("/"):
        raise NotFound("no such page")
    search = (req.params.get("q") or "").strip()
    status = req.params.get("status") or ""
    area = req.params.get("omraade") or ""
    kle = (req.params.get("kle") or "").strip()
    found = call(hearings.list_hearings, who, PAGE_SIZE, req.params.get("fra") or None)
    # The filters narrow the page the service returned; "vis flere" continues where it stopped.
    shown = [h for h in found.items if _matches(h, search, status, area, kle)]
    groups = [(group[0].value, [h for h in shown if h.status in group]) for group in GROUPS]
    return render(
        visit,
        "hearings.html",
        groups=groups,
        search=search,
        wanted_status=status,
        area=area,
        kle=kle,
        area_choices=_area_choices(found.items),
        continuation=found.continuation,
    )


def _area_choices(listed: list[HearingView]) -> dict[str, list[tuple[str, str]]]:
    """The subject and city areas of the hearings listed, each as (id, name) sorted by name.

    An area an admin has since removed has no name any more: it is shown by its id.
    """
    known = call(subscriptions.followable_areas)
    names = {area.id: area.name for area in (*known.subject_areas, *known.city_areas)}

    def named(ids: set[str]) -> list[tuple[str, str]]:
        return sorted(((i, names.get(i, i)) for i in ids), key=lambda pair: (pair[1].casefold(), pair[0]))

    return {
        "subject": named({a for h in listed for a in h.subject_area_ids}),
        "city": named({a for h in listed for a in h.city_area_ids}),
    }


def _matches(hearing: HearingView, search: str, status: str, area: str, kle: str) -> bool:
    text = f"{hearing.title}\n{hearing.summary}\n{hearing.body}".casefold()
    return (
        (not search or search.casefold() in text)
        and (not status or hearing.status.value == status)
        and (not area or area in (*hearing.subject_area_ids, *hearing.city_area_ids))
        and (not kle or (hearing.kle or "").startswith(kle))
    )


@page("hoeringer/{hearing_id}")
def hearing_page(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return _hearing(req, visit, who, FormErrors(), None)


def _hearing(
    req: func.HttpRequest, visit: Visit, who: Identity | None, errors: FormErrors, draft: str | None, status: int = 200
) -> func.HttpResponse:
    hearing_id = req.route_params["hearing_id"]
    hearing = call(hearings.get_hearing, who, hearing_id)
    listed = call(responses.list_responses, who, hearing_id, PAGE_SIZE, req.params.get("svar") or None, visit.language)
    own = next((r for r in listed.items if isinstance(r, ResponseView)), None) if who else None
    own = own if own is None or own.id == response_id_for(hearing_id, who.subject if who else "") else None
    # Campaigns are shown as groups, each member once: the members leave the list of single responses.
    # Asked for only when something is published, so an open hearing's page reads no campaigns.
    shown = any(r is not own and getattr(r, "published", True) for r in listed.items)
    campaigns = call(campaign_views.public_campaigns, who, hearing_id, visit.language).items if shown else []
    grouped = {member.response_id for campaign in campaigns for member in campaign.members}
    published = [r for r in listed.items if r is not own and getattr(r, "published", True) and r.id not in grouped]
    following = who is not None and any(
        s.kind is TargetKind.HEARING and s.target_id == hearing_id for s in call(subscriptions.my_subscriptions, who)
    )
    return render(
        visit,
        "hearing.html",
        status,
        hearing=hearing,
        published=published,
        campaigns=campaigns,
        continuation=listed.continuation,
        own=own if own is not None and own.status.value != "withdrawn" else None,
        withdrawn=visit.query.get("trukket") == "ja" and own is not None and own.status.value == "withdrawn",
        errors=errors,
        draft=draft,
        terms=call(current_or_none),  # consent is asked for only when there are terms to accept
        open=hearing.status is HearingStatus.ACTIVE,
        meetings=call(meetings.list_meetings, who, hearing_id).items,
        following=following,
        file_type=file_type,
        file_size=functools.partial(file_size, language=visit.language),
        time_of_day=functools.partial(i18n.time_of_day, language=visit.language),
    )


@page("hoeringer/{hearing_id}/dokumenter/{document_id}")
def hearing_document(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """A hearing document, through a short-lived link of its own (as ``GET /api/hearings/{id}/documents/{doc}``)."""
    hearing_id, document_id = req.route_params["hearing_id"], req.route_params["document_id"]
    return redirect(call(downloads.download_document, who, hearing_id, document_id).url, visit)


@page("hoeringer/{hearing_id}/svar/{response_id}/bilag/{attachment_id}")
def response_attachment(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """A published attachment for anyone; the respondent's own and the moderators' in any state."""
    hearing_id, response_id = req.route_params["hearing_id"], req.route_params["response_id"]
    link = call(downloads.download_attachment, who, hearing_id, response_id, req.route_params["attachment_id"])
    return redirect(link.url, visit)


@page("hoeringer/{hearing_id}/moeder/{meeting_id}/kalender.ics")
def meeting_calendar(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    hearing_id, meeting_id = req.route_params["hearing_id"], req.route_params["meeting_id"]
    file = call(meetings.meeting_calendar, who, hearing_id, meeting_id)
    headers = {
        # The file's type already carries its charset: as a mimetype the host would add a second one.
        "Content-Type": file.content_type,
        "Content-Disposition": f'attachment; filename="{file.filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return func.HttpResponse(file.data, status_code=200, headers=headers)


@page("was")
def accessibility(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return render(visit, "accessibility.html")


@page("vilkaar")
def terms(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return render(visit, "terms.html")


@page("cookies")
def cookie_page(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return render(visit, "cookies.html")


# -- signed in ---------------------------------------------------------------------------------------------


@page("hoeringer/{hearing_id}/svar", "POST", shown_on="hoeringer/{hearing_id}")
def respond(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    hearing_id = req.route_params["hearing_id"]
    if who is None:
        return redirect(sign_in_link(f"/hoeringer/{quote(hearing_id)}"), visit)
    form = form_of(req)
    text = form.get("text", "")
    files = files_of(req, "attachments")
    try:
        submission = ResponseSubmission(
            text=text.strip(),
            publish_name=form.get("publishName") == "on",
            accepted_terms=whole_number(form.get("acceptedTerms", "")),
        )
        if form.get("responseId"):
            response_id = form["responseId"]
            own = call(responses.get_response, who, hearing_id, response_id)
            # Only adding files is not a new version of the text.
            unchanged = (
                isinstance(own, ResponseView)
                and own.text == submission.text
                and own.publish_name == submission.publish_name
            )
            if not (files and unchanged):
                call(responses.revise_response, who, hearing_id, response_id, submission)
        else:
            arrived = dependencies().clock.now()
            response_id = call(responses.submit_response, who, hearing_id, submission, arrived)[0].response_id
    except (ValidationError, PortalError) as error:
        if isinstance(error, NotFound) and error.problems and error.problems[0].field != "hearingId":
            raise
        return _hearing(req, visit, who, errors_from(error, visit), text, status=422)
    # The response is stored: from here on the page confirms it, and a refused file is reported beside it.
    refused = _attach(who, hearing_id, response_id, files, visit)
    if refused:
        return _receipt(visit, who, hearing_id, refused)
    return redirect(f"/hoeringer/{quote(hearing_id)}/kvittering", visit)


def _attach(who: Identity, hearing_id: str, response_id: str, files: list[Any], visit: Visit) -> list[str]:
    """Each file through the attachment checks; the refused ones, each named with its reason."""
    refused = []
    for file in files:
        try:
            view = call(response_attachments.attach_file, who, hearing_id, response_id, file.filename, file.data)
        except PortalError as error:
            if isinstance(error, NotFound):
                raise
            refused.append(f"«{file.filename}»: {_refused_before_checking(error, visit)}")
            continue
        if view.state in (AttachmentState.REJECTED, AttachmentState.QUARANTINED):
            refused.append(attachment_refusal(view, visit))
    return refused


def _refused_before_checking(error: PortalError, visit: Visit) -> str:
    """Why a file was refused before its content was looked at: its name, the count, or the response's state."""
    fields = [p.field for p in error.problems]
    if "attachments" in fields:
        return visit._("The response carries as many files as it may.")
    if "filename" in fields:
        return visit._("A file's name cannot be used: give it a plain name with an extension, such as bilag.pdf.")
    return visit._("The file could not be added to your response just now.")


@page("hoeringer/{hearing_id}/svar/{response_id}")
def own_response(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """Where the respondent's notices link to: the response on "mine", with its versions and attachments."""
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    response = call(responses.get_response, who, req.route_params["hearing_id"], req.route_params["response_id"])
    return redirect(f"/mine#svar-{quote(response.id)}", visit)


@page("hoeringer/{hearing_id}/moeder/{meeting_id}/tilmelding", "POST", shown_on="hoeringer/{hearing_id}")
def sign_up_for_meeting(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return _meeting_sign_up(req, visit, who, cancel=False)


@page("hoeringer/{hearing_id}/moeder/{meeting_id}/afmelding", "POST", shown_on="hoeringer/{hearing_id}")
def cancel_meeting_sign_up(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return _meeting_sign_up(req, visit, who, cancel=True)


def _meeting_sign_up(req: func.HttpRequest, visit: Visit, who: Identity | None, cancel: bool) -> func.HttpResponse:
    hearing_id, meeting_id = req.route_params["hearing_id"], req.route_params["meeting_id"]
    back = f"/hoeringer/{quote(hearing_id)}#meeting-{quote(meeting_id)}"
    if who is None:
        return redirect(sign_in_link(back), visit)
    try:
        call(meetings.withdraw_sign_up if cancel else meetings.sign_up, who, hearing_id, meeting_id)
    except PortalError as error:
        if isinstance(error, NotFound):
            raise
        message = (
            visit._("The meeting has started, so the sign-up can no longer be cancelled.")
            if cancel
            else visit._("The hearing does not take sign-ups for its meetings now.")
        )
        errors = FormErrors([FieldError(f"meeting-{meeting_id}", message)])
        return _hearing(req, visit, who, errors, None, status=409)
    return redirect(back, visit)


@page("hoeringer/{hearing_id}/kvittering")
def receipt(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    hearing_id = req.route_params["hearing_id"]
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    return _receipt(visit, who, hearing_id, [])


def _receipt(visit: Visit, who: Identity, hearing_id: str, refused: list[str]) -> func.HttpResponse:
    """The receipt of the visitor's response; ``refused`` names the files just sent that were not received."""
    hearing = call(hearings.get_hearing, who, hearing_id)
    response_id = response_id_for(hearing_id, who.subject)
    response = call(responses.get_response, who, hearing_id, response_id)
    signed = call(response_receipts.response_receipt, who, hearing_id, response_id)
    return render(
        visit,
        "receipt.html",
        hearing=hearing,
        response=response,
        signed=signed,
        text_sha256=receipt_payload_of(signed.receipt).text_sha256,  # as the receipt file names it
        refused=refused,
        file_type=file_type,
        file_size=functools.partial(file_size, language=visit.language),
    )


@page("hoeringer/{hearing_id}/kvittering/fil")
def receipt_file(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """The receipt file to keep: what the verification page and ``tools/verify_receipt.py`` check."""
    hearing_id = req.route_params["hearing_id"]
    if who is None:
        return redirect(sign_in_link(f"/hoeringer/{quote(hearing_id)}/kvittering"), visit)
    response_id = response_id_for(hearing_id, who.subject)
    # A version's own receipt for the history on "mine"; the current one without.
    version = whole_number(req.params.get("version") or "") or None
    try:
        signed = call(response_receipts.response_receipt, who, hearing_id, response_id, version)
    except InvalidInput:
        raise NotFound("no such version of the response") from None  # the 404 page: a link to a version not kept
    suffix = f"-v{version}" if version else ""
    headers = {
        "Content-Disposition": f'attachment; filename="kvittering-{response_id}{suffix}.json"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    body = json.dumps(signed.to_document(), ensure_ascii=False, indent=2)
    return func.HttpResponse(body, status_code=200, mimetype="application/json", charset="utf-8", headers=headers)


@page("kvittering/tjek")
def verify_page(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return render(visit, "verify.html", errors=FormErrors(), verdict=None, pasted="")


@page("kvittering/tjek", "POST")
def verify(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    form = form_of(req)
    pasted = form.get("receipt", "").strip()
    given = form.get("file", "").strip() or pasted  # a chosen file wins over the text field
    try:
        request = response_receipts.VerifyRequest(receipt=_compact_receipt(given))
        verdict = call(response_receipts.verify_receipt, request)
    except (ValidationError, PortalError):
        message = visit._("Paste the receipt or choose the receipt file you downloaded.")
        errors = FormErrors([FieldError("receipt", message)])
        return render(visit, "verify.html", 422, errors=errors, verdict=None, pasted=pasted)
    return render(visit, "verify.html", errors=FormErrors(), verdict=verdict, pasted=pasted)


def _compact_receipt(given: str) -> str:
    """The signed receipt from what was given: the receipt file (JSON) or the receipt itself (compact JWS)."""
    if given.startswith("{"):
        try:
            found = json.loads(given).get("receipt")
        except (ValueError, AttributeError):
            return ""
        return found if isinstance(found, str) else ""
    return "".join(given.split())


@page("hoeringer/{hearing_id}/tilbagetraek", "POST", shown_on="hoeringer/{hearing_id}")
def withdraw(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    hearing_id = req.route_params["hearing_id"]
    if who is None:
        return redirect(sign_in_link(f"/hoeringer/{quote(hearing_id)}"), visit)
    if form_of(req).get("bekraeftet") != "ja":
        # A response is withdrawn on purpose only: the button asks first, without needing a script.
        return render(visit, "withdraw.html", hearing=call(hearings.get_hearing, who, hearing_id))
    try:
        call(responses.withdraw_response, who, hearing_id, response_id_for(hearing_id, who.subject))
    except PortalError as error:
        if isinstance(error, NotFound) and error.problems and error.problems[0].field == "responseId":
            raise
        return _hearing(req, visit, who, errors_from(error, visit), None, status=409)
    return redirect(f"/hoeringer/{quote(hearing_id)}?trukket=ja#respond", visit)


# -- sign-in -----------------------------------------------------------------------------------------------


def _redirect_uri() -> str:
    return f"{dependencies().settings.public_base_url.rstrip('/')}/log-ind/retur"


@page("log-ind")
def sign_in(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    settings = dependencies().settings
    issuer = sign_in_issuer(settings)
    if issuer is None:
        return render(visit, "error.html", 503, title=visit._("Sign-in is not available"))
    pending = oidc.PendingSignIn.start(on_this_site(req.params.get("til")))  # never an open redirect
    url = oidc.authorization_url(issuer, settings.web_client_id, _redirect_uri(), pending)
    return redirect(url, visit, (cookies().sign_in_cookie(pending.__dict__),))


@page("log-ind/retur")
def signed_in(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    settings = dependencies().settings
    issuer = sign_in_issuer(settings)
    jar = cookies()
    saved: dict[str, Any] | None = jar.sign_in(req.headers.get("cookie"))
    if issuer is None or saved is None or req.params.get("state") != saved.get("state") or not req.params.get("code"):
        return render(visit, "error.html", 400, title=visit._("Sign-in was not completed"))
    pending = oidc.PendingSignIn(**saved)
    try:
        token = oidc.redeem(issuer, settings.web_client_id, _redirect_uri(), req.params["code"], pending)
        person = dependencies().tokens.validate(token)
    except Exception:
        log.warning("a sign-in could not be completed", exc_info=True)
        return render(visit, "error.html", 400, title=visit._("Sign-in was not completed"))
    visit.session.token, visit.session.name = token, person.name
    visit.session.csrf = oidc.PendingSignIn.start("/").state  # a new CSRF token with the new session
    visit.set_cookies = [c for c in visit.set_cookies if not c.startswith("portal_session=")]
    session = jar.session_cookie(visit.session)
    return redirect(pending.return_to, visit, (session, jar.expired(SIGN_IN_COOKIE)))


@page("log-ud", "POST", shown_on="")
def sign_out(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    visit.session.token, visit.session.name = None, None
    visit.set_cookies = [c for c in visit.set_cookies if not c.startswith("portal_session=")]
    return redirect("/", visit, (cookies().session_cookie(visit.session),))


# -- static files ------------------------------------------------------------------------------------------


@bp.route(route="static/{*path}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def web_static(req: func.HttpRequest) -> func.HttpResponse:
    found = static_file(req.route_params.get("path", ""))
    if found is None:
        return func.HttpResponse("Not found", status_code=404, mimetype="text/plain", headers=SECURITY_HEADERS)
    headers = {
        "Cache-Control": IMMUTABLE if req.params.get("v") == found.version else SHORT,
        "ETag": found.etag,
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if req.headers.get("if-none-match") == found.etag:
        return func.HttpResponse(status_code=304, headers=headers)
    body = found.body
    if found.gzipped is not None and "gzip" in (req.headers.get("accept-encoding") or ""):
        body, headers["Content-Encoding"] = found.gzipped, "gzip"
    return func.HttpResponse(body, status_code=200, mimetype=found.content_type, headers=headers)
