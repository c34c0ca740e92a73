"""The caseworker's pages: my hearings, a new hearing from a template, and one hearing's desk.

Employees only, and a hearing's desk only for whoever runs it (its owner or an admin): anyone else gets
the 404 page, so a hearing's existence does not show. Every form posts to its own address, calls the
same service as the API and comes back to the desk: with a notice when it worked, or with the message
next to the field (and in the summary at the top) and what was typed kept when it did not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar
from urllib.parse import quote

import azure.functions as func
from pydantic import ValidationError

from functions.webui.forms import FieldError, FormErrors
from functions.webui.pages import Visit, redirect, render
from functions.webui.posted import Posted, posted
from functions.webui.routing import pages_on, sign_in_link
from functions.webui.visits import N_
from shared.bootstrap import call, dependencies
from shared.domain import access
from shared.domain.base import COPENHAGEN, WallClock, wall_clock_problem
from shared.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PortalError,
    StaleWrite,
)
from shared.domain.hearing import EDITABLE, MAX_INVITEES, HearingStatus
from shared.domain.identity import Identity
from shared.domain.meeting import MAX_CAPACITY
from shared.domain.text import whole_number
from shared.services import caseworking, exports, hearings, meetings, records
from shared.services.hearing_api import (
    MAX_CANCEL_REASON,
    Conclusion,
    HearingChanges,
    HearingDraft,
    HearingView,
    InviteeList,
    ScheduleRequest,
)

bp = func.Blueprint()
page = pages_on(bp)
R = TypeVar("R")
ROOT = "sagsbehandler"
DESK = ROOT + "/hoeringer/{hearing_id}"
MEETING = DESK + "/moeder/{meeting_id}"
MAX_FORM_BYTES = 400_000  # texts of a hearing; a document form may carry the largest upload besides
# The groups of "my hearings", in the order a caseworker works through them.
GROUPS = (
    HearingStatus.DRAFT,
    HearingStatus.SCHEDULED,
    HearingStatus.ACTIVE,
    HearingStatus.AWAITING_CONCLUSION,
    HearingStatus.CONCLUDED,
    HearingStatus.CANCELLED,
)
# What the desk says after a form worked: ``?besked=<key>`` on the redirect, so a reload repeats nothing.
NOTICES = {
    "oprettet": N_("The hearing is created as a draft. Add its documents, then schedule it."),
    "gemt": N_("Your changes are saved."),
    "uaendret": N_("Nothing was changed."),
    "planlagt": N_("The hearing is scheduled. It opens and closes by itself at the times shown."),
    "aflyst": N_("The hearing is cancelled."),
    "bedoemmere": N_("The reviewers are saved."),
    "inviteret": N_("The invitees are saved."),
    "uploadet": N_("The document is being checked. Reload the page in a moment to see whether it was attached."),
    "moede-planlagt": N_("The meeting is planned."),
    "moede-aendret": N_("The meeting is changed. Those signed up are told."),
    "moede-aflyst": N_("The meeting is cancelled. Those signed up are told."),
    "afsluttet": N_("The hearing is concluded. It is now journalised into its case in the records system."),
    "journalisering-queued": N_("Journalising is started again. Reload the page in a moment to see how it went."),
    "journalisering-running": N_("Journalising is running now; it is not started twice."),
    "journalisering-journalised": N_("The hearing is journalised already."),
}
CHECK = N_("Check this field.")
DATE_MESSAGE = N_("Enter a date, for example 15-12-2026.")
TIME_MESSAGE = N_("Enter a time, for example 12:00.")
WALL_CLOCK = {
    WallClock.MISSING: N_(
        "That time does not exist in Copenhagen: the clocks go forward an hour that night. Choose another time."
    ),
    WallClock.TWICE: N_(
        "That time happens twice in Copenhagen: the clocks go back an hour that night. Choose another time."
    ),
}
HEARING_FIELDS = {
    "templateId": N_("Choose a hearing type."),
    "title": N_("Write a title of at most 300 characters."),
    "summary": N_("The summary may be at most 2,000 characters."),
    "body": N_("The text may be at most 100,000 characters."),
    "visibility": N_("Choose who may see the hearing."),
    "kle": N_("Write a KLE number like 01, 01.02 or 01.02.03."),
    "caseNumber": N_("The case number may be at most 100 characters."),
    "subjectAreaIds": N_("Choose among the areas shown."),
    "cityAreaIds": N_("Choose among the areas shown."),
}
MEETING_FIELDS = {
    "title": N_("Write a title of at most 200 characters."),
    "description": N_("The description may be at most 5,000 characters."),
    "startsAt": N_("A meeting is planned for a time still to come."),
    "endsAt": N_("The meeting must end after it starts."),
    "location": N_("Give a place or an online link."),
    "onlineUrl": N_("An online link starts with https://"),
    "capacity": N_("Write the number of places, from 1 to 10,000."),
    "accessibility": N_("The accessibility information may be at most 2,000 characters."),
    "capacityShortfall": N_(
        "More people are signed up than the new number of places: choose what happens to those who do not fit."
    ),
}


# -- my hearings ------------------------------------------------------------------------------------------


@page(ROOT)
def caseworker_hearings(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    try:
        found = _as_not_found(lambda: call(caseworking.my_hearings, who, 50, req.params.get("fra") or None))
    except InvalidInput:  # "vis flere" from an old link: start again from the first page
        return redirect(f"/{ROOT}", visit)
    groups = [(status.value, [s for s in found.items if s.hearing.status is status]) for status in GROUPS]
    return render(
        visit,
        "caseworker_hearings.html",
        groups=[(key, items) for key, items in groups if items],
        continuation=found.continuation,
        may_create=access.may_create_hearing(who),
    )


# -- a new hearing ----------------------------------------------------------------------------------------


@page(ROOT + "/ny")
def caseworker_new(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    return _new_form(visit, who, req.params.get("skabelon") or "", None, FormErrors())


@page(ROOT + "/ny", "POST")
def caseworker_create(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    if who is None:
        return redirect(sign_in_link(f"/{ROOT}/ny"), visit)
    form = posted(req, MAX_FORM_BYTES)
    values: dict[str, Any] = {
        "templateId": form.get("templateId"),
        "title": form.get("title").strip(),
        "summary": form.get("summary"),
        "body": form.get("body"),
        "visibility": form.get("visibility") or None,
        "subjectAreaIds": form.all("subjectAreaIds"),
        "cityAreaIds": form.all("cityAreaIds"),
        "kle": form.get("kle").strip() or None,
        "caseNumber": form.get("caseNumber").strip() or None,
    }
    try:
        _known_areas(who, values)
        view = call(hearings.create_hearing, who, HearingDraft.model_validate(values))
    except (ValidationError, InvalidInput) as error:
        errors = _field_errors(error, visit, HEARING_FIELDS)
        return _new_form(visit, who, values["templateId"], form, errors, status=422)
    except (Forbidden, NotAuthenticated):
        raise NotFound("creating hearings needs the role") from None
    return redirect(_desk_path(view.id, "oprettet"), visit)


def _new_form(
    visit: Visit, who: Identity, template_id: str, form: Posted | None, errors: FormErrors, status: int = 200
) -> func.HttpResponse:
    if not access.may_create_hearing(who):
        raise NotFound("creating hearings needs the role")
    choices = call(caseworking.hearing_choices, who)
    template = next((t for t in choices.templates if t.id == template_id), None)
    if template is None:  # step one: the hearing type, whose defaults then fill the form
        return render(visit, "caseworker_new.html", status, choices=choices, chosen=None, typed={}, errors=errors)
    typed = (
        _typed(form)
        if form is not None
        else {
            "title": "",
            "summary": template.default_summary,
            "body": template.default_body,
            "visibility": template.default_visibility.value,
            "subjectAreaIds": [],
            "cityAreaIds": [],
            "kle": "",
            "caseNumber": "",
        }
    )
    return render(visit, "caseworker_new.html", status, choices=choices, chosen=template, typed=typed, errors=errors)


# -- the desk ---------------------------------------------------------------------------------------------


@page(DESK)
def caseworker_desk(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    notice = NOTICES.get(req.params.get("besked") or "")
    return _desk(visit, who, req.route_params["hearing_id"], notice=visit._(notice) if notice else None)


@dataclass
class Refusal:
    """A form that did not go through: the messages, and what was typed to show again."""

    errors: FormErrors
    typed: dict[str, Any]
    status: int = 422


def _desk(
    visit: Visit,
    who: Identity,
    hearing_id: str,
    refusal: Refusal | None = None,
    notice: str | None = None,
    export: exports.ExportTicket | None = None,
) -> func.HttpResponse:
    found = _as_not_found(lambda: call(caseworking.hearing_desk, who, hearing_id))
    hearing = found.hearing
    return render(
        visit,
        "caseworker_desk.html",
        refusal.status if refusal else 200,
        desk=found,
        hearing=hearing,
        meetings=call(meetings.list_meetings, who, hearing_id).items,
        choices=call(caseworking.hearing_choices, who),
        errors=refusal.errors if refusal else FormErrors(),
        typed=refusal.typed if refusal else {},
        notice=notice,
        export=export,
        editable=hearing.status in EDITABLE and hearing.archived_at is None,
        schedule=_schedule_fields(hearing),
        max_upload_mb=dependencies().settings.max_upload_bytes // (1024 * 1024),
        max_capacity=MAX_CAPACITY,
        meeting_values=lambda prefix, meeting: _meeting_values(refusal.typed if refusal else {}, prefix, meeting),
    )


def _meeting_values(typed: dict[str, Any], prefix: str, meeting: meetings.MeetingView | None) -> dict[str, Any]:
    """A meeting form's values: what was typed into this form, else the meeting as it is (or a new one's)."""
    if prefix + "title" in typed:
        return {name.removeprefix(prefix): value for name, value in typed.items() if name.startswith(prefix)}
    if meeting is None:
        return {"capacity": "50"}
    starts, ends = meeting.starts_at.astimezone(COPENHAGEN), meeting.ends_at.astimezone(COPENHAGEN)
    return {
        "title": meeting.title,
        "description": meeting.description,
        "date": starts.strftime("%Y-%m-%d"),
        "startTime": starts.strftime("%H:%M"),
        "endTime": ends.strftime("%H:%M"),
        "location": meeting.location or "",
        "onlineUrl": meeting.online_url or "",
        "capacity": str(meeting.capacity),
        "accessibility": meeting.accessibility,
    }


DeskForm = Callable[[func.HttpRequest, Visit, Identity, str], func.HttpResponse]
PageHandler = Callable[[func.HttpRequest, Visit, Identity | None], func.HttpResponse]


def _desk_page(handler: DeskForm) -> PageHandler:
    """A desk form: signed out goes to sign-in and back to the desk; the handler gets who and the hearing."""

    def wrapped(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
        hearing_id = req.route_params["hearing_id"]
        if who is None:
            return redirect(sign_in_link(_desk_path(hearing_id)), visit)
        return handler(req, visit, who, hearing_id)

    wrapped.__name__ = handler.__name__
    return wrapped


@page(DESK + "/rediger", "POST", shown_on=DESK)
@_desk_page
def desk_edit(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    form = posted(req, MAX_FORM_BYTES)
    typed = _typed(form)
    current = _as_not_found(lambda: call(caseworking.hearing_desk, who, hearing_id)).hearing
    sent: dict[str, Any] = {
        "title": typed["title"],
        "summary": typed["summary"],
        "body": typed["body"],
        "visibility": typed["visibility"] or current.visibility.value,
        "subjectAreaIds": typed["subjectAreaIds"],
        "cityAreaIds": typed["cityAreaIds"],
        "kle": typed["kle"] or None,
    }
    now = _current_values(current)
    changed = {name: value for name, value in sent.items() if _differs(value, now[name])}
    if not changed:
        return redirect(_desk_path(hearing_id, "uaendret"), visit)
    try:
        _known_areas(who, changed)
        changes = HearingChanges.model_validate(changed)
        call(hearings.edit_hearing, who, hearing_id, changes, if_match=_version_read(form))
    except StaleWrite:
        message = visit._(
            "Someone else changed the hearing after you opened it. What you typed is kept below: compare it with "
            "the hearing as it is now and save again to replace their changes with yours."
        )
        return _desk(visit, who, hearing_id, Refusal(FormErrors([FieldError("title", message)]), typed, 412))
    except (ValidationError, PortalError) as error:
        return _desk(visit, who, hearing_id, _refusal(error, visit, HEARING_FIELDS, typed, "title"))
    return redirect(_desk_path(hearing_id, "gemt"), visit)


@page(DESK + "/planlaeg", "POST", shown_on=DESK)
@_desk_page
def desk_schedule(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    form = posted(req, MAX_FORM_BYTES)
    typed = {name: form.get(name).strip() for name in ("startDate", "startTime", "deadlineDate", "deadlineTime")}
    problems: list[FieldError] = []
    start = form.get("start") or _wall_clock(visit, typed, "start", problems)  # a started hearing keeps its start
    deadline = _wall_clock(visit, typed, "deadline", problems)
    if problems:
        return _desk(visit, who, hearing_id, Refusal(FormErrors(problems), typed))
    try:
        call(
            hearings.schedule_hearing,
            who,
            hearing_id,
            ScheduleRequest.model_validate({"start": start, "deadline": deadline}),
        )
    except (ValidationError, PortalError) as error:
        messages = {
            "deadline": N_("The deadline must be in the future and after the start."),
            "start": N_("The hearing has started: only its deadline can be moved."),
            "title": N_("Give the hearing a title before it is scheduled."),
            "status": N_("The hearing cannot be scheduled in its current state."),
        }
        fields = {"deadline": "deadlineDate", "start": "startDate", "title": "deadlineDate", "status": "deadlineDate"}
        return _desk(visit, who, hearing_id, _refusal(error, visit, messages, typed, "deadlineDate", fields))
    return redirect(_desk_path(hearing_id, "planlagt"), visit)


@page(DESK + "/aflys")
def desk_cancel_page(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    hearing_id = req.route_params["hearing_id"]
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    hearing = _as_not_found(lambda: call(caseworking.hearing_desk, who, hearing_id)).hearing
    return render(visit, "caseworker_cancel.html", hearing=hearing, errors=FormErrors(), reason="")


@page(DESK + "/aflys", "POST")
@_desk_page
def desk_cancel(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    reason = posted(req, MAX_FORM_BYTES).get("reason").strip()
    hearing = _as_not_found(lambda: call(caseworking.hearing_desk, who, hearing_id)).hearing
    message = None
    if not reason:
        message = N_("Write why the hearing is cancelled.")
    elif len(reason) > MAX_CANCEL_REASON:
        message = N_("The reason may be at most 2,000 characters.")
    else:
        try:
            call(hearings.cancel_hearing, who, hearing_id, reason)
        except Conflict:
            message = N_("Only a draft or a scheduled hearing can be cancelled.")
    if message is not None:
        errors = FormErrors([FieldError("reason", visit._(message))])
        return render(visit, "caseworker_cancel.html", 422, hearing=hearing, errors=errors, reason=reason)
    return redirect(_desk_path(hearing_id, "aflyst"), visit)


@page(DESK + "/bedoemmere", "POST", shown_on=DESK)
@_desk_page
def desk_reviewers(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    form = posted(req, MAX_FORM_BYTES)
    current = _as_not_found(lambda: call(caseworking.hearing_desk, who, hearing_id)).hearing
    listed = list(current.reviewers or [])
    added = form.get("reviewer").strip()
    if form.get("remove"):
        listed = [reviewer for reviewer in listed if reviewer != form.get("remove")]
    elif not added or " " in added:
        message = visit._("Write the employee's e-mail address or user id, without spaces.")
        return _desk(
            visit, who, hearing_id, Refusal(FormErrors([FieldError("reviewer", message)]), {"reviewer": added})
        )
    elif added not in listed:
        listed.append(added)
    try:
        changes = HearingChanges(reviewers=listed)
        call(hearings.edit_hearing, who, hearing_id, changes, if_match=_version_read(form))
    except StaleWrite:
        message = visit._("Someone else changed the hearing after you opened it. Try again.")
        return _desk(
            visit, who, hearing_id, Refusal(FormErrors([FieldError("reviewer", message)]), {"reviewer": added}, 412)
        )
    except (ValidationError, PortalError) as error:
        messages = {
            "status": N_("The hearing can no longer be changed."),
            "reviewers": N_(
                "The portal knows no employee by this e-mail address yet. Ask them to sign in once, or give "
                "their user id."
            ),
        }
        return _desk(visit, who, hearing_id, _refusal(error, visit, messages, {"reviewer": added}, "reviewer", {}))
    return redirect(_desk_path(hearing_id, "bedoemmere", "reviewers"), visit)


@page(DESK + "/inviterede", "POST", shown_on=DESK)
@_desk_page
def desk_invite(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    form = posted(req, dependencies().settings.max_upload_bytes + MAX_FORM_BYTES)
    upload = form.files.get("inviteesFile")
    problem: str | None
    if upload is not None:  # the CSV form
        field, line = "inviteesFile", N_("Row {row}: {problem}")
        try:
            rows = caseworking.invitee_rows(upload.data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            rows, problem = [], N_("The file must be a CSV file in UTF-8.")
        else:
            problem = (
                None if rows else N_("Choose a CSV file with one CPR number, CVR number or e-mail address per row.")
            )
        typed: dict[str, Any] = {}
    else:
        field, line = "invitees", N_("Line {row}: {problem}")
        text = form.get("invitees")
        rows = [(number, value.strip()) for number, value in enumerate(text.splitlines(), start=1) if value.strip()]
        problem = None if rows else N_("Write at least one CPR number, CVR number or e-mail address.")
        typed = {"invitees": text}
    if form.too_large:
        problem = N_("The file is too large.")
    if problem is not None:
        return _desk(visit, who, hearing_id, Refusal(FormErrors([FieldError(field, visit._(problem))]), typed))
    try:
        call(hearings.set_invitees, who, hearing_id, InviteeList(invitees=[value for _, value in rows]))
    except (ValidationError, PortalError) as error:
        if isinstance(error, (NotFound, Forbidden, NotAuthenticated)):
            raise NotFound("no such hearing") from None
        return _desk(visit, who, hearing_id, Refusal(_invitee_errors(error, visit, rows, field, line), typed))
    # The section is "invitations": "invitees" is the field the summary's links lead to.
    return redirect(_desk_path(hearing_id, "inviteret", "invitations"), visit)


@page(DESK + "/dokumenter", "POST", shown_on=DESK)
@_desk_page
def desk_upload(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    settings = dependencies().settings
    form = posted(req, settings.max_upload_bytes + MAX_FORM_BYTES)
    upload = form.files.get("document")
    try:
        if form.too_large:
            raise InvalidInput("too large", field="document")
        call(
            caseworking.upload_document,
            who,
            hearing_id,
            upload.filename if upload else "",
            upload.data if upload else b"",
        )
    except PortalError as error:
        messages = {
            "document": N_("Choose a file of at most {size} MB."),
            "status": N_("Documents cannot be added to the hearing in its current state."),
            "documents": N_("The hearing holds as many documents as it can."),
            "filename": N_("The file's name has no usable characters; rename it and try again."),
        }
        refusal = _refusal(error, visit, messages, {}, "document", {})
        size = str(settings.max_upload_bytes // 2**20)
        refusal.errors.items = [FieldError(e.field, e.message.replace("{size}", size)) for e in refusal.errors.items]
        return _desk(visit, who, hearing_id, refusal)
    return redirect(_desk_path(hearing_id, "uploadet", "documents"), visit)


@page(DESK + "/moeder", "POST", shown_on=DESK)
@_desk_page
def desk_plan_meeting(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    form = posted(req, MAX_FORM_BYTES)
    typed, problems, values = _meeting_form(visit, form, "meeting-")
    if not problems:
        try:
            call(meetings.plan_meeting, who, hearing_id, meetings.MeetingRequest.model_validate(values))
        except (ValidationError, PortalError) as error:
            return _desk(visit, who, hearing_id, _meeting_refusal(error, visit, typed, "meeting-"))
    if problems:
        return _desk(visit, who, hearing_id, Refusal(FormErrors(problems), typed))
    return redirect(_desk_path(hearing_id, "moede-planlagt", "meetings"), visit)


@page(MEETING, "POST", shown_on=DESK)
@_desk_page
def desk_change_meeting(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    meeting_id = req.route_params["meeting_id"]
    form = posted(req, MAX_FORM_BYTES)
    prefix = f"m-{meeting_id}-"
    typed, problems, values = _meeting_form(visit, form, prefix)
    if form.get(prefix + "shortfall"):
        values["capacityShortfall"] = form.get(prefix + "shortfall")
    if not problems:
        try:
            changes = meetings.MeetingChanges.model_validate(values)
            version = _version_read(form, prefix + "version")
            call(meetings.change_meeting, who, hearing_id, meeting_id, changes, version)
        except StaleWrite:
            message = visit._(
                "Someone else changed the meeting after you opened it. What you typed is kept below: compare it "
                "with the meeting as it is now and save again to replace their changes with yours."
            )
            stale = Refusal(FormErrors([FieldError(prefix + "title", message)]), typed, 412)
            return _desk(visit, who, hearing_id, stale)
        except (ValidationError, PortalError) as error:
            if isinstance(error, NotFound):
                raise
            return _desk(visit, who, hearing_id, _meeting_refusal(error, visit, typed, prefix))
    if problems:
        return _desk(visit, who, hearing_id, Refusal(FormErrors(problems), typed))
    return redirect(_desk_path(hearing_id, "moede-aendret", "meetings"), visit)


@page(MEETING + "/aflys", "POST", shown_on=DESK)
@_desk_page
def desk_cancel_meeting(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    _as_not_found(lambda: call(meetings.cancel_meeting, who, hearing_id, req.route_params["meeting_id"]))
    return redirect(_desk_path(hearing_id, "moede-aflyst", "meetings"), visit)


@page(MEETING)
def desk_attendees(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    hearing_id, meeting_id = req.route_params["hearing_id"], req.route_params["meeting_id"]
    if who is None:
        return redirect(sign_in_link(visit.path), visit)
    hearing = _as_not_found(lambda: call(caseworking.hearing_desk, who, hearing_id)).hearing
    meeting = call(meetings.get_meeting, who, hearing_id, meeting_id)
    listed = call(meetings.meeting_attendees, who, hearing_id, meeting_id)
    return render(visit, "caseworker_attendees.html", hearing=hearing, meeting=meeting, listed=listed)


@page(MEETING + "/deltagere.csv")
def desk_attendees_csv(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return _attendee_file(req, visit, who, "csv")


@page(MEETING + "/deltagere.xlsx")
def desk_attendees_xlsx(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return _attendee_file(req, visit, who, "xlsx")


def _attendee_file(req: func.HttpRequest, visit: Visit, who: Identity | None, kind: str) -> func.HttpResponse:
    hearing_id, meeting_id = req.route_params["hearing_id"], req.route_params["meeting_id"]
    if who is None:
        return redirect(sign_in_link(f"/{ROOT}/hoeringer/{quote(hearing_id)}/moeder/{quote(meeting_id)}"), visit)
    found = _as_not_found(lambda: call(meetings.export_attendees, who, hearing_id, meeting_id, kind))
    headers = {
        "Content-Disposition": f'attachment; filename="{found.filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return func.HttpResponse(found.data, status_code=200, headers={**headers, "Content-Type": found.content_type})


@page(DESK + "/afslut", "POST", shown_on=DESK)
@_desk_page
def desk_conclude(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    text = posted(req, MAX_FORM_BYTES).get("conclusion").strip()
    typed = {"conclusion": text}
    try:
        call(hearings.conclude_hearing, who, hearing_id, Conclusion.model_validate({"conclusion": text}))
    except (ValidationError, PortalError) as error:
        if isinstance(error, Conflict) and any(p.field == "responses" for p in error.problems):
            message = visit._(
                "Approve or decline every response before you conclude: some are still waiting in the moderation."
            )
            return _desk(visit, who, hearing_id, Refusal(FormErrors([FieldError("conclusion", message)]), typed, 409))
        messages = {
            "conclusion": N_("Write the conclusion."),
            "status": N_("Only a hearing past its deadline can be concluded."),
        }
        return _desk(visit, who, hearing_id, _refusal(error, visit, messages, typed, "conclusion", {}))
    return redirect(_desk_path(hearing_id, "afsluttet"), visit)


@page(DESK + "/eksport", "POST", shown_on=DESK)
@_desk_page
def desk_export(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    wanted = posted(req, MAX_FORM_BYTES).get("format")
    request = exports.ExportRequest(format=exports.ExportFormat(wanted if wanted in ("xlsx", "pdf") else "xlsx"))
    ticket = _as_not_found(lambda: call(exports.create_export, who, hearing_id, request))
    # The link is shown rather than followed: it leaves the site, which a form may not redirect to.
    return _desk(visit, who, hearing_id, export=ticket)


@page(DESK + "/journaliser", "POST", shown_on=DESK)
@_desk_page
def desk_journalise(req: func.HttpRequest, visit: Visit, who: Identity, hearing_id: str) -> func.HttpResponse:
    try:
        answer = call(records.journalise_now, who, hearing_id)
    except Conflict:
        message = visit._("Only a concluded hearing is journalised.")
        return _desk(visit, who, hearing_id, Refusal(FormErrors([FieldError("journalise", message)]), {}, 409))
    except (Forbidden, NotAuthenticated):
        raise NotFound("no such hearing") from None
    return redirect(_desk_path(hearing_id, f"journalisering-{answer.request.value}", "journalising"), visit)


# -- helpers ----------------------------------------------------------------------------------------------


def _as_not_found(action: Callable[[], R]) -> R:
    """What the person may not do here answers as if it were not there: the 404 page."""
    try:
        return action()
    except (Forbidden, NotAuthenticated):
        raise NotFound("not for this person") from None


# Never a version the portal hands out: a desk form that lost its version is treated as stale, not as blind.
_NO_VERSION = '"not-sent"'


def _version_read(form: Posted, field: str = "etag") -> str:
    """The version of the hearing (or meeting) the form was filled from; the desk always sends it, so only
    a forged or truncated form misses it, and that must not overwrite a colleague's edit unseen."""
    return form.get(field).strip() or _NO_VERSION


