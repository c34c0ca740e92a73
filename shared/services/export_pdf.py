"""The PDF report: the hearing's title, case number and deadline, counts per status, and every response.

Drawn with reportlab's canvas one response at a time, so the responses are never all in memory.
The counts on the first page are a form drawn after the last response and placed on page one by
reference, so one pass over the store gives counts that match exactly the responses listed.
Text is set in Bitstream Vera, which ships inside the reportlab package (so it is there in Azure
too) and covers Danish letters; the font is embedded as a subset.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from shared.services.export_rows import STATUS_LABELS, ExportRow

CONTENT_TYPE = "application/pdf"
REGULAR, BOLD = "PortalVera", "PortalVera-Bold"
_MARGIN = 50.0
_WIDTH, _HEIGHT = A4
_TEXT_WIDTH = _WIDTH - 2 * _MARGIN
_SIZE, _LEADING = 10.0, 13.0
_SUMMARY_FORM = "statusCounts"
_SUMMARY_LINES = len(STATUS_LABELS) + 2  # a heading, one line per status, the total


@dataclass(frozen=True)
class ReportHeading:
    title: str
    case_number: str
    deadline_local: str | None  # Copenhagen wall clock, e.g. "2026-06-01 12:00"
    created_local: str


def render_pdf(heading: ReportHeading, rows: Iterable[ExportRow]) -> tuple[bytes, int]:
    """The report's bytes and the number of responses in it."""
    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=True)
    canvas.setTitle(f"Høringssvar: {heading.title}")
    canvas.setAuthor("Høringsportalen")
    pages = _Pages(canvas, heading.title)
    pages.heading(heading)
    counts: Counter[str] = Counter()
    for row in rows:
        pages.response(row)
        counts[row.status] += 1
    pages.finish()
    _draw_summary(canvas, pages.summary_top, counts)
    canvas.save()
    return buffer.getvalue(), sum(counts.values())


class _Pages:
    """Where the next line goes; starts a new page with a footer when the current one is full."""

    def __init__(self, canvas: Canvas, title: str) -> None:
        self.canvas = canvas
        self.title = title
        self.y = _HEIGHT - _MARGIN
        self.summary_top = 0.0

    def heading(self, heading: ReportHeading) -> None:
        self.lines(_wrap(heading.title, BOLD, 16, _TEXT_WIDTH), BOLD, 16, 20)
        self.y -= 6
        facts = [
            f"Sagsnummer: {heading.case_number}",
            f"Høringsfrist: {heading.deadline_local or 'ikke fastsat'}",
            f"Udtræk dannet: {heading.created_local}",
        ]
        self.lines(facts, REGULAR, _SIZE, _LEADING)
        self.y -= _LEADING
        self.summary_top = self.y
        self.canvas.doForm(_SUMMARY_FORM)  # drawn once every response has been counted
        self.y -= _SUMMARY_LINES * _LEADING + _LEADING

    def response(self, row: ExportRow) -> None:
        title = f"Nr. {row.number}  ·  {row.received_local:%Y-%m-%d %H:%M}  ·  {row.author}  ·  {row.status}"
        meta = []
        if row.flags:
            meta.append(f"Markeringer: {row.flags}")
        if row.campaign_group:
            meta.append(f"Kampagnegruppe: {row.campaign_group}")
        self.room_for(3 * _LEADING)  # never a response's title alone at the foot of a page
        self.lines(_wrap(title, BOLD, _SIZE, _TEXT_WIDTH), BOLD, _SIZE, _LEADING)
        self.lines([line for item in meta for line in _wrap(item, REGULAR, 8, _TEXT_WIDTH)], REGULAR, 8, 11)
        self.lines(_wrap(row.text, REGULAR, _SIZE, _TEXT_WIDTH), REGULAR, _SIZE, _LEADING)
        self.y -= _LEADING / 2

    def lines(self, lines: Iterable[str], font: str, size: float, leading: float) -> None:
        for line in lines:
            self.room_for(leading)
            self.canvas.setFont(font, size)
            self.canvas.drawString(_MARGIN, self.y - size, line)
            self.y -= leading

    def room_for(self, height: float) -> None:
        if self.y - height < _MARGIN + _LEADING:
            self._footer()
            self.canvas.showPage()
            self.y = _HEIGHT - _MARGIN

    def finish(self) -> None:
        self._footer()
        self.canvas.showPage()

    def _footer(self) -> None:
        self.canvas.setFont(REGULAR, 8)
        self.canvas.drawString(_MARGIN, _MARGIN / 2, _shorten(self.title, 90))
        self.canvas.drawRightString(_WIDTH - _MARGIN, _MARGIN / 2, f"Side {self.canvas.getPageNumber()}")


def _draw_summary(canvas: Canvas, top: float, counts: Counter[str]) -> None:
    canvas.beginForm(_SUMMARY_FORM)
    y = top - _SIZE
    canvas.setFont(BOLD, _SIZE)
    canvas.drawString(_MARGIN, y, "Svar fordelt på status")
    for label in [*STATUS_LABELS.values(), "I alt"]:
        y -= _LEADING
        count = sum(counts.values()) if label == "I alt" else counts[label]
        canvas.setFont(BOLD if label == "I alt" else REGULAR, _SIZE)
        canvas.drawString(_MARGIN + 12, y, label)
        canvas.drawRightString(_MARGIN + 220, y, f"{count:,}".replace(",", "."))  # Danish thousands separator
    canvas.endForm()


def _wrap(text: str, font: str, size: float, width: float) -> Iterator[str]:
    """Lines that fit the width: at spaces where possible, inside a word that is wider than a line."""
    for paragraph in text.replace("\r\n", "\n").replace("\t", " ").split("\n"):
        lines = simpleSplit(_printable(paragraph), font, size, width) or [""]
        for line in lines:
            yield from _split_wide(line, font, size, width)


def _split_wide(line: str, font: str, size: float, width: float) -> Iterator[str]:
    while pdfmetrics.stringWidth(line, font, size) > width and len(line) > 1:
        cut = len(line)
        while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
            cut = max(1, cut * 9 // 10)
        yield line[:cut]
        line = line[cut:]
    yield line


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@cache
def _register_fonts() -> None:
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(REGULAR, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "VeraBd.ttf")))
