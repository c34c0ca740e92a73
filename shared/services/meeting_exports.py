"""The owner's attendee list as a spreadsheet: attendees first, then the waiting list, in order."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from shared.domain.base import COPENHAGEN
from shared.domain.identity import IdentityKind
from shared.domain.meeting import AttendeeStatus, Meeting

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
Row = tuple[int, str, str, str, str, datetime]

EXPORT_HEADERS = ("Nr.", "Status", "Navn", "Virksomhed", "Type", "Tilmeldt")
_STATUS_TEXT = {AttendeeStatus.ATTENDING: "Tilmeldt", AttendeeStatus.WAITING: "Venteliste"}
_KIND_TEXT = {IdentityKind.CITIZEN: "Borger", IdentityKind.COMPANY: "Virksomhed", IdentityKind.EMPLOYEE: "Medarbejder"}


def attendee_rows(meeting: Meeting) -> list[Row]:
    rows = []
    for status, people in (
        (AttendeeStatus.ATTENDING, meeting.attendees),
        (AttendeeStatus.WAITING, meeting.waiting_list),
    ):
        for position, person in enumerate(people, 1):
            signed_up = person.signed_up_at.astimezone(COPENHAGEN).replace(tzinfo=None, microsecond=0)
            kind = _KIND_TEXT[person.kind]
            rows.append((position, _STATUS_TEXT[status], person.name, person.company_name or "", kind, signed_up))
    return rows


def attendees_csv(rows: list[Row]) -> bytes:
    buffer = io.StringIO()
    # Semicolons and a byte order mark: what a Danish Excel opens without an import dialogue.
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_HEADERS)
    for number, status, name, company, kind, signed_up in rows:
        writer.writerow([number, status, _no_formula(name), _no_formula(company), kind, f"{signed_up:%Y-%m-%d %H:%M}"])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _no_formula(value: str) -> str:
    # A name starting with "=" must never become a formula in the caseworker's spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def attendees_xlsx(rows: list[Row]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tilmeldte")
    sheet.freeze_panes = "A2"

    def text(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # always text, never a formula
        return cell

    sheet.append([text(header) for header in EXPORT_HEADERS])
    for number, status, name, company, kind, signed_up in rows:
        when_cell = WriteOnlyCell(sheet, value=signed_up)
        when_cell.number_format = "yyyy-mm-dd hh:mm"
        sheet.append([number, text(status), text(name), text(company), text(kind), when_cell])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