def _desk_path(hearing_id: str, notice: str | None = None, section: str | None = None) -> str:
    path = f"/{ROOT}/hoeringer/{quote(hearing_id)}"
    return path + (f"?besked={notice}" if notice else "") + (f"#{section}" if section else "")


def _typed(form: Posted) -> dict[str, Any]:
    return {
        "title": form.get("title").strip(),
        # Browsers send a text area's line breaks as CRLF; the hearing keeps them as LF.
        "summary": form.get("summary").replace("\r\n", "\n").strip(),
        "body": form.get("body").replace("\r\n", "\n").strip(),
        "visibility": form.get("visibility"),
        "subjectAreaIds": form.all("subjectAreaIds"),
        "cityAreaIds": form.all("cityAreaIds"),
        "kle": form.get("kle").strip(),
        "caseNumber": form.get("caseNumber").strip(),
    }


def _current_values(hearing: HearingView) -> dict[str, Any]:
    return {
        "title": hearing.title,
        "summary": hearing.summary,
        "body": hearing.body,
        "visibility": hearing.visibility.value,
        "subjectAreaIds": hearing.subject_area_ids,
        "cityAreaIds": hearing.city_area_ids,
        "kle": hearing.kle,
    }


def _differs(sent: Any, stored: Any) -> bool:
    if isinstance(sent, list):  # areas: the order they are ticked in is no change
        return sorted(sent) != sorted(stored or [])
    return bool(sent != stored)


