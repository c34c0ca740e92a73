"""Public meetings (borgermøder): planning, sign-up and waiting lists, attendee lists, calendars, reminders."""

from __future__ import annotations

import logging
from typing import Annotated

import azure.functions as func

from functions.http import Answer, Header, http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.services import meetings
from shared.services.meetings import (
    AttendeeList,
    FileDownload,
    MeetingChanges,
    MeetingList,
    MeetingRequest,
    MeetingView,
    SignUpView,
)

bp = func.Blueprint()
log = logging.getLogger(__name__)
TAG = "Meetings"
MEETINGS = "hearings/{hearing_id}/meetings"
MEETING = MEETINGS + "/{meeting_id}"


def _download(file: FileDownload) -> func.HttpResponse:
    return func.HttpResponse(
        file.data,
        status_code=200,
        headers={
            "Content-Type": file.content_type,
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "Cache-Control": "no-store",
        },
    )


@http_function(bp, "GET", MEETINGS, summary="The hearing's public meetings", tag=TAG, calls=meetings.list_meetings)
def list_meetings(who: Identity | None, hearing_id: str) -> MeetingList:
    return call(meetings.list_meetings, who, hearing_id)


@http_function(
    bp, "POST", MEETINGS, summary="Plan a public meeting (owner)", tag=TAG, status=201, calls=meetings.plan_meeting
)
def plan_meeting(who: Identity, hearing_id: str, request: MeetingRequest) -> Answer[MeetingView]:
    view = call(meetings.plan_meeting, who, hearing_id, request)
    location = f"/api/hearings/{hearing_id}/meetings/{view.id}"
    return Answer(view, headers={"Location": location, "ETag": view.version})


@http_function(bp, "GET", MEETING, summary="Read a public meeting", tag=TAG, calls=meetings.get_meeting)
def get_meeting(who: Identity | None, hearing_id: str, meeting_id: str) -> Answer[MeetingView]:
    view = call(meetings.get_meeting, who, hearing_id, meeting_id)
    return Answer(view, headers={"ETag": view.version})


@http_function(
    bp,
    "PATCH",
    MEETING,
    summary="Change a meeting; attendees are told (owner; If-Match: the ETag read, or * to overwrite)",
    tag=TAG,
    calls=meetings.change_meeting,
)
def change_meeting(
    who: Identity,
    hearing_id: str,
    meeting_id: str,
    changes: MeetingChanges,
    # A hearing's owners share its meetings: a change that names no version could undo a colleague's.
    if_match: Annotated[str, Header("If-Match", required=True)],
) -> Answer[MeetingView]:
    version = None if if_match == "*" else if_match
    view = call(meetings.change_meeting, who, hearing_id, meeting_id, changes, version)
    return Answer(view, headers={"ETag": view.version})


@http_function(
    bp,
    "DELETE",
    MEETING,
    summary="Cancel a meeting; attendees are told (owner)",
    tag=TAG,
    calls=meetings.cancel_meeting,
)
def cancel_meeting(who: Identity, hearing_id: str, meeting_id: str) -> MeetingView:
    return call(meetings.cancel_meeting, who, hearing_id, meeting_id)


@http_function(
    bp, "POST", f"{MEETING}/signup", summary="Sign up, or join the waiting list", tag=TAG, calls=meetings.sign_up
)
def sign_up_for_meeting(who: Identity, hearing_id: str, meeting_id: str) -> SignUpView:
    return call(meetings.sign_up, who, hearing_id, meeting_id)


@http_function(bp, "DELETE", f"{MEETING}/signup", summary="Cancel my sign-up", tag=TAG, calls=meetings.withdraw_sign_up)
def withdraw_from_meeting(who: Identity, hearing_id: str, meeting_id: str) -> None:
    call(meetings.withdraw_sign_up, who, hearing_id, meeting_id)


@http_function(
    bp,
    "GET",
    f"{MEETING}/attendees",
    summary="Attendees and waiting list (owner and admins)",
    tag=TAG,
    calls=meetings.meeting_attendees,
)
def meeting_attendees(who: Identity, hearing_id: str, meeting_id: str) -> AttendeeList:
    return call(meetings.meeting_attendees, who, hearing_id, meeting_id)


@http_function(
    bp,
    "GET",
    f"{MEETING}/attendees.xlsx",
    summary="Attendees and waiting list as XLSX (owner and admins)",
    tag=TAG,
    calls=meetings.export_attendees,
    content_type=meetings.XLSX,
)
def export_meeting_attendees_xlsx(who: Identity, hearing_id: str, meeting_id: str) -> func.HttpResponse:
    return _download(call(meetings.export_attendees, who, hearing_id, meeting_id, "xlsx"))


@http_function(
    bp,
    "GET",
    f"{MEETING}/attendees.csv",
    summary="Attendees and waiting list as CSV (owner and admins)",
    tag=TAG,
    calls=meetings.export_attendees,
    content_type="text/csv",
)
def export_meeting_attendees_csv(who: Identity, hearing_id: str, meeting_id: str) -> func.HttpResponse:
    return _download(call(meetings.export_attendees, who, hearing_id, meeting_id, "csv"))


@http_function(
    bp,
    "GET",
    f"{MEETING}/meeting.ics",
    summary="The meeting as an iCalendar file",
    tag=TAG,
    calls=meetings.meeting_calendar,
    content_type="text/calendar",
)
def meeting_calendar(who: Identity | None, hearing_id: str, meeting_id: str) -> func.HttpResponse:
    return _download(call(meetings.meeting_calendar, who, hearing_id, meeting_id))


@bp.timer_trigger(schedule="0 5 * * * *", arg_name="timer", run_on_startup=False)
def send_meeting_reminders(timer: func.TimerRequest) -> None:
    """Hourly: reminders for tomorrow's meetings, and notices a failure left behind."""
    reminded = call(meetings.send_meeting_reminders)
    if reminded:
        log.info("meeting reminders noted: %d", reminded)
