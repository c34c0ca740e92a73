"""The XLSX export: one row per response, written with openpyxl in write-only mode.

Write-only mode streams each row to a temporary file as it is appended, so memory stays the same
for 2,000 or 50,000 responses; only the finished, zipped workbook is held at the end.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from shared.services.export_rows import ExportRow

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ("Nr.", "Modtaget", "Afsender", "Status", "Markeringer", "Kampagnegruppe", "Tekst")
_WIDTHS = (8, 18, 24, 20, 24, 20, 100)
# Excel keeps at most 32,767 characters in a cell; a longer response is cut with a note (the PDF has it all).
_CELL_LIMIT = 32_767
_CUT_NOTE = " … [forkortet: den fulde tekst står i PDF-rapporten]"


def render_xlsx(rows: Iterable[ExportRow]) -> tuple[bytes, int]:
    """The workbook's bytes and the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet("Høringssvar")
    for column, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[chr(ord("A") + column - 1)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_text_cell(sheet, header) for header in HEADERS])
    count = 0
    for row in rows:
        received = WriteOnlyCell(sheet, value=row.received_local)
        received.number_format = "yyyy-mm-dd hh:mm"
        sheet.append(
            [
                row.number,
                received,
                _text_cell(sheet, row.author),
                _text_cell(sheet, row.status),
                _text_cell(sheet, row.flags),
                _text_cell(sheet, row.campaign_group),
                _text_cell(sheet, _fit(row.text)),
            ]
        )
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def _text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    # Always a string: a response starting with "=" must never become a formula in the caseworker's Excel.
    cell.data_type = "s"
    return cell


def _fit(text: str) -> str:
    return text if len(text) <= _CELL_LIMIT else text[: _CELL_LIMIT - len(_CUT_NOTE)] + _CUT_NOTE