def _known_areas(who: Identity, values: dict[str, Any]) -> None:
    """Only areas the portal knows: a form could be sent with any value."""
    choices = call(caseworking.hearing_choices, who)
    for name, known in (("subjectAreaIds", choices.subject_areas), ("cityAreaIds", choices.city_areas)):
        if name in values and not set(values[name]) <= {area.id for area in known}:
            raise InvalidInput("unknown area", field=name)


def _schedule_fields(hearing: HearingView) -> dict[str, str]:
    """The schedule form's fields: the hearing's start and deadline as Copenhagen dates and times."""
    fields = {"startDate": "", "startTime": "", "deadlineDate": "", "deadlineTime": ""}
    for name, instant in (("start", hearing.start), ("deadline", hearing.deadline)):
        if instant is not None:
            local = instant.astimezone(COPENHAGEN)
            fields[f"{name}Date"], fields[f"{name}Time"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M")
    return fields


def _wall_clock(visit: Visit, typed: dict[str, str], name: str, problems: list[FieldError]) -> str:
    """``<name>Date`` and ``<name>Time`` as one Copenhagen wall-clock time, or a message at the field."""
    day, moment = _date(typed.get(f"{name}Date", "")), _time(typed.get(f"{name}Time", ""))
    if day is None:
        problems.append(FieldError(f"{name}Date", visit._(DATE_MESSAGE)))
    if moment is None:
        problems.append(FieldError(f"{name}Time", visit._(TIME_MESSAGE)))
    if day is None or moment is None:
        return ""
    wall_clock = datetime.combine(day, moment)
    problem = wall_clock_problem(wall_clock)
    if problem is not None:
        problems.append(FieldError(f"{name}Time", visit._(WALL_CLOCK[problem])))
    return wall_clock.isoformat(timespec="minutes")


def _date(text: str) -> date | None:
    """A date as a date field sends it (2026-12-15), or as a person types it (15-12-2026, 15.12.2026)."""
    text = text.strip()
    for separator in ("-", ".", "/"):
        parts = text.split(separator)
        if len(parts) == 3 and all(whole_number(part, max_digits=4) is not None for part in parts):
            year, month, day = (parts[0], parts[1], parts[2]) if len(parts[0]) == 4 else (parts[2], parts[1], parts[0])
            try:
                return date(int(year), int(month), int(day)) if len(year) == 4 else None
            except ValueError:
                return None
    return None


def _time(text: str) -> time | None:
    """A time as a time field sends it (12:00), or as a Dane writes it (12.00)."""
    parts = text.strip().replace(".", ":").split(":")
    if len(parts) != 2 or not all(whole_number(part, max_digits=2) is not None for part in parts):
        return None
    try:
        return time(int(parts[0]), int(parts[1]))
    except ValueError:
        return None


def _meeting_form(visit: Visit, form: Posted, prefix: str) -> tuple[dict[str, Any], list[FieldError], dict[str, Any]]:
    names = (
        "title",
        "description",
        "date",
        "startTime",
        "endTime",
        "location",
        "onlineUrl",
        "capacity",
        "accessibility",
    )
    typed = {prefix + name: form.get(prefix + name).strip() for name in names}
    problems: list[FieldError] = []
    times = {
        f"{prefix}startsDate": typed[prefix + "date"],
        f"{prefix}startsTime": typed[prefix + "startTime"],
        f"{prefix}endsDate": typed[prefix + "date"],
        f"{prefix}endsTime": typed[prefix + "endTime"],
    }
    starts = _wall_clock(visit, times, prefix + "starts", problems)
    ends = _wall_clock(visit, times, prefix + "ends", problems)
    # The form has one date for both times: its messages go to the fields it shows.
    shown = {f"{prefix}startsDate": prefix + "date", f"{prefix}endsDate": prefix + "date"}
    shown |= {f"{prefix}startsTime": prefix + "startTime", f"{prefix}endsTime": prefix + "endTime"}
    problems = list({(shown[p.field], p.message): FieldError(shown[p.field], p.message) for p in problems}.values())
    capacity = typed[prefix + "capacity"]
    number = whole_number(capacity)
    if number is None or not 1 <= number <= MAX_CAPACITY:
        problems.append(FieldError(prefix + "capacity", visit._(MEETING_FIELDS["capacity"])))
    values = {
        "title": typed[prefix + "title"],
        "description": typed[prefix + "description"],
        "startsAt": starts,
        "endsAt": ends,
        "location": typed[prefix + "location"] or None,
        "onlineUrl": typed[prefix + "onlineUrl"] or None,
        "capacity": number or 0,
        "accessibility": typed[prefix + "accessibility"],
    }
    return typed, problems, values


def _meeting_refusal(error: ValidationError | PortalError, visit: Visit, typed: dict[str, Any], prefix: str) -> Refusal:
    fields = {
        "title": "title",
        "description": "description",
        "startsAt": "date",
        "endsAt": "endTime",
        "location": "location",
        "onlineUrl": "onlineUrl",
        "capacity": "capacity",
        "accessibility": "accessibility",
        "capacityShortfall": "shortfall",
        "hearingId": "title",
        "meetingId": "title",
    }
    messages = {
        **MEETING_FIELDS,
        "hearingId": N_("Meetings cannot be planned or changed in the hearing's current state."),
        "meetingId": N_("The meeting is cancelled or has started, and can no longer be changed."),
    }
    prefixed = {name: prefix + field for name, field in fields.items()}
    return _refusal(error, visit, messages, typed, prefix + "title", prefixed)


def _refusal(
    error: ValidationError | PortalError,
    visit: Visit,
    messages: dict[str, str],
    typed: dict[str, Any],
    fallback: str,
    fields: dict[str, str] | None = None,
) -> Refusal:
    if isinstance(error, (NotFound, Forbidden, NotAuthenticated)):
        raise NotFound("no such hearing") from None
    status = 409 if isinstance(error, Conflict) else 422
    return Refusal(_field_errors(error, visit, messages, fields, fallback), typed, status)


def _field_errors(
    error: ValidationError | PortalError,
    visit: Visit,
    messages: dict[str, str],
    fields: dict[str, str] | None = None,
    fallback: str = "title",
) -> FormErrors:
    """Each problem at the form field it names (``fields`` maps a request's names to the form's), in words
    from the catalogue; a problem naming no field of the form is shown at ``fallback``."""
    if isinstance(error, ValidationError):
        names = [str(issue["loc"][0]) for issue in error.errors() if issue["loc"]]
    else:
        names = [problem.field for problem in error.problems if problem.field]
    found: dict[str, FieldError] = {}
    for name in dict.fromkeys(names or [""]):
        root = name.split("[")[0]  # "subjectAreaIds[0]" is the list's field
        field = (root if root in messages else fallback) if fields is None else fields.get(root, fallback)
        if field not in found:
            found[field] = FieldError(field, visit._(messages.get(root, CHECK)))
    return FormErrors(list(found.values()))


def _invitee_errors(
    error: ValidationError | PortalError, visit: Visit, rows: list[tuple[int, str]], field: str, line: str
) -> FormErrors:
    """One message per refused row, with its number, saying what the entry looked like it should be."""
    if isinstance(error, InvalidInput) and any(p.field.startswith("invitees[") for p in error.problems if p.field):
        found = []
        for problem in error.problems:
            index = int(problem.field.split("[")[1].rstrip("]")) if problem.field else 0
            number, value = rows[index]
            digits = value.replace("-", "").replace(" ", "")
            if digits.isascii() and digits.isdigit() and len(digits) == 8:
                what = visit._("not a valid CVR number")
            elif digits.isascii() and digits.isdigit() and len(digits) == 10:
                what = visit._("not a valid CPR number (its first six digits are a date of birth)")
            else:
                what = visit._("neither a CPR number, a CVR number, an e-mail address nor a user id")
            found.append(FieldError(field, visit._(line).format(row=number, problem=what)))
        return FormErrors(found)
    if isinstance(error, (InvalidInput, ValidationError)):
        message = visit._("A closed hearing has at most {count} invitees.").format(count=f"{MAX_INVITEES:,}")
    else:
        message = visit._("The hearing can no longer be changed.")
    return FormErrors([FieldError(field, message)])
